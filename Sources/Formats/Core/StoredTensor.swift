/// A tensor as a file stores it: element type, shape and contiguous row-major little-endian bytes.
///
/// Instances are immutable and compared by value; identity matters to writers: entries that hold
/// the same instance (aliases such as nnU-Net's `all_modules` keys) share one storage in a file.
public final class StoredTensor: Equatable, CustomStringConvertible, @unchecked Sendable {
    /// Element type.
    public let dtype: DType
    /// Extent of each dimension; empty for a scalar.
    public let shape: [Int]
    /// `count * dtype.byteCount` bytes, row-major, little-endian.
    public let bytes: [UInt8]

    /// Wraps `bytes`, checking that their length matches `shape` and `dtype`.
    public init(dtype: DType, shape: [Int], bytes: [UInt8]) throws {
        guard let count = StoredTensor.elementCount(shape) else {
            throw FormatError(.malformed, "tensor shape \(shape) is negative or overflows")
        }
        guard count.multipliedReportingOverflow(by: dtype.byteCount) == (bytes.count, false) else {
            throw FormatError(.malformed, "tensor of shape \(shape) and dtype \(dtype) needs "
                + "\(count) elements but has \(bytes.count) bytes")
        }
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }

    /// A float32 tensor holding `values` in row-major order.
    public convenience init(float32 values: [Float], shape: [Int]) throws {
        let bytes = values.withUnsafeBytes { Array($0) }
        try self.init(dtype: .float32, shape: shape, bytes: bytes)
    }

    /// An int64 tensor holding `values` in row-major order.
    public convenience init(int64 values: [Int64], shape: [Int]) throws {
        let bytes = values.withUnsafeBytes { Array($0) }
        try self.init(dtype: .int64, shape: shape, bytes: bytes)
    }

    /// Number of elements.
    public var count: Int { bytes.count / dtype.byteCount }

    /// The elements converted to `Float` (int64 and float64 round to nearest; bool is 0 or 1).
    public func floatValues() -> [Float] {
        bytes.withUnsafeBytes { raw in
            (0..<count).map { index -> Float in
                let offset = index * dtype.byteCount
                switch dtype {
                case .float32: return raw.loadUnaligned(fromByteOffset: offset, as: Float.self)
                case .float64: return Float(raw.loadUnaligned(fromByteOffset: offset, as: Double.self))
                case .float16:
                    return HalfPrecision.float(fromHalfBits: raw.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
                case .bfloat16:
                    return HalfPrecision.float(fromBFloat16Bits: raw.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
                case .int64: return Float(raw.loadUnaligned(fromByteOffset: offset, as: Int64.self))
                case .int32: return Float(raw.loadUnaligned(fromByteOffset: offset, as: Int32.self))
                case .int16: return Float(raw.loadUnaligned(fromByteOffset: offset, as: Int16.self))
                case .int8: return Float(raw.load(fromByteOffset: offset, as: Int8.self))
                case .uint8: return Float(raw[offset])
                case .bool: return raw[offset] == 0 ? 0 : 1
                }
            }
        }
    }

    public static func == (lhs: StoredTensor, rhs: StoredTensor) -> Bool {
        lhs === rhs || (lhs.dtype == rhs.dtype && lhs.shape == rhs.shape && lhs.bytes == rhs.bytes)
    }

    public var description: String { "\(dtype)\(shape)" }

    /// The product of `shape`, or nil when a dimension is negative or the product overflows.
    static func elementCount(_ shape: [Int]) -> Int? {
        var count = 1
        for extent in shape {
            guard extent >= 0 else { return nil }
            let (product, overflow) = count.multipliedReportingOverflow(by: extent)
            guard !overflow else { return nil }
            count = product
        }
        return count
    }
}

/// A tensor with its name in a state dict or tensor file.
public struct NamedTensor: Equatable, Sendable {
    /// The key, e.g. `encoder.stages.0.0.convs.0.conv.weight`.
    public var name: String
    /// The tensor.
    public var tensor: StoredTensor

    /// Pairs `name` with `tensor`.
    public init(_ name: String, _ tensor: StoredTensor) {
        self.name = name
        self.tensor = tensor
    }
}

extension Array where Element == NamedTensor {
    /// The tensor stored under `name`, if any.
    public subscript(name: String) -> StoredTensor? {
        first(where: { $0.name == name })?.tensor
    }

    /// Total number of elements over distinct tensor instances (aliases count once).
    public var parameterCount: Int {
        var seen = Set<ObjectIdentifier>()
        return reduce(0) { sum, entry in
            seen.insert(ObjectIdentifier(entry.tensor)).inserted ? sum + entry.tensor.count : sum
        }
    }
}
