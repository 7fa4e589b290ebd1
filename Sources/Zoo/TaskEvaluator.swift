import Segmentation
import TensorEngine

/// Measures any network of a task on the zoo's own fixed cases — the training-loss, validation
/// and test sets its checkpoints were measured on — so generated networks and baselines are
/// compared with the zoo on equal terms.
public struct TaskEvaluator {
    private let data: TaskData
    /// The training cases z-score normalised, as trainers and the evaluator read them.
    private let normalizedTraining: [SegmentationCase]

    public init(zoo: Zoo, task: String) throws {
        data = try TaskData(zoo: zoo, task: task)
        normalizedTraining = data.training.map { $0.zScoreNormalized() }
    }

    /// Median voxel spacing (z, y, x) of the task's training cases.
    public var medianSpacing: [Double] {
        (0..<3).map { axis in
            let values = data.training.map { $0.spacing[axis] }.sorted()
            return values.isEmpty ? 1 : values[values.count / 2]
        }
    }

    /// Every metric, test cases included: for reports only. Training and selection use `selectionMetrics`.
    public func evaluate(_ network: PlainConvUNet) throws -> CheckpointMetrics {
        try data.evaluator.evaluate(network)
    }

    /// Training loss, validation loss and validation Dice, without reading a test case: what a
    /// generator may learn from, be prompted with or select by.
    public func selectionMetrics(_ network: PlainConvUNet) throws -> SelectionMetrics {
        try data.evaluator.selectionMetrics(network)
    }

    /// The recorded training loss alone (the training-loss cases, no validation pass).
    public func trainingLoss(_ network: PlainConvUNet) throws -> Double {
        try data.evaluator.trainingLoss(network)
    }

    /// Validation Dice alone, for generators that stop or select by it as they go.
    public func validationDice(_ network: PlainConvUNet) throws -> Double {
        try data.evaluator.validationDice(network)
    }

    /// Validation Dice, or nil as soon as it is certain to lie below `floor` (the cases measured in
    /// parts, their slices most foreground first): a check that need not measure a network far
    /// below the Dice asked for.
    public func validationDice(_ network: PlainConvUNet, unlessBelow floor: Double) throws -> Double? {
        try data.evaluator.validationDice(network, unlessBelow: floor)
    }

    /// Computes now what a head zoo caches of the frozen part — its head input pool and the
    /// validation cases' head inputs, whole and in a bounded check's parts (through `network`, one
    /// of the zoo's assembly) — so that later timings measure the head alone, as the zoo's runs were
    /// timed. Nothing for other zoos.
    public func precomputeFrozenPart(_ network: PlainConvUNet) throws {
        guard let headInputPool = data.headInputPool else { return }
        _ = try headInputPool.pool()
        _ = try validationDice(network)
        _ = try validationDice(network, unlessBelow: 0)
    }

    /// Test Dice alone, for reports.
    public func testDice(_ network: PlainConvUNet) throws -> Double {
        try data.evaluator.testDice(network)
    }

    /// The gradient of the training loss at `network`'s parameters on the zoo's fixed
    /// training-loss cases, flat in `layout`: what the task asks of this
    /// particular network, which a generator can read alongside its parameters.
    public func lossGradient(_ network: PlainConvUNet, layout: ParameterLayout) throws -> [Float] {
        try data.evaluator.trainingLossGradient(network, layout: layout)
    }

    /// The task's training cases in fixed groups of `size` (the last may be smaller), in the
    /// zoo's order: the mini-batches of a gradient method that reads the whole training set
    /// over successive calls. Fixed groups keep a partial zoo's cached head inputs to one per group.
    public func trainingGroupCount(size: Int) -> Int {
        (data.training.count + size - 1) / size
    }

    /// The training loss's gradient on training-case group `group` of `size` (see `trainingGroupCount`).
    public func lossGradient(_ network: PlainConvUNet, layout: ParameterLayout, group: Int, size: Int) throws -> [Float] {
        let cases = normalizedTraining[(group * size)..<min((group + 1) * size, data.training.count)]
        return try data.evaluator.lossGradient(network, layout: layout, cases: Array(cases))
    }

    /// The training loss's gradient on a batch of `patches` training patches drawn with `seed`
    /// as the zoo's runs draw theirs (`patchBatch`): the gradient of the loss the zoo's runs
    /// descend, where `lossGradient` reads whole cases.
    public func patchLossGradient(_ network: PlainConvUNet, layout: ParameterLayout, patchSize: [Int], patches: Int, seed: UInt64) throws -> [Float] {
        try patchGradient(network, layout: layout, patchSize: patchSize, patches: patches, seed: seed).gradient
    }

    /// `patchLossGradient` on drawn patches with the batch's foreground Dice (see `patchGradient(_:layout:batch:)`).
    public func patchGradient(_ network: PlainConvUNet, layout: ParameterLayout, patchSize: [Int], patches: Int, seed: UInt64) throws -> PatchGradient {
        try patchGradient(network, layout: layout,
                          batch: try patchBatch(patchSize: patchSize, patches: patches, seed: seed, spatialRank: network.configuration.spatialRank))
    }

    /// The batch of `patches` a patch gradient with `seed` reads: in a head zoo, cached head
    /// inputs from the task's pool the runs train on; otherwise un-augmented training patches of
    /// `patchSize` drawn as a trainer draws a batch (a third centred on foreground).
    public func patchBatch(patchSize: [Int], patches: Int, seed: UInt64, spatialRank: Int) throws -> PatchBatch {
        var rng = SeededGenerator(seed: seed)
        if let headInputPool = data.headInputPool {
            let pool = try headInputPool.pool()
            let batch = try pool.batch((0..<patches).map { _ in Int(rng.next() % UInt64(pool.count)) })
            return .headInputs(inputs: batch.inputs, labels: batch.labels)
        }
        return .patches(PatchSampler(patchSize: patchSize, augmentation: .none)
            .batch(from: normalizedTraining, size: patches, spatialRank: spatialRank, using: &rng))
    }

    /// The batches a run with `hyperparameters` (the plan's `patchSize`) and data seed `seed`
    /// trains on, in its order (`RecipeBatches`): the seed `train` is given, a zoo run's own.
    public func recipeBatches(hyperparameters: RunHyperparameters, patchSize: [Int], seed: UInt64, spatialRank: Int) throws -> RecipeBatches {
        if let headInputPool = data.headInputPool {
            return RecipeBatches(pool: try headInputPool.pool(),
                                 configuration: TaskData.headConfiguration(hyperparameters, seed: seed, iterations: hyperparameters.iterations))
        }
        return RecipeBatches(trainingCases: normalizedTraining, spatialRank: spatialRank,
                             configuration: TaskData.trainingConfiguration(hyperparameters, patchSize: patchSize, seed: seed,
                                                                           iterations: hyperparameters.iterations))
    }

    /// The training loss's gradient on `batch`: the head's forward and backward alone on cached
    /// inputs, or the whole network's on patches.
    public func patchLossGradient(_ network: PlainConvUNet, layout: ParameterLayout, batch: PatchBatch) throws -> [Float] {
        try patchGradient(network, layout: layout, batch: batch).gradient
    }

    /// `patchLossGradient` with the batch's foreground Dice at the same parameters, read off the same forward pass.
    public func patchGradient(_ network: PlainConvUNet, layout: ParameterLayout, batch: PatchBatch) throws -> PatchGradient {
        switch batch {
        case let .headInputs(inputs, labels): try data.evaluator.headBatchLossGradient(network, layout: layout, inputs: inputs, labels: labels)
        case let .patches(batch): try data.evaluator.batchLossGradient(network, layout: layout, batch: batch)
        }
    }

    /// Each test case (z-score normalised) with the network's argmax segmentation of it, for reports.
    public func testPredictions(_ network: PlainConvUNet) throws -> [(item: SegmentationCase, prediction: [UInt8])] {
        try data.evaluator.testPredictions(network)
    }

    /// Each validation case with the network's argmax segmentation of it (error analyses that compare models).
    public func validationPredictions(_ network: PlainConvUNet) throws -> [(item: SegmentationCase, prediction: [UInt8])] {
        try data.evaluator.validationPredictions(network)
    }

    /// Trains `network` in place with a zoo run's recipe (`hyperparameters`, the plan's patch
    /// size) as the zoo's runs train (a head zoo's on its head input pool), calling `onSnapshot`
    /// at `snapshotIterations` (0 is the network before training): the baseline a generated
    /// network is measured against. With `resuming`, the network holds a run's checkpoint and
    /// training goes on from it with the run's optimiser state there.
    public func train(_ network: PlainConvUNet, hyperparameters: RunHyperparameters, patchSize: [Int], seed: UInt64,
                      iterations: Int? = nil, resuming resumption: RunResumption? = nil, snapshotIterations: Set<Int>,
                      onSnapshot: (TrainingSnapshot) throws -> Void) throws {
        try data.train(network, hyperparameters: hyperparameters, patchSize: patchSize, seed: seed, iterations: iterations,
                       resuming: resumption, snapshotIterations: snapshotIterations, onSnapshot: onSnapshot)
    }
}

/// A training-loss gradient on one batch, with what its forward pass tells of the network for
/// free: its foreground Dice on that batch (`pooledForegroundDice`), computed only when asked, so
/// that the gradient alone costs no more than before.
public struct PatchGradient: Sendable {
    /// The gradient, flat in the layout asked for.
    public let gradient: [Float]
    /// The forward pass's logits (detached: the tape behind them is not kept) and the batch's labels, kept for `batchDice`.
    private let logits: Tensor, labels: Tensor

    init(gradient: [Float], logits: Tensor, labels: Tensor) {
        self.gradient = gradient
        self.logits = logits.detached()
        self.labels = labels
    }

    /// The argmax's foreground Dice on the batch, at the parameters the gradient was taken at.
    public var batchDice: Double { pooledForegroundDice(logits: logits, labels: labels) }
}

/// What one patch-loss gradient reads (`TaskEvaluator.patchBatch`).
public enum PatchBatch {
    /// Inputs of the head cached from the frozen part (a head zoo's pool), with their labels.
    case headInputs(inputs: Tensor, labels: Tensor)
    /// Training patches, through the whole network.
    case patches(TrainingBatch)
}
