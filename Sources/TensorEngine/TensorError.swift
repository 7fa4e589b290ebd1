/// Errors raised by tensor operations on bad input. Each names the op and the shapes involved.
public enum TensorError: Error, Equatable, CustomStringConvertible {
    /// Two operands whose shapes do not fit together.
    case shapeMismatch(op: String, lhs: Shape, rhs: Shape, reason: String)
    /// An operand whose shape is wrong on its own (rank, axis, extent).
    case invalidShape(op: String, shape: Shape, reason: String)
    /// An argument outside its domain (negative stride, unknown axis, ...).
    case invalidArgument(op: String, reason: String)
    /// A value that must be finite was NaN or infinite (a loss, a gradient).
    case nonFinite(what: String)

    public var description: String {
        switch self {
        case let .shapeMismatch(op, lhs, rhs, reason):
            return "\(op): incompatible shapes \(lhs) and \(rhs): \(reason)"
        case let .invalidShape(op, shape, reason):
            return "\(op): invalid shape \(shape): \(reason)"
        case let .invalidArgument(op, reason):
            return "\(op): \(reason)"
        case let .nonFinite(what):
            return "non-finite value in \(what)"
        }
    }
}
