import Foundation
import NeuralNetwork
import TensorEngine

/// What decides a head run on cached inputs: the optimisation alone, since the patches,
/// their augmentation and the frozen network are fixed by the `HeadInputPool`.
public struct HeadRunConfiguration: Codable, Sendable, Equatable {
    public var iterations: Int
    public var batchSize: Int
    public var optimizer: TrainingConfiguration.OptimizerKind
    public var learningRate: Float
    public var momentum: Float
    public var weightDecay: Float
    public var gradientClip: Float
    /// nnU-Net's batch_dice: Dice statistics summed over the batch.
    public var batchDice: Bool
    /// Seed of the order in which pool patches are drawn.
    public var seed: UInt64

    /// nnU-Net's optimisation defaults (SGD 1e-2, momentum 0.99, Nesterov, wd 3e-5, poly lr, clip 12, batch Dice).
    public init(iterations: Int, batchSize: Int, optimizer: TrainingConfiguration.OptimizerKind = .sgd,
                learningRate: Float = 1e-2, momentum: Float = 0.99, weightDecay: Float = 3e-5, gradientClip: Float = 12,
                batchDice: Bool = true, seed: UInt64 = 0) {
        self.iterations = iterations
        self.batchSize = batchSize
        self.optimizer = optimizer
        self.learningRate = learningRate
        self.momentum = momentum
        self.weightDecay = weightDecay
        self.gradientClip = gradientClip
        self.batchDice = batchDice
        self.seed = seed
    }

    /// The pool indices of every iteration's batch, drawn from `seed`: the order a run
    /// trains in, fixed before it starts (so another implementation can replay it).
    public func batchOrder(poolCount: Int) -> [[Int]] {
        var rng = SeededGenerator(seed: seed &+ 0x5EED)
        return (0..<iterations).map { _ in (0..<batchSize).map { _ in Int(rng.next() % UInt64(poolCount)) } }
    }
}

/// Trains a network's head (last decoder stage and segmentation layer) on cached head inputs:
/// the same loss (Dice + cross-entropy on the full-resolution output), optimiser, poly
/// learning rate and gradient clipping as `Trainer`, without running the frozen part.
/// Deep supervision's lower levels depend only on frozen parameters, so they add a constant
/// to the loss and nothing to the gradient: they are left out.
public final class CachedHeadTrainer {
    public let network: PlainConvUNet
    public let configuration: HeadRunConfiguration
    public let pool: HeadInputPool

    /// Refuses a network whose trainable parameters reach outside the head.
    public init(network: PlainConvUNet, configuration: HeadRunConfiguration, pool: HeadInputPool) throws {
        guard network.onlyHeadTrains else {
            throw CachedHeadTrainingError.trainsOutsideHead(network.namesOutsideHead(network.trainableParameters().map(\.name)),
                                                            head: network.headParameterPrefixes)
        }
        guard configuration.batchSize > 0, configuration.iterations >= 0 else {
            throw CachedHeadTrainingError.invalidConfiguration("batch size must be positive and iterations not negative")
        }
        self.network = network
        self.configuration = configuration
        self.pool = pool
    }

    /// Trains for `configuration.iterations` steps, or from `resuming`'s iteration until its
    /// last (the network already holding its parameters there); `onSnapshot` receives the
    /// network after each iteration in `snapshotIterations` (0 = before the first step).
    public func run(resuming resumption: RunResumption? = nil, snapshotIterations: Set<Int> = [],
                    onSnapshot: (TrainingSnapshot) throws -> Void = { _ in }) throws -> TrainingSummary {
        let c = configuration
        let trainable = network.trainableParameters()
        let optimizer = c.optimizer.make(parameters: trainable, learningRate: c.learningRate, momentum: c.momentum,
                                         weightDecay: c.weightDecay)
        let trained = try resumption.map { try $0.iterations(of: c.iterations) } ?? (c.iterations > 0 ? 1...c.iterations : nil)
        if let resumption { try optimizer.restore(resumption.moments, steps: resumption.iteration) }
        let schedule = PolyLearningRate(initial: c.learningRate, totalSteps: c.iterations)
        let order = c.batchOrder(poolCount: pool.count)
        var losses: [Float] = [], sinceSnapshot: [Float] = []
        if resumption == nil && snapshotIterations.contains(0) {
            try onSnapshot(TrainingSnapshot(iteration: 0, network: network, trainingLoss: nil, learningRate: c.learningRate, optimizer: optimizer))
        }
        let start = Date()
        for iteration in trained ?? 1...1 where trained != nil {
            optimizer.learningRate = schedule.learningRate(at: iteration - 1)
            let batch = try pool.batch(order[iteration - 1])
            optimizer.zeroGrad()
            let loss = try lossAndGradients(inputs: batch.inputs, labels: batch.labels)
            guard loss.isFinite else { throw TrainingError.nonFiniteLoss(iteration: iteration, value: loss) }
            clipGradientNorm(trainable.map(\.tensor), maxNorm: c.gradientClip)
            try optimizer.step()
            losses.append(loss)
            sinceSnapshot.append(loss)
            if snapshotIterations.contains(iteration) {
                let mean = sinceSnapshot.reduce(0, +) / Float(max(sinceSnapshot.count, 1))
                try onSnapshot(TrainingSnapshot(iteration: iteration, network: network, trainingLoss: mean,
                                                learningRate: optimizer.learningRate, optimizer: optimizer))
                sinceSnapshot.removeAll()
            }
        }
        return TrainingSummary(iterations: c.iterations, seconds: Date().timeIntervalSince(start),
                               finalLoss: losses.last ?? .nan, validationDice: nil, emptyPredictions: nil,
                               lossHistory: losses)
    }

    /// The loss of the head on one batch of cached inputs, leaving its gradients in the
    /// trainable parameters.
    public func lossAndGradients(inputs: Tensor, labels: Tensor) throws -> Float {
        try Self.lossAndGradients(network, inputs: inputs, labels: labels, batchDice: configuration.batchDice).loss
    }

    /// The loss of `network`'s head on one batch of cached inputs (Dice with statistics over the
    /// batch when `batchDice`, + cross-entropy), leaving its gradients in the trainable parameters;
    /// with the logits it was computed from.
    public static func lossAndGradients(_ network: PlainConvUNet, inputs: Tensor, labels: Tensor, batchDice: Bool) throws
        -> (loss: Float, logits: Tensor) {
        let logits = try network.head(inputs)
        let loss = try SegmentationLoss.diceCrossEntropy(logits: logits, target: labels, batchDice: batchDice)
        try loss.backward()
        return (loss.item, logits)
    }
}

/// A head run that cannot start.
public enum CachedHeadTrainingError: Error, CustomStringConvertible {
    case trainsOutsideHead([String], head: [String])
    case invalidConfiguration(String)

    public var description: String {
        switch self {
        case let .trainsOutsideHead(names, head):
            return "training on cached head inputs needs every trainable parameter inside the head (\(head.map { $0 + "*" }.joined(separator: ", "))); "
                + "these are outside: \(names.prefix(6).joined(separator: ", "))\(names.count > 6 ? " and \(names.count - 6) more" : "")"
        case let .invalidConfiguration(reason):
            return "head run: \(reason)"
        }
    }
}
