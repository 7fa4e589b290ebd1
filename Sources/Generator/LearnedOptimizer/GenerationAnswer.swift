/// Which network of a generation answers its prompt. Under `best` and `final` networks are
/// checked on validation cases (`ValidationChecks` says which) and the first whose Dice reaches
/// the prompt answers (the generation stops there); they differ where none does, as nnU-Net
/// keeps two checkpoints of a training. Under `unchecked` nothing is checked on the way.
public enum GenerationAnswer: String, Codable, Sendable, CaseIterable {
    /// The network with the best validation Dice (nnU-Net's `checkpoint_best.pth`).
    case best
    /// The last network, where the calls ran out (nnU-Net's `checkpoint_final.pth`, the one its
    /// inference reads by default).
    case final
    /// The last network after every call of the budget, none checked on the way: G.pt's
    /// recursive prompting, a fixed number of calls. The generation reads no validation case and
    /// so cannot follow its prompt; its time is its calls alone.
    case unchecked

    /// When a generation answering by this rule stops, checking the networks `checks` names
    /// (nil: every call's) as far as `extent` says (nil: whole). An unchecked generation checks
    /// none, so it refuses both; checks after every n-th call refuse n < 2.
    public func stop(reaching prompt: Double, checks: ValidationChecks? = nil, extent: CheckExtent? = nil) throws -> GenerationStop {
        if case let .everyNthCall(n) = checks, n < 2 {
            throw GeneratorError.incompatible("checks after every n-th call need n ≥ 2 (every call is every-call), not \(n)")
        }
        guard self == .unchecked else { return .reaching(prompt, checks: checks ?? .everyCall, extent: extent ?? .whole) }
        guard checks == nil, extent == nil else {
            throw GeneratorError.incompatible("an unchecked generation makes no validation check, so it takes no choice of checks or of how far they go")
        }
        return .afterEveryCall
    }
}

/// When a generation stops making calls.
public enum GenerationStop: Equatable, Sendable {
    /// At the first checked network whose validation Dice reaches the value, else when the calls
    /// run out (the last network is then checked whole, if it was not).
    case reaching(Double, checks: ValidationChecks, extent: CheckExtent = .whole)
    /// When every call of the budget is made, no network checked on the way. The last network's
    /// validation Dice is measured afterwards, outside the generation's time (as a recipe
    /// training's checks are), so that whether it reached a target can be reported.
    case afterEveryCall

    /// The Dice below which a check on the way may stop unmeasured (`CheckExtent.untilCertainlyBelow`);
    /// nil where checks are whole or none are made.
    var checkFloor: Double? {
        guard case let .reaching(_, _, .untilCertainlyBelow(floor)) = self else { return nil }
        return floor
    }
}

/// Which networks a generation that stops on reaching its prompt checks on validation cases. A
/// check is a pass over every validation case (on cord heads one and a half calls' time), so it can
/// cost more than the calls; the foreground Dice of the batch a call reads comes with its
/// gradient at no cost.
public enum ValidationChecks: Equatable, Sendable {
    /// The network after every call.
    case everyCall
    /// The network after every n-th call (calls n, 2n, …): where a generation makes hundreds of
    /// calls and a check costs more than one, a few calls past the target cost less than a check
    /// after every call.
    case everyNthCall(Int)
    /// The network after a call whose batch's foreground Dice, at the network before its move,
    /// reached this fraction of the generation's target: checks wait until the training batch
    /// says the target is near.
    case whenBatchDiceReaches(Double)
}

/// How far a validation check measures a network.
public enum CheckExtent: Equatable, Sendable {
    /// Every validation case: the network's Dice.
    case whole
    /// A part of the cases at a time, most reference foreground first, until the Dice is certain
    /// to lie below this value (`TaskEvaluator.validationDice(_:unlessBelow:)`). A network found
    /// below it is left unmeasured, as one a gated check passes over; one at or above it is
    /// measured whole. The value is the lowest Dice the generation's reader asks about.
    case untilCertainlyBelow(Double)
}

extension ValidationChecks: LosslessStringConvertible {
    /// Reads `every-call`, `every:N` with N a whole number ≥ 2, or `batch-dice:F` with F a finite
    /// fraction ≥ 0.
    public init?(_ description: String) {
        if description == "every-call" {
            self = .everyCall
            return
        }
        let every = "every:"
        if description.hasPrefix(every) {
            // every:1 is every-call, spelt one way only.
            guard let n = Int(description.dropFirst(every.count)), n >= 2 else { return nil }
            self = .everyNthCall(n)
            return
        }
        let prefix = "batch-dice:"
        guard description.hasPrefix(prefix), let fraction = Double(description.dropFirst(prefix.count)), fraction.isFinite, fraction >= 0 else {
            return nil
        }
        self = .whenBatchDiceReaches(fraction)
    }

    public var description: String {
        switch self {
        case .everyCall: "every-call"
        case let .everyNthCall(n): "every:\(n)"
        case let .whenBatchDiceReaches(fraction): "batch-dice:\(fraction)"
        }
    }
}
