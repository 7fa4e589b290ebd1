/// A contiguous, owned buffer of Float32 values: the memory behind a `Tensor`.
///
/// Storage knows nothing about shape; `Tensor` pairs it with a `Shape` (candle's split of
/// storage and layout). Buffers are 64-byte aligned so BLAS and vector loops see aligned data.
public final class Storage: @unchecked Sendable {
    /// Start of the buffer.
    public let pointer: UnsafeMutablePointer<Float>
    /// Number of Float32 elements.
    public let count: Int

    /// Allocates `count` elements, zero-filled.
    public convenience init(count: Int) {
        self.init(uninitializedCount: count)
        pointer.update(repeating: 0, count: max(count, 1))
    }

    /// Allocates `count` elements without clearing them, for kernels that write every element.
    public init(uninitializedCount count: Int) {
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * MemoryLayout<Float>.stride, alignment: 64)
        pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
    }

    /// Allocates and copies `values`.
    public convenience init<C: Collection>(copying values: C) where C.Element == Float {
        self.init(count: values.count)
        _ = UnsafeMutableBufferPointer(start: pointer, count: count).initialize(from: values)
    }

    deinit { pointer.deallocate() }

    /// The elements as a buffer pointer.
    @inline(__always) public var buffer: UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: pointer, count: count)
    }

    /// A deep copy.
    public func copy() -> Storage {
        let result = Storage(uninitializedCount: count)
        result.pointer.update(from: pointer, count: count)
        return result
    }
}
