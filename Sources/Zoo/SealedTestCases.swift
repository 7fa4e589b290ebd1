import Foundation
import Segmentation

/// A task's test cases, read from disk only when a test metric is first asked for. Test cases
/// are for reporting: nothing a generator learns from or selects by may touch them, and a
/// process that never reports a test figure never reads one (the test suite checks this by
/// making the files unreadable while a generator trains).
final class SealedTestCases: @unchecked Sendable {
    private let load: () throws -> [SegmentationCase]
    private let lock = NSLock()
    private var loaded: [SegmentationCase]?

    /// `load` reads and z-score normalises the cases; it runs at most once, on first use.
    init(_ load: @escaping () throws -> [SegmentationCase]) {
        self.load = load
    }

    /// The cases, read on the first call.
    func cases() throws -> [SegmentationCase] {
        lock.lock()
        defer { lock.unlock() }
        if let loaded { return loaded }
        let cases = try load()
        loaded = cases
        return cases
    }
}
