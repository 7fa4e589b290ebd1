/// Which network of a generation answers its prompt. Under `best` and `final` every call's
/// network is checked on validation cases and the first whose Dice reaches the prompt answers
/// (the generation stops there); they differ where none does, as nnU-Net keeps two checkpoints
/// of a training. Under `unchecked` nothing is checked on the way.
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

    /// When a generation answering by this rule stops.
    public func stop(reaching prompt: Double) -> GenerationStop {
        self == .unchecked ? .afterEveryCall : .reaching(prompt)
    }
}

/// When a generation stops making calls.
public enum GenerationStop: Equatable, Sendable {
    /// At the first call whose network's validation Dice (checked after every call) reaches the
    /// value, else when the calls run out.
    case reaching(Double)
    /// When every call of the budget is made, no network checked on the way. The last network's
    /// validation Dice is measured afterwards, outside the generation's time (as a recipe
    /// training's checks are), so that whether it reached a target can be reported.
    case afterEveryCall
}
