import Foundation

/// Runs `body` for each index on `workers` threads at once, one single-threaded engine per
/// worker (small networks train faster side by side than on all threads each), and returns
/// the results in index order. Indices are handed out in order as workers free up; after the
/// first error no new index starts, and that error is rethrown.
public func parallelMap<T>(_ count: Int, workers: Int = ProcessInfo.processInfo.activeProcessorCount,
                           _ body: (Int) throws -> T) throws -> [T] {
    guard count > 0 else { return [] }
    let previousThreads = Engine.threadCount
    Engine.threadCount = 1
    defer { Engine.threadCount = previousThreads }
    var results = [T?](repeating: nil, count: count)
    var firstError: Error?
    var next = 0
    let lock = NSLock()
    DispatchQueue.concurrentPerform(iterations: min(max(workers, 1), count)) { _ in
        while true {
            lock.lock()
            guard firstError == nil, next < count else { lock.unlock(); return }
            let index = next
            next += 1
            lock.unlock()
            do {
                let value = try body(index)
                lock.lock()
                results[index] = value
                lock.unlock()
            } catch {
                lock.lock()
                if firstError == nil { firstError = error }
                lock.unlock()
            }
        }
    }
    if let firstError { throw firstError }
    return results.map { $0! }
}
