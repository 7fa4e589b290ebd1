import Foundation

/// A value computed on first use, at most once however many threads ask (the others wait):
/// for what is costly and not always needed.
final class ComputedOnce<Value>: @unchecked Sendable {
    private let compute: () throws -> Value
    private let lock = NSLock()
    private var computed: Value?

    init(_ compute: @escaping () throws -> Value) {
        self.compute = compute
    }

    /// The value, computed on the first call.
    func value() throws -> Value {
        lock.lock()
        defer { lock.unlock() }
        if let computed { return computed }
        let value = try compute()
        computed = value
        return value
    }
}
