import Foundation

/// Meta-training of a learned optimiser by evolution strategies (Salimans et al. 2017; learned
/// optimisers are meta-trained so, Metz et al. 2019, 2022), after distillation: the rule is
/// judged by how fast its generations train, not by how near each move is to a run's. Each step
/// perturbs the rule's weights in `pairs` random directions, both ways, lets every perturbed rule
/// make a generation's first `calls` calls from `starts` fresh initialisations (all on the same
/// draws of training patches), scores each by the mean foreground Dice of the patches its calls
/// read after the first (free with each call's gradient: the area under its training curve), and
/// moves the weights by Adam along the antithetic estimate of that score's gradient.
/// Distillation can at best match the runs' moves; a score of speed can learn what beats them.
public struct EvolutionStrategy: Codable, Sendable, Equatable {
    /// Steps of the strategy.
    public var steps: Int
    /// Calls per scored generation (at least 2: the first call's patches read the start).
    public var calls: Int
    /// Random directions per step, each tried both ways.
    public var pairs: Int
    /// Fresh initialisations each perturbed rule generates from per step (the same for all).
    public var starts: Int
    /// Standard deviation of a perturbation of each weight.
    public var sigma: Float
    /// Adam's learning rate on the weights.
    public var learningRate: Float

    public init(steps: Int, calls: Int, pairs: Int = 8, starts: Int = 2, sigma: Float = 0.05, learningRate: Float = 0.01) {
        self.steps = steps
        self.calls = calls
        self.pairs = pairs
        self.starts = starts
        self.sigma = sigma
        self.learningRate = learningRate
    }
}

/// What meta-training by evolution did, kept in the optimiser's description.
public struct EvolutionRecord: Codable, Sendable, Equatable {
    /// The unperturbed rule's score (mean training-patch Dice over its calls after the first,
    /// on each step's fresh starts) averaged over every 10 steps, in order.
    public var scores: [Double]
    public var seconds: Double
}

/// The antithetic estimate of the gradient of a score's mean under Gaussian perturbations of
/// spread `sigma`: the sum over directions of (score at + σε − score at − σε) · ε, over 2σ per
/// direction. Unbiased for the gradient of the score smoothed by the perturbation, and free of
/// the score's level, which the two sides of a pair share.
func antitheticGradient(directions: [[Float]], scores: [(plus: Double, minus: Double)], sigma: Float) -> [Float] {
    precondition(directions.count == scores.count && !directions.isEmpty, "one pair of scores per direction")
    var gradient = [Float](repeating: 0, count: directions[0].count)
    let scale = 1 / (2 * Double(sigma) * Double(directions.count))
    for (direction, score) in zip(directions, scores) {
        let weight = Float((score.plus - score.minus) * scale)
        for index in gradient.indices { gradient[index] += weight * direction[index] }
    }
    return gradient
}

/// Adam ascending a score: its moments for one flat vector of weights.
struct AscentAdam {
    private var first: [Float], second: [Float], step = 0
    let learningRate: Float, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8

    init(count: Int, learningRate: Float) {
        first = [Float](repeating: 0, count: count)
        second = first
        self.learningRate = learningRate
    }

    /// `weights` moved up `gradient`.
    mutating func ascend(_ weights: inout [Float], gradient: [Float]) {
        step += 1
        let correction1 = 1 - powf(beta1, Float(step)), correction2 = 1 - powf(beta2, Float(step))
        for index in weights.indices {
            first[index] = beta1 * first[index] + (1 - beta1) * gradient[index]
            second[index] = beta2 * second[index] + (1 - beta2) * gradient[index] * gradient[index]
            weights[index] += learningRate * (first[index] / correction1) / ((second[index] / correction2).squareRoot() + epsilon)
        }
    }
}
