import Foundation

/// Why a zoo operation cannot go on; each names the zoo, file or run concerned.
public enum ZooError: Error, CustomStringConvertible, Equatable {
    case invalidPlan(String)
    case planMismatch(zoo: String, reason: String)
    case notAZoo(String)
    case corrupt(path: String, reason: String)
    case incompatible(String)

    public var description: String {
        switch self {
        case let .invalidPlan(reason): return "invalid zoo plan: \(reason)"
        case let .planMismatch(zoo, reason):
            return "\(zoo) was created with a different plan (\(reason)); run `weightgen zoo resume \(zoo)` or choose another --out"
        case let .notAZoo(path): return "\(path) is not a weightgen zoo (no zoo.sqlite inside)"
        case let .corrupt(path, reason): return "\(path): \(reason)"
        case let .incompatible(reason): return reason
        }
    }
}
