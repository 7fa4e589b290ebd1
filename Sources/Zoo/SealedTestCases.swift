import Segmentation

/// A task's test cases, read from disk only when a test metric is first asked for. Test cases
/// are for reporting: nothing a generator learns from or selects by may touch them, and a
/// process that never reports a test figure never reads one (the test suite checks this by
/// making the files unreadable while a generator trains).
struct SealedTestCases: Sendable {
    private let loaded: ComputedOnce<[SegmentationCase]>

    /// `load` reads and z-score normalises the cases; it runs at most once, on first use.
    init(_ load: @escaping () throws -> [SegmentationCase]) {
        loaded = ComputedOnce(load)
    }

    /// The cases, read on the first call.
    func cases() throws -> [SegmentationCase] {
        try loaded.value()
    }
}
