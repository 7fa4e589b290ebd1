import Generator

extension LearnedOptimizerExperiment {
    /// What a call of its generations does, in words: Adam's own step or the distilled rule's
    /// move, and the direction each matrix was turned to.
    var method: String {
        let move = movesByAdamsOwnStep
            ? "Adam's own step (the rule left untrained)"
            : "a per-parameter update rule distilled from \(examples) checkpoint pairs of the zoo's runs (\(trainingSteps) steps)"
        return direction.turn.map { move + ", " + $0 } ?? move
    }
}

extension StepDirection {
    /// How a preconditioner turns each matrix's move (nil for the rule's own direction).
    var turn: String? {
        let (turned, after): (String, Int)
        let every = { (calls: Int) in calls == 1 ? "every call" : "every \(calls) calls" }
        switch self {
        case .rule: return nil
        case let .shampoo(decay, refreshEvery, calls):
            (turned, after) = ("turned to Shampoo's direction (statistics decaying by \(decay) a call, roots recomputed \(every(refreshEvery)))", calls)
        case let .soap(first, second, refreshEvery, factors, calls):
            let read = factors == .modes ? "each tensor read by its modes" : "each tensor read as one matrix"
            (turned, after) = ("turned into SOAP's eigenbasis (\(read); moments decaying by \(first) and \(second) a call, the basis "
                               + "recomputed \(every(refreshEvery)))", calls)
        }
        return after > 0 ? turned + " from call \(after) on" : turned
    }
}
