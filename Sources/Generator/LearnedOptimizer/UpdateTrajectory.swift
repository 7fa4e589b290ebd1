/// What a generation carries from one call to the next; empty at its first call.
public struct CallMemory: Sendable {
    /// The rule's output at the call before (read with `UpdateMemory.previousMove`).
    public var previousMove: [Float]?
    /// The running moments of the gradients read so far (kept with a `GradientHistory`).
    public var moments: GradientMoments?

    public init(previousMove: [Float]? = nil, moments: GradientMoments? = nil) {
        self.previousMove = previousMove
        self.moments = moments
    }

    /// The memories of forks that made the same calls (so all keep the same parts), averaged
    /// parameter-wise.
    static func mean(_ memories: [CallMemory]) -> CallMemory {
        let moves = memories.compactMap(\.previousMove), moments = memories.compactMap(\.moments)
        return CallMemory(previousMove: moves.isEmpty ? nil : parameterwiseMean(moves),
                          moments: moments.isEmpty ? nil : GradientMoments.mean(moments))
    }
}

/// One generation: the networks a learned optimiser passed through from a start, call by call,
/// each with its validation Dice and the wall time spent to reach it.
public struct UpdateTrajectory: Sendable {
    /// The start, then the network after each call.
    public var networks: [[Float]]
    /// Each network's validation Dice. The start's is measured only when no call reaches the
    /// target (nil otherwise): a generation that reaches its prompt never needs it. A generation
    /// stopped `afterEveryCall` has the last network's alone, measured after it. Under gated
    /// checks (`ValidationChecks.whenBatchDiceReaches`) a network passed over has none, and under
    /// checks that stop below a floor (`CheckExtent.untilCertainlyBelow`) one found below it.
    public var validationDice: [Double?]
    /// The networks a check found below its floor (`CheckExtent.untilCertainlyBelow`): checked,
    /// with no Dice on the way (the last is measured whole after, when the calls ran out).
    public var checkedBelowFloor: Set<Int> = []
    /// For each call, the foreground Dice of the batch of patches it read, at the network before
    /// its move (nil for a call on whole cases): one fewer than `networks`.
    public var batchDice: [Double?] = []
    /// Seconds from the start of the generation to each network, its validation checks included
    /// (0 for the start; the last network's includes the start's check when that was made).
    public var seconds: [Double]
    /// Of `seconds`, those spent in validation checks up to each network (0 for the start): the
    /// calls alone took the difference.
    public var checkSeconds: [Double]
    /// For a generation on forked draws (`GenerationData.forkedDraws`): its forks, and the first
    /// calls each of them made; network k, for 1 ≤ k ≤ `forkedCalls`, is their mean after k calls.
    public var forks = 1, forkedCalls = 0

    /// The calls made to reach network `index`: the index, the forked calls once per fork.
    public func callsMade(toReach index: Int) -> Int {
        index + (forks - 1) * min(index, forkedCalls)
    }

    /// The network that answers `prompt`: under `unchecked` the last; else the first whose
    /// validation Dice reaches it, else the one `choice` names (selection by validation cases alone).
    public func answer(prompt: Double, choice: GenerationAnswer = .best) -> Int {
        let last = networks.count - 1
        guard choice != .unchecked else { return last }
        if let reaching = validationDice.firstIndex(where: { ($0 ?? -.infinity) >= prompt }) { return reaching }
        guard choice == .best else { return last }
        return validationDice.indices.max { (validationDice[$0] ?? -.infinity) < (validationDice[$1] ?? -.infinity) }!
    }

    /// The parameter-wise mean of the network at `index` and the `count` − 1 networks before
    /// it, the start left out (Polyak's averaging of a generation's last iterates), at no extra call.
    public func mean(endingAt index: Int, count: Int) -> [Float] {
        precondition(count >= 1 && networks.indices.contains(index), "a mean of \(count) networks ending at \(index) of \(networks.count)")
        return parameterwiseMean(Array(networks[max(min(1, index), index - count + 1)...index]))
    }

    /// The first call's network whose validation Dice reaches `target` (an index into
    /// `networks`), nil where none does.
    public func firstReaching(_ target: Double) -> Int? {
        validationDice.indices.dropFirst().first { (validationDice[$0] ?? -.infinity) >= target }
    }

    /// The best validation Dice measured on the way.
    public var bestValidationDice: Double {
        validationDice.compactMap { $0 }.max() ?? 0
    }
}
