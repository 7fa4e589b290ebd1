import Foundation
import Segmentation
import TensorEngine

/// A value drawn uniformly between `low` and `high`, on a log scale when `logarithmic`
/// (learning rates and weight decay span decades).
public struct SampledInterval: Codable, Sendable, Equatable {
    public var low: Double
    public var high: Double
    public var logarithmic: Bool

    /// Uniform in log(value).
    public static func logUniform(_ low: Double, _ high: Double) -> SampledInterval {
        SampledInterval(low: low, high: high, logarithmic: true)
    }

    /// Uniform in value.
    public static func uniform(_ low: Double, _ high: Double) -> SampledInterval {
        SampledInterval(low: low, high: high, logarithmic: false)
    }

    func sample(_ rng: inout SeededGenerator) -> Double {
        let u = rng.nextUnitDouble()
        return logarithmic ? exp(log(low) + u * (log(high) - log(low))) : low + u * (high - low)
    }
}

/// The declared distribution every zoo run's hyperparameters are drawn from. It is stored
/// with the zoo, so the diversity of the generator's training data is on record.
public struct HyperparameterDistribution: Codable, Sendable, Equatable {
    /// Optimisers, each entry chosen with equal probability (repeat one to weight it).
    public var optimizers: [TrainingConfiguration.OptimizerKind]
    /// Learning rate when the optimiser is SGD (nnU-Net's Nesterov + poly schedule).
    public var sgdLearningRate: SampledInterval
    /// Learning rate when the optimiser is Adam or AdamW.
    public var adamLearningRate: SampledInterval
    /// Batch sizes, chosen with equal probability.
    public var batchSizes: [Int]
    public var weightDecay: SampledInterval
    /// Augmentation strength (0 none, 1 nnU-Net's).
    public var augmentationStrength: SampledInterval
    /// Run lengths in iterations, chosen with equal probability.
    public var iterations: [Int]

    public init(optimizers: [TrainingConfiguration.OptimizerKind], sgdLearningRate: SampledInterval, adamLearningRate: SampledInterval,
                batchSizes: [Int], weightDecay: SampledInterval, augmentationStrength: SampledInterval, iterations: [Int]) {
        self.optimizers = optimizers
        self.sgdLearningRate = sgdLearningRate
        self.adamLearningRate = adamLearningRate
        self.batchSizes = batchSizes
        self.weightDecay = weightDecay
        self.augmentationStrength = augmentationStrength
        self.iterations = iterations
    }

    /// The default, tuned on the phantom with the `tiny` preset: Adam three times in four (it
    /// trains a small U-Net in hundreds of iterations; nnU-Net's SGD with momentum 0.99 needs
    /// thousands and mostly stays near the initialisation here), a decade of learning rates,
    /// small batches and run lengths from barely to well trained (Dice ≈ 0.9 at 800 × 8),
    /// which is the spread a generator needs to see.
    public static let standard = HyperparameterDistribution(
        optimizers: [.adam, .adam, .adam, .sgd], sgdLearningRate: .logUniform(1e-2, 1e-1), adamLearningRate: .logUniform(5e-3, 5e-2),
        batchSizes: [4, 8], weightDecay: .logUniform(1e-5, 1e-3), augmentationStrength: .uniform(0, 1),
        iterations: [300, 600, 1200])

    /// Checks that every choice list is non-empty and every range is positive and ordered.
    public func validate() throws {
        guard !optimizers.isEmpty, !batchSizes.isEmpty, !iterations.isEmpty else {
            throw ZooError.invalidPlan("the hyperparameter distribution needs at least one optimiser, batch size and run length")
        }
        for (name, range) in [("SGD learning rate", sgdLearningRate), ("Adam learning rate", adamLearningRate),
                              ("weight decay", weightDecay)] where !(range.low > 0 && range.low <= range.high) {
            throw ZooError.invalidPlan("\(name) range \(range.low)…\(range.high) must be positive and ordered")
        }
        guard batchSizes.allSatisfy({ $0 > 0 }), iterations.allSatisfy({ $0 > 0 }) else {
            throw ZooError.invalidPlan("batch sizes and run lengths must be positive")
        }
    }

    /// One run's hyperparameters; the same generator state always gives the same draw.
    func sample(_ rng: inout SeededGenerator) -> RunHyperparameters {
        let optimizer = optimizers[Int(rng.next() % UInt64(optimizers.count))]
        let rate = optimizer == .sgd ? sgdLearningRate.sample(&rng) : adamLearningRate.sample(&rng)
        return RunHyperparameters(
            optimizer: optimizer, learningRate: rate, batchSize: batchSizes[Int(rng.next() % UInt64(batchSizes.count))],
            weightDecay: weightDecay.sample(&rng), augmentationStrength: augmentationStrength.sample(&rng),
            iterations: iterations[Int(rng.next() % UInt64(iterations.count))])
    }
}

/// What one zoo run was trained with.
public struct RunHyperparameters: Codable, Sendable, Equatable {
    public var optimizer: TrainingConfiguration.OptimizerKind
    public var learningRate: Double
    public var batchSize: Int
    public var weightDecay: Double
    public var augmentationStrength: Double
    public var iterations: Int
}
