import Dispatch
import Foundation
#if canImport(CBLAS)
import CBLAS
#endif

/// Engine-wide settings: how many threads kernels and BLAS use.
public enum Engine {
    nonisolated(unsafe) private static var threads: Int = initialThreadCount()

    /// Threads used by GEMM and by the parallel kernels. Results are deterministic for a
    /// given thread count. Defaults to `WEIGHTGEN_THREADS` or the number of active cores.
    public static var threadCount: Int {
        get { threads }
        set {
            threads = max(1, newValue)
            #if canImport(CBLAS)
            openblas_set_num_threads(Int32(threads))
            #endif
        }
    }

    private static func initialThreadCount() -> Int {
        let fromEnvironment = getenv("WEIGHTGEN_THREADS").flatMap { Int(String(cString: $0)) }
        let count = max(1, fromEnvironment ?? ProcessInfo.processInfo.activeProcessorCount)
        #if canImport(CBLAS)
        openblas_set_num_threads(Int32(count))
        #endif
        return count
    }
}

/// Splits `0..<count` into at most `Engine.threadCount` contiguous chunks of at least
/// `grain` elements and runs `body` on each, in parallel when there is more than one.
/// Chunk boundaries depend only on `count`, `grain` and the thread count, so kernels that
/// combine per-chunk partial results in chunk order are deterministic.
@inline(__always)
public func parallelFor(_ count: Int, grain: Int, _ body: (Range<Int>) -> Void) {
    let chunks = min(Engine.threadCount, max(1, count / max(grain, 1)))
    if chunks <= 1 {
        if count > 0 { body(0..<count) }
        return
    }
    withoutActuallyEscaping(body) { body in
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            body(chunkRange(chunk, of: chunks, count: count))
        }
    }
}

/// The `index`-th of `chunks` near-equal contiguous ranges covering `0..<count`.
@inline(__always)
public func chunkRange(_ index: Int, of chunks: Int, count: Int) -> Range<Int> {
    let base = count / chunks, extra = count % chunks
    let start = index * base + min(index, extra)
    return start..<(start + base + (index < extra ? 1 : 0))
}


/// Runs `body` with BLAS limited to one thread, for callers that parallelise over many
/// small products themselves.
func withSingleThreadedBLAS<T>(_ body: () -> T) -> T {
    #if canImport(CBLAS)
    let threads = Engine.threadCount
    guard threads > 1 else { return body() }
    openblas_set_num_threads(1)
    defer { openblas_set_num_threads(Int32(threads)) }
    #endif
    return body()
}
