#if canImport(Accelerate)
import Accelerate
#else
import CBLAS
#endif

/// Single-precision GEMM through the platform BLAS (OpenBLAS on Linux, Accelerate on macOS):
/// C = alpha · op(A) · op(B) + beta · C, all row-major.
///
/// BLAS itself runs single-threaded; large products are split into `Engine.threadCount`
/// column (or row) blocks computed concurrently. OpenBLAS's own thread pool busy-waits
/// between calls and steals the cores from the engine's other kernels on a 2-core machine;
/// splitting here keeps one pool of threads, and the fixed block boundaries keep results
/// deterministic for a given thread count.
func sgemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
           alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
           b: UnsafePointer<Float>, ldb: Int,
           beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
    guard m > 0, n > 0 else { return }
    let threads = Engine.threadCount
    let work = 2 * Double(m) * Double(n) * Double(k)
    guard threads > 1, work >= 4e6 else {
        gemmBlock(transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
        return
    }
    let splitColumns = n >= m
    let extent = splitColumns ? n : m
    let blocks = min(threads, max(1, extent / 16))
    DispatchQueueShim.concurrentPerform(iterations: blocks) { index in
        // Blocks start on multiples of 16 so every block keeps aligned, full-width panels.
        let unit = (extent + 15) / 16
        let range = chunkRange(index, of: blocks, count: unit)
        let start = range.lowerBound * 16, end = min(extent, range.upperBound * 16)
        guard end > start else { return }
        if splitColumns {
            let bBlock = transposeB ? b + start * ldb : b + start
            gemmBlock(transposeA, transposeB, m, end - start, k, alpha, a, lda, bBlock, ldb, beta, c + start, ldc)
        } else {
            let aBlock = transposeA ? a + start : a + start * lda
            gemmBlock(transposeA, transposeB, end - start, n, k, alpha, aBlock, lda, b, ldb, beta, c + start * ldc, ldc)
        }
    }
}

/// One BLAS call on the calling thread, for kernels that already run one task per core.
@inline(__always)
func gemmBlock(_ transposeA: Bool, _ transposeB: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
                       _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
                       _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
    guard k > 0 else {
        for row in 0..<m {
            let r = c + row * ldc
            if beta == 0 { r.update(repeating: 0, count: n) } else { for col in 0..<n { r[col] *= beta } }
        }
        return
    }
    cblas_sgemm(CblasRowMajor,
                transposeA ? CblasTrans : CblasNoTrans,
                transposeB ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}
