/// Why a generator cannot be built, trained or used; each names what is wrong.
public enum GeneratorError: Error, CustomStringConvertible, Equatable {
    case incompatible(String)
    case invalidConfiguration(String)
    case corrupt(path: String, reason: String)

    public var description: String {
        switch self {
        case let .incompatible(reason): return reason
        case let .invalidConfiguration(reason): return "invalid generator configuration: \(reason)"
        case let .corrupt(path, reason): return "\(path): \(reason)"
        }
    }
}
