/// Everything that decides a training run besides the data and the architecture.
public struct TrainingConfiguration: Codable, Sendable, Equatable {
    /// The optimiser family.
    public enum OptimizerKind: String, Codable, Sendable, CaseIterable {
        /// nnU-Net's SGD with Nesterov momentum and poly learning rate.
        case sgd
        case adam
        case adamw
    }

    public var iterations: Int
    public var batchSize: Int
    /// Patch extent (z, y, x); z = 1 trains a 2D network on slices.
    public var patchSize: [Int]
    public var optimizer: OptimizerKind
    public var learningRate: Float
    public var momentum: Float
    public var weightDecay: Float
    /// nnU-Net clips the gradient norm at 12.
    public var gradientClip: Float
    /// nnU-Net's batch_dice: Dice statistics summed over the batch.
    public var batchDice: Bool
    public var foregroundFraction: Double
    public var augmentation: AugmentationConfiguration
    /// Iterations between validation passes (0: only at the end).
    public var validationInterval: Int
    /// Seed of the initialisation; the data stream uses a seed derived from it.
    public var seed: UInt64
    /// nnU-Net's deep supervision: a loss on every decoder level's output against the label
    /// downsampled to it, weighted 1, ½, ¼, … with the lowest level at 0, normalised.
    public var deepSupervision: Bool

    /// nnU-Net's defaults (SGD 1e-2, momentum 0.99, Nesterov, wd 3e-5, poly lr, clip 12,
    /// batch Dice, a third of patches on foreground, full augmentation, deep supervision).
    public init(iterations: Int, batchSize: Int, patchSize: [Int], optimizer: OptimizerKind = .sgd,
                learningRate: Float = 1e-2, momentum: Float = 0.99, weightDecay: Float = 3e-5, gradientClip: Float = 12,
                batchDice: Bool = true, foregroundFraction: Double = 0.33,
                augmentation: AugmentationConfiguration = .nnUNetDefault, validationInterval: Int = 0, seed: UInt64 = 0,
                deepSupervision: Bool = true) {
        self.iterations = iterations
        self.batchSize = batchSize
        self.patchSize = patchSize
        self.optimizer = optimizer
        self.learningRate = learningRate
        self.momentum = momentum
        self.weightDecay = weightDecay
        self.gradientClip = gradientClip
        self.batchDice = batchDice
        self.foregroundFraction = foregroundFraction
        self.augmentation = augmentation
        self.validationInterval = validationInterval
        self.seed = seed
        self.deepSupervision = deepSupervision
    }

    /// The seed of the training data stream (batches and their augmentation), derived from `seed`.
    public var dataSeed: UInt64 { seed &+ 0x5EED }

    /// The sampler a run draws its batches with; with `dataSeed`, its whole sequence of batches.
    public var batchSampler: PatchSampler {
        PatchSampler(patchSize: patchSize, foregroundFraction: foregroundFraction, augmentation: augmentation)
    }
}
