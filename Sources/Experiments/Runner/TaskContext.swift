import Foundation
import Generator
import Segmentation
import TensorEngine
import Zoo

/// What every study of one task shares: the zoo's finished runs and checkpoints of the task,
/// its best checkpoint, the evaluator over the zoo's cases, the unseen initialisations and the
/// generator that is being judged. Every prompt and selection here is a validation figure; the
/// test cases only report.
final class TaskContext {
    let task: String
    let taskIndex: Int
    let zoo: Zoo
    let generator: WeightGenerator
    let evaluator: TaskEvaluator
    /// One evaluator per generator task, in the generator's order (for start gradients).
    let evaluators: [TaskEvaluator]
    let configuration: ExperimentConfiguration
    let permutation: UNetPermutation
    /// Finished, trained runs of the task with their checkpoints, runs held out of generator training included.
    let runs: [(record: RunRecord, checkpoints: [(record: CheckpointRecord, values: [Float])])]
    /// The checkpoint with the best validation Dice (what a practitioner would pick); its validation Dice is the prompt.
    let best: (run: RunRecord, record: CheckpointRecord, values: [Float])
    /// The best test Dice of any checkpoint, reported as the zoo's ceiling (never a prompt or a choice).
    let bestTestDice: Double
    /// Unseen initialisations: seeds 7,000,000 + k that no zoo run used.
    let unseenSeeds: [UInt64]
    let unseenStarts: [[Float]]
    /// The unseen initialisations' validation Dice: their start prompts.
    let unseenStartDice: [Double]
    /// Their test Dice, for the report.
    let unseenStartTestDice: [Double]
    let sampler: DiffusionSampler
    /// The unseen starts trained with the best run's recipe, kept for the learned optimiser's evaluation.
    let recipeTrainings: RecipeTrainings
    let log: (String) -> Void

    init(task: String, zoo: Zoo, generator: WeightGenerator, evaluators: [TaskEvaluator], configuration: ExperimentConfiguration,
         recipeTrainings: RecipeTrainings, log: @escaping (String) -> Void) throws {
        self.task = task
        self.recipeTrainings = recipeTrainings
        self.zoo = zoo
        self.generator = generator
        self.configuration = configuration
        self.log = log
        self.evaluators = evaluators
        taskIndex = try generator.taskIndex(task)
        self.evaluator = evaluators[taskIndex]
        let description = generator.description
        permutation = try UNetPermutation(configuration: description.architecture, layout: description.normalizer.layout)
        runs = try zoo.runs(task: task, status: .done).filter { $0.source == .trained }.map { ($0, try zoo.parameters(of: $0)) }
        guard !runs.isEmpty else { throw ExperimentError.missingInput("the zoo \(zoo.folder.path) has no finished runs of \(task)") }
        var best = (run: runs[0].record, record: runs[0].checkpoints[0].record, values: runs[0].checkpoints[0].values)
        var bestTest = 0.0
        for (run, checkpoints) in runs {
            for checkpoint in checkpoints {
                bestTest = max(bestTest, checkpoint.record.testDice)
                if checkpoint.record.validationDice > best.record.validationDice { best = (run, checkpoint.record, checkpoint.values) }
            }
        }
        self.best = best
        bestTestDice = bestTest
        unseenSeeds = unseenInitialisationSeeds(count: configuration.seeds, avoiding: runs.map(\.record))
        let starts = try unseenSeeds.map { try description.normalizer.layout.flatten(try PlainConvUNet(description.architecture, seed: $0)) }
        unseenStarts = starts
        sampler = configuration.samplingSteps > 0 ? .ddim(steps: configuration.samplingSteps) : .ddpm
        let evaluator = evaluators[taskIndex]
        unseenStartDice = try parallelMap(starts.count) { try evaluator.selectionMetrics(try generator.network(from: starts[$0])).validationDice }
        unseenStartTestDice = try parallelMap(starts.count) { try evaluator.testDice(try generator.network(from: starts[$0])) }
    }

    /// The unseen starts trained with the best checkpoint's run's recipe, batches drawn in `order`.
    func recipeTrained(_ order: RecipeDataOrder) throws -> [RecipeTraining] {
        try recipeTrainings.train(unseenStarts, task: task, run: best.run, order: order, patchSize: zoo.plan.patchSize,
                                  evaluator: evaluator, assembly: generator.assembly)
    }

    /// The prompt for the best network: the best checkpoint's validation Dice.
    var bestPrompt: Double { best.record.validationDice }

    /// Validation Dice of a flat parameter vector: what a prompt or a selection may use.
    func validationDice(_ values: [Float]) throws -> Double {
        try evaluator.selectionMetrics(try generator.network(from: values)).validationDice
    }

    /// Test Dice of a flat parameter vector on the zoo's test cases of this task (reporting only).
    func testDice(_ values: [Float]) throws -> Double {
        try evaluator.testDice(try generator.network(from: values))
    }

    /// Validation Dice of several parameter vectors, evaluated side by side.
    func validationDice(_ networks: [[Float]]) throws -> [Double] {
        try parallelMap(networks.count) { try validationDice(networks[$0]) }
    }

    /// Test Dice of several parameter vectors, evaluated side by side (one network per core:
    /// a tiny U-Net's inference is too small to gain from a second thread).
    func testDice(_ networks: [[Float]]) throws -> [Double] {
        try parallelMap(networks.count) { try testDice(networks[$0]) }
    }

    /// Generated parameters for each start, prompted with `prompts` (this task; start metrics as
    /// given), limited to the generator's training data unless `extrapolate`.
    func generate(_ starts: [[Float]], startDice: [Double], prompts: [Double], seed: UInt64 = 11, extrapolate: Bool = false) throws -> [[Float]] {
        let tasks = starts.map { _ in taskIndex }
        return try generator.generate(starts: starts, tasks: tasks, startMetrics: startDice, targetMetrics: prompts,
                                      startGradients: try generator.startGradients(for: starts, tasks: tasks, evaluators: evaluators),
                                      sampler: sampler, seed: seed, extrapolate: extrapolate)
    }
}
