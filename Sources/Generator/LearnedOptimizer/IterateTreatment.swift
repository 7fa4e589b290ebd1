/// What a generation makes of the network each call moves to: which network it checks, keeps
/// and may answer with, and where the next call goes on from. Adam's path over a generation's
/// calls is both noisy (2-patch gradients) and slow (hundreds of calls where a recipe takes
/// hundreds of iterations); averaging the path lowers its noise, extrapolating it goes further
/// along it (linear nowcasting of the weights), each at no extra gradient.
public enum IterateTreatment: Equatable, Sendable {
    /// Each call's network, as it made it.
    case asMade
    /// The exponential moving average of the calls' networks (each call: decay × the average +
    /// (1 − decay) × its network, from the first call's network) is checked, kept and answers;
    /// the calls go on from their own networks.
    case exponentialAverage(decay: Float)
    /// After calls n, 2n, … the network moves on by factor × its move over the last n calls,
    /// and the calls go on from there.
    case extrapolated(everyCalls: Int, factor: Float)

    /// Refuses a decay outside [0, 1), fewer than 1 call between jumps, or a factor that is not
    /// a finite positive number.
    public func validate() throws {
        switch self {
        case .asMade: return
        case let .exponentialAverage(decay):
            guard decay >= 0, decay < 1 else {
                throw GeneratorError.incompatible("an exponential average's decay lies in [0, 1) (0: each call's network), not \(decay)")
            }
        case let .extrapolated(n, factor):
            guard n >= 1, factor.isFinite, factor > 0 else {
                throw GeneratorError.incompatible("extrapolation needs 1 call or more between jumps and a finite factor above 0, not \(n) and \(factor)")
            }
        }
    }
}

extension IterateTreatment: LosslessStringConvertible {
    /// Reads `as-made`, `ema:D` (the decay D) or `extrapolate:N:F` (every N calls, factor F);
    /// values `validate` refuses are not read.
    public init?(_ description: String) {
        let parts = description.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        let read: IterateTreatment? = switch parts.first {
        case "as-made" where parts.count == 1: .asMade
        case "ema" where parts.count == 2: Float(parts[1]).map { .exponentialAverage(decay: $0) }
        case "extrapolate" where parts.count == 3:
            Int(parts[1]).flatMap { n in Float(parts[2]).map { .extrapolated(everyCalls: n, factor: $0) } }
        default: nil
        }
        guard let read, (try? read.validate()) != nil else { return nil }
        self = read
    }

    public var description: String {
        switch self {
        case .asMade: "as-made"
        case let .exponentialAverage(decay): "ema:\(decay)"
        case let .extrapolated(n, factor): "extrapolate:\(n):\(factor)"
        }
    }
}

/// An `IterateTreatment` applied call after call: what it keeps between calls.
struct TreatedIterates {
    let treatment: IterateTreatment
    private var average: [Float]?

    init(_ treatment: IterateTreatment) {
        self.treatment = treatment
    }

    /// After call `call` (from 0) moved to `made`, `kept` being the networks shown so far (the
    /// start first, one per call): the network the next call goes on from and the one shown.
    mutating func after(call: Int, made: [Float], kept: [[Float]]) -> (goOnFrom: [Float], shown: [Float]) {
        switch treatment {
        case .asMade:
            return (made, made)
        case let .exponentialAverage(decay):
            let next = average.map { zip($0, made).map { decay * $0 + (1 - decay) * $1 } } ?? made
            average = next
            return (made, next)
        case let .extrapolated(n, factor):
            // kept holds call + 1 networks: the one n calls back is kept[call + 1 − n].
            guard (call + 1) % n == 0 else { return (made, made) }
            let earlier = kept[call + 1 - n]
            let jumped = zip(made, earlier).map { $0 + factor * ($0 - $1) }
            return (jumped, jumped)
        }
    }
}
