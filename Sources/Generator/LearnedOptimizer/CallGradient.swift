/// The training loss a call's gradient is taken on.
public enum CallGradient: Hashable, Sendable {
    /// Whole training cases through the network (slices of a volume as one batch), a fixed group per call.
    case wholeCases
    /// A batch of training patches drawn as the zoo's runs drew theirs (a third centred on
    /// foreground, no augmentation), fresh for every call: the loss the runs descended, whose
    /// balance of foreground and background whole images of a small structure do not have.
    case trainingPatches
    /// The batches the run being followed trained on over the iterations the move stands for:
    /// in distillation a zoo run's own between the two checkpoints (the data that made the
    /// move), in a generation a recipe's with a data seed (`GenerationData.recipeBatches`),
    /// which it then needs. `casesPerCall` does not apply: a call reads those batches whole.
    case runBatches
    /// The control for `runBatches`: in distillation the batches a run of the same recipe draws
    /// on another data order (the run's seed + 1), as many and augmented alike but not the data
    /// that made the move; in a generation a recipe's, as `runBatches`.
    case otherRunBatches
    /// The batches the run being followed trained on at the first `count` iterations of the move
    /// alone (1 to the horizon), as `runBatches` reads all of them: a call costs `count`
    /// iterations' gradients whatever its horizon, where `runBatches` costs the horizon's.
    case runFirstBatches(Int)

    /// Whether the rule reads a run's batches, so that a generation needs a recipe's (it has no fresh draws).
    public var readsRunBatches: Bool {
        switch self {
        case .wholeCases, .trainingPatches: false
        case .runBatches, .otherRunBatches, .runFirstBatches: true
        }
    }

    /// Of the run iterations a call stands for, those whose batches a rule reading a run's
    /// batches reads: all of them, or under `runFirstBatches` the first ones.
    func batchIterations(of iterations: Range<Int>) -> Range<Int> {
        guard case let .runFirstBatches(count) = self else { return iterations }
        return iterations.prefix(count)
    }
}

extension CallGradient: LosslessStringConvertible {
    /// Reads `whole-cases`, `training-patches`, `run-batches`, `other-run-batches` or
    /// `run-first-batches:N` with N ≥ 1; `run-first-batch`, its spelling before N could be
    /// chosen, reads as `run-first-batches:1`.
    public init?(_ description: String) {
        switch description {
        case "whole-cases": self = .wholeCases
        case "training-patches": self = .trainingPatches
        case "run-batches": self = .runBatches
        case "other-run-batches": self = .otherRunBatches
        case "run-first-batch": self = .runFirstBatches(1)
        default:
            let prefix = "run-first-batches:"
            guard description.hasPrefix(prefix), let count = Int(description.dropFirst(prefix.count)), count >= 1 else { return nil }
            self = .runFirstBatches(count)
        }
    }

    public var description: String {
        switch self {
        case .wholeCases: "whole-cases"
        case .trainingPatches: "training-patches"
        case .runBatches: "run-batches"
        case .otherRunBatches: "other-run-batches"
        case let .runFirstBatches(count): "run-first-batches:\(count)"
        }
    }
}

/// Stored by its spelling, so that a description stored before the count existed still opens.
extension CallGradient: CodableBySpelling {
    public static let spellingKind = "call gradient"
}
