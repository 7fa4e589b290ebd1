import Dispatch
import Foundation

/// Turns SIGTERM and SIGINT into a stop request, so that a job scheduler's warning signal (Slurm
/// sends SIGTERM before it kills or requeues a job, often twice: to the job and through its batch
/// script) or a Ctrl-C saves the state instead of losing it. A second Ctrl-C ends the process at once.
final class SignalStop: @unchecked Sendable {
    private let lock = NSLock()
    private var requested = false
    private var sources: [DispatchSourceSignal] = []

    init(signals: [Int32] = [SIGTERM, SIGINT]) {
        for number in signals {
            signal(number, SIG_IGN)      // delivered to the dispatch source instead of ending the process
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [weak self] in
                log("received \(number == SIGTERM ? "SIGTERM" : "SIGINT"): stopping after this step and saving")
                self?.request()
                if number == SIGINT { signal(SIGINT, SIG_DFL) }
            }
            source.resume()
            sources.append(source)
        }
    }

    private func request() {
        lock.lock()
        requested = true
        lock.unlock()
    }

    /// Whether a signal has arrived.
    var isRequested: Bool {
        lock.lock()
        defer { lock.unlock() }
        return requested
    }
}
