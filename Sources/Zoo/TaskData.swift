import Foundation
import Formats
import Segmentation

/// A task's cases loaded once per build and shared by every run: training cases for the
/// trainer, and the evaluator over the plan's fixed training-loss, validation and test cases.
struct TaskData {
    let taskID: Int64
    let classes: Int
    let channels: Int
    let training: [SegmentationCase]
    let evaluator: CheckpointEvaluator
    /// For a zoo whose runs train on cached head inputs: the task's pool they draw from.
    let headInputPool: TaskHeadInputPool?

    init(zoo: Zoo, task: String) throws {
        let (taskID, folder) = try zoo.task(named: task)
        let dataset = try NNUNetRawDataset.open(folder)
        classes = dataset.description.labels.count
        let roles = try ["training", "validation", "test"].map { Set(try zoo.cases(task: task, role: $0)) }
        let classes = dataset.description.labels.count
        func load(_ role: Set<String>) throws -> [SegmentationCase] {
            try dataset.trainingCases.filter { role.contains($0.identifier) }.map {
                let loaded = try SegmentationCase.load($0, classes: classes, reorient: zoo.plan.partial?.reoriented ?? true, allowEmptyLabel: true)
                return try zoo.plan.partial?.onBaseGrid(loaded) ?? loaded
            }
        }
        let training = try load(roles[0]), validation = try load(roles[1])
        guard let first = training.first ?? validation.first else { throw ZooError.incompatible("task \(task) has no cases in \(folder.path)") }
        self.taskID = taskID
        channels = first.channels
        self.training = training
        // Test cases are read only when a test metric is asked for (reporting), never for training or selection.
        let testRole = roles[2]
        evaluator = CheckpointEvaluator(training: Array(training.prefix(zoo.plan.trainingLossCases)), validation: validation,
                                        test: { try load(testRole) }, patchSize: zoo.plan.patchSize,
                                        headInputs: try zoo.plan.partial?.liesInHead() == true ? HeadInputCache() : nil)
        headInputPool = TaskHeadInputPool(plan: zoo.plan, task: task, training: training,
                                          architecture: try zoo.plan.architecture(channels: first.channels, classes: classes))
    }

    /// Trains `network` in place as the zoo's runs train: a head zoo's on the task's head input
    /// pool (`CachedHeadTrainer`), any other with `Trainer` on the training cases, for
    /// `iterations` (the recipe's by default) or from `resuming`'s iteration on, calling
    /// `onSnapshot` at `snapshotIterations`.
    func train(_ network: PlainConvUNet, hyperparameters: RunHyperparameters, patchSize: [Int], seed: UInt64, iterations: Int? = nil,
               resuming resumption: RunResumption? = nil, snapshotIterations: Set<Int>,
               onSnapshot: (TrainingSnapshot) throws -> Void) throws {
        let iterations = iterations ?? hyperparameters.iterations
        if let headInputPool {
            let trainer = try CachedHeadTrainer(network: network,
                                                configuration: Self.headConfiguration(hyperparameters, seed: seed, iterations: iterations),
                                                pool: try headInputPool.pool())
            _ = try trainer.run(resuming: resumption, snapshotIterations: snapshotIterations, onSnapshot: onSnapshot)
        } else {
            let configuration = Self.trainingConfiguration(hyperparameters, patchSize: patchSize, seed: seed, iterations: iterations)
            let trainer = Trainer(network: network, configuration: configuration, trainingCases: training, validationCases: [])
            _ = try trainer.run(resuming: resumption, snapshotIterations: snapshotIterations, onSnapshot: onSnapshot)
        }
    }

    /// How a head zoo's run with `hyperparameters` and `seed` trains on the head input pool.
    static func headConfiguration(_ hyperparameters: RunHyperparameters, seed: UInt64, iterations: Int) -> HeadRunConfiguration {
        HeadRunConfiguration(iterations: iterations, batchSize: hyperparameters.batchSize, optimizer: hyperparameters.optimizer,
                             learningRate: Float(hyperparameters.learningRate), weightDecay: Float(hyperparameters.weightDecay), seed: seed)
    }

    /// How any other zoo's run with `hyperparameters` and `seed` trains on the training cases.
    static func trainingConfiguration(_ hyperparameters: RunHyperparameters, patchSize: [Int], seed: UInt64,
                                      iterations: Int) -> TrainingConfiguration {
        var configuration = TrainingConfiguration(
            iterations: iterations, batchSize: hyperparameters.batchSize, patchSize: patchSize,
            optimizer: hyperparameters.optimizer, learningRate: Float(hyperparameters.learningRate),
            weightDecay: Float(hyperparameters.weightDecay), seed: seed)
        configuration.augmentation.strength = hyperparameters.augmentationStrength
        return configuration
    }

    /// The plan's architecture for the first task's channels and classes, read from its dataset description.
    static func planArchitecture(of zoo: Zoo) throws -> PlainConvUNetConfiguration {
        let folder = try zoo.task(named: zoo.plan.tasks[0]).datasetFolder
        let dataset = try NNUNetRawDataset.open(folder)
        return try zoo.plan.architecture(channels: dataset.description.channelNames.count, classes: dataset.description.labels.count)
    }

    /// The plan's architecture for this task's channels and classes.
    func architecture(of plan: ZooPlan) throws -> PlainConvUNetConfiguration {
        try plan.architecture(channels: channels, classes: classes)
    }
}
