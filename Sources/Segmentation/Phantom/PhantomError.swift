/// Why a phantom could not be configured or written.
public enum PhantomError: Error, CustomStringConvertible, Equatable {
    /// A configuration or difficulty value is out of range.
    case invalidParameter(String)

    public var description: String {
        switch self {
        case .invalidParameter(let message): return "invalid phantom parameter: \(message)"
        }
    }
}
