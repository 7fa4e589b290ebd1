import Dispatch
import Foundation
#if canImport(CBLAS)
import CBLAS
#endif

/// Engine-wide settings: how many threads kernels and GEMMs use.
public enum Engine {
    nonisolated(unsafe) private static var threads: Int = configure()

    /// Threads used by GEMM and by the parallel kernels. Results are deterministic for a
    /// given thread count. Defaults to `WEIGHTGEN_THREADS` or the number of active cores.
    public static var threadCount: Int {
        get { threads }
        set { threads = max(1, newValue) }
    }

    /// One-time process set-up: BLAS single-threaded (the engine splits GEMMs itself), and
    /// glibc told to keep freed large blocks, so per-step activation buffers are reused
    /// instead of being mapped, faulted in and zeroed by the kernel on every allocation.
    private static func configure() -> Int {
        #if canImport(CBLAS)
        openblas_set_num_threads(1)
        // 32 MiB is the largest mmap threshold glibc accepts on 64-bit; larger values are ignored.
        mallopt(M_MMAP_THRESHOLD, 32 << 20)
        mallopt(M_TRIM_THRESHOLD, 1 << 30)
        #endif
        let fromEnvironment = ProcessInfo.processInfo.environment["WEIGHTGEN_THREADS"].flatMap { Int($0) }
        return max(1, fromEnvironment ?? ProcessInfo.processInfo.activeProcessorCount)
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
    DispatchQueueShim.concurrentPerform(iterations: chunks) { chunk in
        body(chunkRange(chunk, of: chunks, count: count))
    }
}

/// The `index`-th of `chunks` near-equal contiguous ranges covering `0..<count`.
@inline(__always)
public func chunkRange(_ index: Int, of chunks: Int, count: Int) -> Range<Int> {
    let base = count / chunks, extra = count % chunks
    let start = index * base + min(index, extra)
    return start..<(start + base + (index < extra ? 1 : 0))
}

/// `DispatchQueue.concurrentPerform` for non-escaping closures.
enum DispatchQueueShim {
    @inline(__always)
    static func concurrentPerform(iterations: Int, _ body: (Int) -> Void) {
        withoutActuallyEscaping(body) { body in
            DispatchQueue.concurrentPerform(iterations: iterations, execute: body)
        }
    }
}
