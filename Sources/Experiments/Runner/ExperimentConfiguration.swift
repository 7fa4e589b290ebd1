import Foundation
import Generator
import Segmentation

/// The sizes of one experiment: data, zoo, generators and evaluation. `demo` finishes in
/// minutes on a 2-core machine; `full` is the scale of the generator's acceptance runs.
public struct ExperimentConfiguration: Codable, Sendable, Equatable {
    /// Phantom cases written when no dataset is given.
    public var phantomCases: Int
    public var phantomSeed: UInt64
    public var tasks: [String]
    public var preset: UNetPreset
    public var runsPerTask: Int
    /// Seed of the zoo's case split and of every run's hyperparameters and initialisation.
    public var zooSeed: UInt64
    public var checkpointsPerRun: Int
    /// Run lengths the zoo draws from.
    public var runIterations: [Int]
    public var validationCases: Int
    public var testCases: Int
    /// The generator every size trains (its steps and batch set below).
    public var generatorPreset: GeneratorPreset
    public var generatorSteps: Int
    public var generatorBatchSize: Int?
    /// G.pt's permutation augmentation, for presets that do not align the zoo's runs.
    public var permutationAugmentation: Bool
    /// Unseen initialisations (and noise, fine-tuning and training seeds) every comparison is averaged over.
    public var seeds: Int
    /// Starts for prompt alignment (20 prompts each).
    public var alignmentStarts: Int
    public var samplingSteps: Int
    /// Iterations of fine-tuning in the beyond-the-best comparison.
    public var fineTuneIterations: Int
    /// Deepest recursive prompting measured (k = 1…this).
    public var recursiveDepth: Int
    /// Train one generator per task as well, for the multi-task comparison.
    public var perTaskGenerators: Bool
    /// The learned optimiser distilled from the zoo's runs beside the diffusion generator, and
    /// evaluated and audited by the same protocol.
    public var learnedOptimizer: LearnedOptimizerConfiguration
    /// The direction the learned optimiser's generations move each weight matrix in.
    public var learnedOptimizerDirection: StepDirection

    /// About 7 minutes on a 2-core machine after the build: 3 tasks × 10 runs of 300 iterations,
    /// one small generator for all tasks (the per-task generators of the multi-task comparison
    /// are `full`'s, or `--per-task-generators`) and the generator of docs/results/GENERATOR.md
    /// whose networks are trained, new and their start's own on both head tasks: Adam's own step
    /// (the rule left untrained, each task's rate chosen on validation cases) on 2 training patches
    /// per call, each call standing for 4 iterations, at most 100 calls, turned into SOAP's
    /// eigenbasis by modes from call 4 on.
    public static let demo = ExperimentConfiguration(
        phantomCases: 96, phantomSeed: 1, tasks: ["cord", "canal", "lesion"], preset: .tiny, runsPerTask: 10, zooSeed: 0, checkpointsPerRun: 10,
        runIterations: [300], validationCases: 8, testCases: 24, generatorPreset: .small, generatorSteps: 600,
        generatorBatchSize: nil, permutationAugmentation: false, seeds: 8, alignmentStarts: 4, samplingSteps: 50,
        fineTuneIterations: 50, recursiveDepth: 3, perTaskGenerators: false,
        learnedOptimizer: LearnedOptimizerConfiguration(width: 8, depth: 1, horizon: 4, trainingSteps: 0, maximumCalls: 100, casesPerCall: 2,
                                                        history: .adamStep),
        learnedOptimizerDirection: .soap(firstMoment: 0.8, secondMoment: 0.95, refreshEvery: 1, factors: .modes, after: 4))

    /// The acceptance scale: 3 tasks × 128 runs × 20 checkpoints, the start-hidden diffusion generator (hours on
    /// 2 cores) and a learned optimiser distilled on its runs' own batches, reading Adam's moments
    /// (so the zoo keeps each checkpoint's optimiser state), each call standing for 10 iterations,
    /// at most 160 calls; its generations read the recipe's batches.
    public static let full = ExperimentConfiguration(
        phantomCases: 200, phantomSeed: 1, tasks: ["cord", "canal", "lesion"], preset: .tiny, runsPerTask: 128, zooSeed: 0, checkpointsPerRun: 20,
        runIterations: [300, 600, 1200], validationCases: 16, testCases: 32, generatorPreset: .startHidden, generatorSteps: 10000,
        generatorBatchSize: nil, permutationAugmentation: false, seeds: 16, alignmentStarts: 16, samplingSteps: 50,
        fineTuneIterations: 100, recursiveDepth: 5, perTaskGenerators: true,
        learnedOptimizer: LearnedOptimizerConfiguration(horizon: 10, maximumCalls: 160, gradient: .runBatches, history: .adamMoments),
        learnedOptimizerDirection: .rule)

    /// The generator configuration these sizes ask for.
    public func generatorConfiguration() throws -> GeneratorConfiguration {
        var configuration = generatorPreset.configuration
        configuration.schedule.trainingSteps = generatorSteps
        if let generatorBatchSize { configuration.schedule.batchSize = generatorBatchSize }
        // A size's own canonical alignment stays; otherwise this configuration picks augmentation or none.
        if configuration.data.alignment != .canonical { configuration.data.alignment = permutationAugmentation ? .permutationAugmentation : .none }
        return configuration
    }

    public func validate() throws {
        guard !tasks.isEmpty else { throw ExperimentError.invalidConfiguration("no tasks") }
        guard runsPerTask >= 4 else { throw ExperimentError.invalidConfiguration("runs per task must be at least 4 (2 are held out)") }
        guard seeds >= 2 else { throw ExperimentError.invalidConfiguration("at least 2 seeds are needed for a confidence interval") }
        // Seen starts are the initialisations of the runs the generator learned from: as many as the seeds.
        guard runsPerTask - 2 >= seeds else {
            throw ExperimentError.invalidConfiguration("\(seeds) seeds need at least \(seeds + 2) runs per task (2 are held out; "
                                                       + "the seen starts are the other runs' initialisations), got \(runsPerTask)")
        }
        guard checkpointsPerRun >= 2, fineTuneIterations >= 1, recursiveDepth >= 1 else {
            throw ExperimentError.invalidConfiguration("checkpoints per run ≥ 2, fine-tuning iterations ≥ 1 and recursive depth ≥ 1")
        }
        do {
            try learnedOptimizer.validate()
        } catch {
            throw ExperimentError.invalidConfiguration("learned optimiser: \(error)")
        }
    }
}

/// Why an experiment cannot run.
public enum ExperimentError: Error, CustomStringConvertible {
    case invalidConfiguration(String)
    case missingInput(String)

    public var description: String {
        switch self {
        case let .invalidConfiguration(reason): return "invalid experiment configuration: \(reason)"
        case let .missingInput(reason): return reason
        }
    }
}
