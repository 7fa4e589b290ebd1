import Foundation

/// The direction a call moves each weight matrix in (a convolution's weights as output
/// channels × the rest). Adam scales every parameter on its own; Shampoo (Gupta et al. 2018)
/// preconditions each matrix's gradient G by the running second moments of its rows and columns,
/// L^(-1/4) G R^(-1/4), and so turns the move where the curvature is correlated across parameters;
/// SOAP (Vyas et al. 2024) runs Adam in the eigenbasis of L and R. Either may leave a
/// generation's first calls to the rule, as Shampoo's implementations start preconditioning after
/// a number of steps: its statistics gather from the first call, its direction is taken from call
/// `after` on (counted from 0).
public enum StepDirection: Equatable, Sendable {
    /// The rule's own move.
    case rule
    /// Shampoo's direction at the length of the rule's move, tensor by tensor (grafting, as
    /// Shampoo's implementations take their step sizes from Adam): L and R decay by `decay` per
    /// call, their inverse fourth roots are recomputed every `refreshEvery` calls; the first
    /// `after` calls move as the rule says.
    case shampoo(decay: Double, refreshEvery: Int, after: Int = 0)
    /// SOAP's direction at the length of the rule's move, tensor by tensor: the gradient's first
    /// moment decays by `firstMoment` per call; its second moment in the eigenbasis, and the
    /// statistics (L and R of a matrix, one per mode by modes), by `secondMoment`; the eigenbasis
    /// is recomputed every `refreshEvery` calls; the first `after` calls move as the rule says.
    case soap(firstMoment: Double, secondMoment: Double, refreshEvery: Int, factors: TensorFactors, after: Int = 0)

    /// The calls, from a generation's first, that move as the rule says before a preconditioner's
    /// direction takes over (none for the rule's own direction, whose every call is the rule's).
    var ruleCalls: Int {
        switch self {
        case .rule: 0
        case let .shampoo(_, _, after), let .soap(_, _, _, _, after): after
        }
    }

    /// Refuses a decay outside [0, 1), fewer than 1 call between refreshes or a negative count of the rule's calls.
    public func validate() throws {
        let (decays, refreshEvery): ([Double], Int)
        switch self {
        case .rule: return
        case let .shampoo(decay, every, _): (decays, refreshEvery) = ([decay], every)
        case let .soap(first, second, every, _, _): (decays, refreshEvery) = ([first, second], every)
        }
        guard decays.allSatisfy({ $0 >= 0 && $0 < 1 }), refreshEvery >= 1, ruleCalls >= 0 else {
            throw GeneratorError.incompatible("\(self) needs decays in [0, 1), 1 call or more between refreshes and no negative count of the rule's calls")
        }
    }

    /// A generation's preconditioner (nil: the rule's own direction).
    func preconditioner() -> (any MatrixPreconditioner)? {
        switch self {
        case .rule: nil
        case let .shampoo(decay, refreshEvery, _): ShampooPreconditioner(decay: decay, refreshEvery: refreshEvery)
        case let .soap(first, second, refreshEvery, factors, _):
            SoapPreconditioner(firstMoment: first, secondMoment: second, refreshEvery: refreshEvery, factors: factors)
        }
    }
}

extension StepDirection: LosslessStringConvertible {
    /// Reads `rule`, `shampoo:D:N` (decay D, refreshed every N calls), `soap:B1:B2:N` (the
    /// moments' decays B1 and B2, refreshed every N calls, each tensor read as a matrix) or
    /// `soap:B1:B2:N:modes` (read by its modes), either preconditioner followed by `:after:K` where
    /// its direction is taken from call K on; values `validate` refuses are not read.
    public init?(_ description: String) {
        var parts = description.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        var after = 0
        if parts.first != "rule", parts.count >= 2, parts[parts.count - 2] == "after" {
            guard let count = Int(parts[parts.count - 1]) else { return nil }
            (after, parts) = (count, Array(parts.dropLast(2)))
        }
        let read: StepDirection? = switch parts.first {
        case "rule" where parts.count == 1: .rule
        case "shampoo" where parts.count == 3:
            Double(parts[1]).flatMap { decay in Int(parts[2]).map { .shampoo(decay: decay, refreshEvery: $0, after: after) } }
        case "soap" where parts.count == 4 || (parts.count == 5 && parts[4] == TensorFactors.modes.rawValue):
            Double(parts[1]).flatMap { first in
                Double(parts[2]).flatMap { second in
                    Int(parts[3]).map {
                        .soap(firstMoment: first, secondMoment: second, refreshEvery: $0, factors: parts.count == 5 ? .modes : .matrix, after: after)
                    }
                }
            }
        default: nil
        }
        guard let read, (try? read.validate()) != nil else { return nil }
        self = read
    }

    public var description: String {
        let spelled = switch self {
        case .rule: "rule"
        case let .shampoo(decay, refreshEvery, _): "shampoo:\(decay):\(refreshEvery)"
        case let .soap(first, second, refreshEvery, factors, _): "soap:\(first):\(second):\(refreshEvery)" + (factors == .modes ? ":modes" : "")
        }
        return ruleCalls > 0 ? spelled + ":after:\(ruleCalls)" : spelled
    }
}

/// Stored as the spelling `--direction` reads.
extension StepDirection: CodableBySpelling {
    public static let spellingKind = "step direction (rule, shampoo:D:N, soap:B1:B2:N[:modes], either [:after:K])"
}
