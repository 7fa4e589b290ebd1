import Foundation
import NeuralNetwork
import TensorEngine

/// What the trainer reports as it goes.
public struct TrainingProgress: Sendable {
    public let iteration: Int
    public let iterations: Int
    public let loss: Float
    public let learningRate: Float
    public let iterationsPerSecond: Double
    /// Mean Dice on the validation cases, when this step validated.
    public let validationDice: Double?
}

/// The state handed to the checkpoint callback: the network at `iteration` (0 = the
/// initialisation) with the metrics the trainer knows at that point.
public struct TrainingSnapshot {
    public let iteration: Int
    public let network: PlainConvUNet
    /// Mean training loss over the iterations since the previous snapshot (nil at iteration 0).
    public let trainingLoss: Float?
    public let learningRate: Float
    /// The optimiser, whose `moments()` are its state at this iteration.
    public let optimizer: Optimizer
}

/// How a run ended.
public struct TrainingSummary: Codable, Sendable {
    public let iterations: Int
    public let seconds: Double
    public let finalLoss: Float
    public let validationDice: Double?
    /// Validation cases with foreground in the reference that the final network predicts
    /// nothing on (nil without validation cases).
    public let emptyPredictions: EmptyPredictions?
    public let lossHistory: [Float]
}

/// One validation pass: mean foreground Dice and the cases predicted empty.
public struct ValidationResult: Sendable {
    /// Nil when every case has neither predicted nor reference foreground.
    public let dice: Double?
    public let emptyPredictions: EmptyPredictions
}

/// A run that cannot go on.
public enum TrainingError: Error, CustomStringConvertible {
    case nonFiniteLoss(iteration: Int, value: Float)
    case invalidResumption(String)

    public var description: String {
        switch self {
        case let .nonFiniteLoss(iteration, value):
            return "training stopped at iteration \(iteration): the loss is \(value); lower the learning rate or check the data for NaN voxels"
        case let .invalidResumption(reason):
            return "cannot resume the run: \(reason)"
        }
    }
}

/// nnU-Net's training loop for a PlainConvUNet: Dice + cross-entropy, SGD with Nesterov
/// momentum and poly learning rate (or Adam/AdamW), gradient clipping, batches prepared on a
/// background worker, the step split over one copy of the network per thread
/// (`DataParallelStep`), validation on held-out cases, and a checkpoint callback.
///
/// It trains the parameters that require gradients: freeze part of the network first
/// (`Module.freeze(allBut:)`) and the frozen part keeps its values bit for bit.
public final class Trainer {
    public let network: PlainConvUNet
    public let configuration: TrainingConfiguration
    private let trainingCases: [SegmentationCase]
    private let validationCases: [SegmentationCase]

    /// Cases are z-score normalised here, as nnU-Net does in preprocessing.
    public init(network: PlainConvUNet, configuration: TrainingConfiguration, trainingCases: [SegmentationCase],
                validationCases: [SegmentationCase]) {
        self.network = network
        self.configuration = configuration
        self.trainingCases = trainingCases.map { $0.zScoreNormalized() }
        self.validationCases = validationCases.map { $0.zScoreNormalized() }
    }

    /// Trains for `configuration.iterations` steps, or from `resuming`'s iteration until its
    /// last (the network already holding its parameters there; the batches before it are drawn
    /// and skipped). `snapshotIterations` lists the iterations (0 = before the first step)
    /// after which `onSnapshot` receives the network.
    public func run(resuming resumption: RunResumption? = nil, snapshotIterations: Set<Int> = [],
                    onSnapshot: (TrainingSnapshot) throws -> Void = { _ in },
                    progress: (TrainingProgress) -> Void = { _ in }) throws -> TrainingSummary {
        let c = configuration
        let spatialRank = network.configuration.spatialRank
        let loader = try BatchLoader(cases: trainingCases, sampler: c.batchSampler, batchSize: c.batchSize, spatialRank: spatialRank,
                                     seed: c.dataSeed)
        defer { loader.stop() }
        let optimizer = makeOptimizer()
        let trained = try resumption.map { try $0.iterations(of: c.iterations) } ?? (c.iterations > 0 ? 1...c.iterations : nil)
        if let resumption {
            try optimizer.restore(resumption.moments, steps: resumption.iteration)
            for _ in 0..<resumption.iteration { _ = loader.next() }
        }
        let schedule = PolyLearningRate(initial: c.learningRate, totalSteps: c.iterations)
        let deepSupervision = c.deepSupervision && network.configuration.stageCount > 2
            ? DeepSupervisionLoss(configuration: network.configuration, batchDice: c.batchDice) : nil
        let step = try DataParallelStep(network: network, batchSize: c.batchSize)
        var losses: [Float] = []
        var sinceSnapshot: [Float] = []
        if resumption == nil && snapshotIterations.contains(0) {
            try onSnapshot(TrainingSnapshot(iteration: 0, network: network, trainingLoss: nil, learningRate: c.learningRate, optimizer: optimizer))
        }
        let start = Date()
        var lastReport = start, lastReportIteration = trained.map { $0.lowerBound - 1 } ?? 0
        var validation: ValidationResult?
        for iteration in trained ?? 1...1 where trained != nil {
            optimizer.learningRate = schedule.learningRate(at: iteration - 1)
            let batch = loader.next()
            optimizer.zeroGrad()
            let loss = try step.lossAndGradients(images: batch.images, deepSupervision: deepSupervision != nil) { outputs in
                let loss = try deepSupervision.map { try $0(outputs, labels: batch.labels) }
                    ?? SegmentationLoss.diceCrossEntropy(logits: outputs[0], target: batch.labels, batchDice: c.batchDice)
                guard loss.item.isFinite else { throw TrainingError.nonFiniteLoss(iteration: iteration, value: loss.item) }
                return loss
            }
            clipGradientNorm(network.trainableParameters().map(\.tensor), maxNorm: c.gradientClip)
            try optimizer.step()
            losses.append(loss.item)
            sinceSnapshot.append(loss.item)

            let validates = iteration == c.iterations || (c.validationInterval > 0 && iteration % c.validationInterval == 0)
            if validates && !validationCases.isEmpty { validation = try validate() }
            if snapshotIterations.contains(iteration) {
                let mean = sinceSnapshot.reduce(0, +) / Float(max(sinceSnapshot.count, 1))
                try onSnapshot(TrainingSnapshot(iteration: iteration, network: network, trainingLoss: mean,
                                                learningRate: optimizer.learningRate, optimizer: optimizer))
                sinceSnapshot.removeAll()
            }
            let now = Date()
            if validates || now.timeIntervalSince(lastReport) >= 2 || iteration == c.iterations {
                progress(TrainingProgress(iteration: iteration, iterations: c.iterations, loss: loss.item,
                                          learningRate: optimizer.learningRate,
                                          iterationsPerSecond: Double(iteration - lastReportIteration) / max(now.timeIntervalSince(lastReport), 1e-9),
                                          validationDice: validates ? validation?.dice : nil))
                lastReport = now
                lastReportIteration = iteration
            }
        }
        return TrainingSummary(iterations: c.iterations, seconds: Date().timeIntervalSince(start),
                               finalLoss: losses.last ?? .nan, validationDice: validation?.dice,
                               emptyPredictions: validation?.emptyPredictions, lossHistory: losses)
    }

    /// Mean foreground Dice of whole-case predictions on the validation cases. As nnU-Net
    /// does, a case where both prediction and reference are empty has no Dice and is left out
    /// of the mean (so lesion-free cases do not count as perfect). Also counts the cases
    /// predicted empty where the reference is not, which reveals a collapsed run.
    public func validate() throws -> ValidationResult {
        let predictor = SlidingWindowPredictor(patchSize: configuration.patchSize, network: { try self.network($0) })
        var scores: [Double] = []
        var empty = EmptyPredictions()
        for item in validationCases {
            let prediction = try predictor.segmentation(image: item.image, channels: item.channels, shape: item.shape)
                .map { UInt8($0 > 0 ? 1 : 0) }
            let reference = (item.label ?? [UInt8](repeating: 0, count: prediction.count)).map { UInt8($0 > 0 ? 1 : 0) }
            let counts = OverlapCounts(prediction: prediction, reference: reference, label: 1)
            if counts.holdsLabel { scores.append(counts.dice) }
            empty.record(prediction: prediction, reference: reference)
        }
        return ValidationResult(dice: scores.isEmpty ? nil : scores.reduce(0, +) / Double(scores.count), emptyPredictions: empty)
    }

    private func makeOptimizer() -> Optimizer {
        let c = configuration
        return c.optimizer.make(parameters: network.trainableParameters(), learningRate: c.learningRate,
                                momentum: c.momentum, weightDecay: c.weightDecay)
    }
}
