import Segmentation
import Zoo

/// The metric a generator is prompted with. Both come from cases a generator may learn from:
/// the test cases are for reporting only, so no prompt, label or selection is a test figure.
public enum PromptMetric: String, Codable, Sendable, CaseIterable {
    /// Dice on the zoo's validation cases (higher is better).
    case validationDice = "validation-dice"
    /// Loss (Dice + CE) on the zoo's training-loss cases (lower is better).
    case trainingLoss = "training-loss"

    /// Whether a higher value is a better network.
    public var higherIsBetter: Bool { self == .validationDice }

    /// The metric of a recorded zoo checkpoint.
    public func value(of record: CheckpointRecord) -> Double {
        self == .validationDice ? record.validationDice : record.trainLoss
    }

    /// The metric of a measured network.
    public func value(of metrics: SelectionMetrics) -> Double {
        self == .validationDice ? metrics.validationDice : metrics.trainLoss
    }

    /// The metric of `network` on `evaluator`'s cases, reading only the cases it needs: the
    /// same value as `value(of: evaluator.selectionMetrics(network))` at a fraction of the work.
    public func measure(_ network: PlainConvUNet, on evaluator: TaskEvaluator) throws -> Double {
        self == .validationDice ? try evaluator.validationDice(network) : try evaluator.trainingLoss(network)
    }

    /// The best of `values` (nil when empty).
    public func best<S: Sequence>(of values: S) -> Double? where S.Element == Double {
        higherIsBetter ? values.max() : values.min()
    }
}
