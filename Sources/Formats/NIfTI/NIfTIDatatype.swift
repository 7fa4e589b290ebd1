/// The voxel types of the NIfTI `datatype` field that this library reads (real scalars only).
public enum NIfTIDatatype: Int16, CaseIterable, Sendable {
    case uint8 = 2, int16 = 4, int32 = 8, float32 = 16, float64 = 64
    case int8 = 256, uint16 = 512, uint32 = 768, int64 = 1024, uint64 = 1280

    /// Bytes per voxel.
    public var byteCount: Int {
        switch self {
        case .uint8, .int8: return 1
        case .int16, .uint16: return 2
        case .int32, .uint32, .float32: return 4
        case .int64, .uint64, .float64: return 8
        }
    }

    /// The `bitpix` header value.
    public var bitsPerVoxel: Int16 { Int16(byteCount * 8) }

    /// A NIfTI code this library does not read, named for error messages.
    static func unsupportedName(_ code: Int) -> String {
        switch code {
        case 0: return "DT_UNKNOWN (0)"
        case 1: return "DT_BINARY (1)"
        case 32: return "complex64 (32)"
        case 128: return "RGB24 (128)"
        case 1536: return "float128 (1536)"
        case 1792: return "complex128 (1792)"
        case 2048: return "complex256 (2048)"
        case 2304: return "RGBA32 (2304)"
        default: return "code \(code)"
        }
    }
}
