import Zoo

/// The learning rate a generation's calls move at, per task.
public enum CallLearningRate: Sendable, Equatable {
    /// Each task's rate as its calibration chose it in training (`LearnedOptimizerDescription.learningRates`).
    case calibrated
    /// One rate for every task.
    case fixed(Float)
    /// Each task's recipe's peak rate: that of the zoo run whose checkpoint has the best validation
    /// Dice, the run an evaluation's start fidelity is measured against and whose batches a rule
    /// distilled on run batches reads.
    case recipe
}

extension CallLearningRate: LosslessStringConvertible {
    /// Reads `calibrated`, `recipe` or a positive finite rate.
    public init?(_ description: String) {
        switch description {
        case "calibrated": self = .calibrated
        case "recipe": self = .recipe
        default:
            guard let rate = Float(description), rate.isFinite, rate > 0 else { return nil }
            self = .fixed(rate)
        }
    }

    public var description: String {
        switch self {
        case .calibrated: "calibrated"
        case .recipe: "recipe"
        case let .fixed(rate): "\(rate)"
        }
    }
}

extension LearnedOptimizer {
    /// The rate task `task`'s calls move at under `choice`; `.recipe` reads the task's runs in
    /// `zoo` (`recipeRun(task:in:)`: their validation Dice alone chooses the recipe).
    public func learningRate(_ choice: CallLearningRate, task: Int, zoo: Zoo) throws -> Float {
        switch choice {
        case .calibrated: return description.learningRates[task]
        case let .fixed(rate): return rate
        case .recipe: return Float(try recipeRun(task: description.tasks[task], in: zoo).hyperparameters.learningRate)
        }
    }

    /// Sets every task's call rate to `choice`'s (see `learningRate(_:task:zoo:)`).
    public func setLearningRates(_ choice: CallLearningRate, zoo: Zoo) throws {
        description.learningRates = try description.tasks.indices.map { try learningRate(choice, task: $0, zoo: zoo) }
    }
}
