/// An element type of a stored tensor, as PyTorch and safetensors name them.
public enum DType: String, CaseIterable, Sendable {
    case float32, float64, float16, bfloat16, int64, int32, int16, int8, uint8, bool

    /// Bytes per element.
    public var byteCount: Int {
        switch self {
        case .float64, .int64: return 8
        case .float32, .int32: return 4
        case .float16, .bfloat16, .int16: return 2
        case .int8, .uint8, .bool: return 1
        }
    }

    /// The dtype string of a safetensors header (`"F32"`, `"BF16"`, ...).
    public var safetensorsName: String {
        switch self {
        case .float32: return "F32"
        case .float64: return "F64"
        case .float16: return "F16"
        case .bfloat16: return "BF16"
        case .int64: return "I64"
        case .int32: return "I32"
        case .int16: return "I16"
        case .int8: return "I8"
        case .uint8: return "U8"
        case .bool: return "BOOL"
        }
    }

    /// The legacy typed-storage class torch pickles for this dtype (`FloatStorage`, ...).
    public var torchStorageName: String {
        switch self {
        case .float32: return "FloatStorage"
        case .float64: return "DoubleStorage"
        case .float16: return "HalfStorage"
        case .bfloat16: return "BFloat16Storage"
        case .int64: return "LongStorage"
        case .int32: return "IntStorage"
        case .int16: return "ShortStorage"
        case .int8: return "CharStorage"
        case .uint8: return "ByteStorage"
        case .bool: return "BoolStorage"
        }
    }

    /// The dtype whose safetensors name is `name`.
    public init?(safetensorsName name: String) {
        guard let match = DType.allCases.first(where: { $0.safetensorsName == name }) else { return nil }
        self = match
    }

    /// The dtype whose torch storage class is `name`.
    public init?(torchStorageName name: String) {
        guard let match = DType.allCases.first(where: { $0.torchStorageName == name }) else { return nil }
        self = match
    }
}
