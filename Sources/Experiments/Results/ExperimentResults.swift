import Foundation
import Generator

/// Every number an experiment produces; the HTML report is rendered from this alone
/// (`results.json` beside `index.html`), so nothing in the report is written by hand.
public struct ExperimentResults: Codable, Sendable {
    /// What was run: the command line, data, zoo and generator settings, and when.
    public var setup: ExperimentSetup
    /// Wall time of each stage, in order (data, zoo, generators (the diffusion generators and the learned optimiser), evaluation, learned optimiser).
    public var stages: [StageTiming]
    /// One entry per task of the zoo.
    public var tasks: [TaskExperiment]
    /// One generator for all tasks against one generator per task, and one parameter set prompted for every task.
    public var multiTask: MultiTaskComparison?
    /// The learned optimiser distilled from the same zoo, evaluated and audited by the same protocol
    /// (nil in reports written before it was part of the experiment).
    public var learnedOptimizer: LearnedOptimizerExperiment?
    /// The conclusions stated plainly, each derived from the numbers above by the experiment.
    public var conclusions: [String]

    public init(setup: ExperimentSetup, stages: [StageTiming], tasks: [TaskExperiment], multiTask: MultiTaskComparison?,
                learnedOptimizer: LearnedOptimizerExperiment?, conclusions: [String]) {
        self.setup = setup
        self.stages = stages
        self.tasks = tasks
        self.multiTask = multiTask
        self.learnedOptimizer = learnedOptimizer
        self.conclusions = conclusions
    }
}

/// The learned optimiser of the experiment: what it learned from and how it was run, and its
/// evaluation (unseen and seen starts, prompt alignment, speed, the memorisation audit per task).
public struct LearnedOptimizerExperiment: Codable, Sendable {
    /// Checkpoint pairs it was distilled from, over all tasks.
    public var examples: Int
    public var trainingSteps: Int
    public var maximumCalls: Int
    /// What each parameter's move reads of its past gradients (under `.adamStep` with no training
    /// steps a call is Adam's own step).
    public var history: GradientHistory
    /// The direction its generations moved each weight matrix in.
    public var direction: StepDirection
    /// The learning rate of each task's calls, chosen on validation cases, in `evaluation.tasks` order.
    public var learningRates: [Float]
    public var trainingSeconds: Double
    public var evaluation: GeneratorEvaluation

    public init(examples: Int, trainingSteps: Int, maximumCalls: Int, history: GradientHistory, direction: StepDirection,
                learningRates: [Float], trainingSeconds: Double, evaluation: GeneratorEvaluation) {
        self.examples = examples
        self.trainingSteps = trainingSteps
        self.maximumCalls = maximumCalls
        self.history = history
        self.direction = direction
        self.learningRates = learningRates
        self.trainingSeconds = trainingSeconds
        self.evaluation = evaluation
    }

    private enum CodingKeys: String, CodingKey {
        case examples, trainingSteps, maximumCalls, history, direction, learningRates, trainingSeconds, evaluation
    }

    /// Reads a stored experiment; one written before `history` and `direction` were recorded had
    /// a distilled rule (its history untold) moving in its own direction.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(examples: try c.decode(Int.self, forKey: .examples), trainingSteps: try c.decode(Int.self, forKey: .trainingSteps),
                  maximumCalls: try c.decode(Int.self, forKey: .maximumCalls),
                  history: try c.decodeIfPresent(GradientHistory.self, forKey: .history) ?? GradientHistory.none,
                  direction: try c.decodeIfPresent(StepDirection.self, forKey: .direction) ?? .rule,
                  learningRates: try c.decode([Float].self, forKey: .learningRates), trainingSeconds: try c.decode(Double.self, forKey: .trainingSeconds),
                  evaluation: try c.decode(GeneratorEvaluation.self, forKey: .evaluation))
    }

    /// Whether a call is Adam's own step: the rule it adds to that step was left untrained.
    public var movesByAdamsOwnStep: Bool { history == .adamStep && trainingSteps == 0 }
}

/// The experiment's configuration, recorded so a reader can rerun it.
public struct ExperimentSetup: Codable, Sendable {
    public var command: String
    public var date: String
    public var dataset: String
    public var tasks: [String]
    public var preset: String
    public var zooRuns: Int
    public var checkpointsPerRun: Int
    public var generatorConfiguration: String
    public var generatorSteps: Int
    /// Seeds of the unseen initialisations every comparison is averaged over.
    public var seeds: Int
    public var testCases: Int

    public init(command: String, date: String, dataset: String, tasks: [String], preset: String, zooRuns: Int,
                checkpointsPerRun: Int, generatorConfiguration: String, generatorSteps: Int, seeds: Int, testCases: Int) {
        self.command = command
        self.date = date
        self.dataset = dataset
        self.tasks = tasks
        self.preset = preset
        self.zooRuns = zooRuns
        self.checkpointsPerRun = checkpointsPerRun
        self.generatorConfiguration = generatorConfiguration
        self.generatorSteps = generatorSteps
        self.seeds = seeds
        self.testCases = testCases
    }
}

/// How long one stage took.
public struct StageTiming: Codable, Sendable {
    public var stage: String
    public var seconds: Double

    public init(stage: String, seconds: Double) {
        self.stage = stage
        self.seconds = seconds
    }
}

/// One row of a comparison table: a method and its test Dice (or another metric) over seeds.
public struct ComparisonRow: Codable, Sendable {
    /// Short name shown in tables, e.g. "generated (one step)", "best checkpoint + 5% noise".
    public var method: String
    /// One sentence on what the row is, shown as the row's tooltip and in the notes.
    public var detail: String
    public var dice: Estimate

    public init(method: String, detail: String, dice: Estimate) {
        self.method = method
        self.detail = detail
        self.dice = dice
    }
}

/// Everything measured for one task.
public struct TaskExperiment: Codable, Sendable {
    public var task: String
    /// Best test Dice of any zoo checkpoint, reported as the zoo's ceiling; the checkpoint chosen by
    /// validation Dice (`bestCheckpointTestDice`) is the one prompts and comparisons use.
    public var bestZooTestDice: Double
    public var bestCheckpointTestDice: Double
    /// Test Dice of the unseen random initialisations themselves.
    public var initialisation: Estimate
    /// Generated networks from unseen initialisations, and from the zoo's own (seen) ones, prompted with the best checkpoint's validation Dice.
    public var generatedUnseen: Estimate
    public var generatedSeen: Estimate
    /// Baselines against one-step generation: best checkpoint, + noise, weight averages, training from the same initialisation.
    public var baselines: [ComparisonRow]
    /// Beyond the best: recursive prompting k = 1…5 and fine-tuning comparisons.
    public var beyondBest: [ComparisonRow]
    public var alignment: PromptAlignment
    public var trainingCurve: TrainingCurve
    public var novelty: Novelty
    /// PNG overlays of predictions on test images, paths relative to the report folder.
    public var overlays: [Overlay]
    /// The memorisation audit: novelty, behavioural novelty, start dependence and start fidelity
    /// per kind of start, the baselines' frontier and the verdict (nil in results written before it).
    public var audit: MemorisationAudit?

    public init(task: String, bestZooTestDice: Double, bestCheckpointTestDice: Double, initialisation: Estimate,
                generatedUnseen: Estimate, generatedSeen: Estimate, baselines: [ComparisonRow], beyondBest: [ComparisonRow],
                alignment: PromptAlignment, trainingCurve: TrainingCurve, novelty: Novelty, overlays: [Overlay],
                audit: MemorisationAudit? = nil) {
        self.task = task
        self.bestZooTestDice = bestZooTestDice
        self.bestCheckpointTestDice = bestCheckpointTestDice
        self.initialisation = initialisation
        self.generatedUnseen = generatedUnseen
        self.generatedSeen = generatedSeen
        self.baselines = baselines
        self.beyondBest = beyondBest
        self.alignment = alignment
        self.trainingCurve = trainingCurve
        self.novelty = novelty
        self.overlays = overlays
        self.audit = audit
    }
}

/// Prompted against achieved Dice (G.pt's protocol) on unseen initialisations.
public struct PromptAlignment: Codable, Sendable {
    public struct Point: Codable, Sendable {
        public var prompted: Double
        public var achieved: Double
        public var seed: Int

        public init(prompted: Double, achieved: Double, seed: Int) {
            self.prompted = prompted
            self.achieved = achieved
            self.seed = seed
        }
    }

    public var points: [Point]
    /// R² of achieved against prompted about the identity line, one value per start.
    public var r2: Estimate

    public init(points: [Point], r2: Estimate) {
        self.points = points
        self.r2 = r2
    }
}

/// Test Dice against training iterations with the zoo's recipe from the unseen initialisations,
/// and where one-step generation lands on that curve.
public struct TrainingCurve: Codable, Sendable {
    public var iterations: [Int]
    /// Test Dice at each iteration, over seeds.
    public var dice: [Estimate]
    /// Mean test Dice of one-step generation from the same initialisations.
    public var generatedDice: Double
    /// The first iteration whose mean Dice reaches `generatedDice`; nil when it is reached at 0 or never.
    public var iterationsToMatchGenerated: Int?
    /// Wall time of training to `iterationsToMatchGenerated` over the wall time of one generation.
    public var wallTimeRatio: Double?
    /// Seconds per training iteration and per generated network.
    public var secondsPerIteration: Double
    public var secondsPerGeneration: Double

    public init(iterations: [Int], dice: [Estimate], generatedDice: Double, iterationsToMatchGenerated: Int?, wallTimeRatio: Double?,
                secondsPerIteration: Double, secondsPerGeneration: Double) {
        self.iterations = iterations
        self.dice = dice
        self.generatedDice = generatedDice
        self.iterationsToMatchGenerated = iterationsToMatchGenerated
        self.wallTimeRatio = wallTimeRatio
        self.secondsPerIteration = secondsPerIteration
        self.secondsPerGeneration = secondsPerGeneration
    }
}

/// Are generated networks more than copies of the zoo?
public struct Novelty: Codable, Sendable {
    /// Distance (RMS over parameters, after permutation alignment) from each generated network to its nearest zoo checkpoint.
    public var generatedToZoo: Estimate
    /// The same distance from held-out zoo final checkpoints to their nearest other-run checkpoint.
    public var zooToZoo: Estimate
    /// Whether distances were measured after aligning channel permutations.
    public var permutationAligned: Bool
    /// Overlap (Dice) of the error voxels of each generated network with those of its nearest zoo checkpoint.
    public var errorOverlap: Estimate

    public init(generatedToZoo: Estimate, zooToZoo: Estimate, permutationAligned: Bool, errorOverlap: Estimate) {
        self.generatedToZoo = generatedToZoo
        self.zooToZoo = zooToZoo
        self.permutationAligned = permutationAligned
        self.errorOverlap = errorOverlap
    }
}

/// One overlay image in the report.
public struct Overlay: Codable, Sendable {
    /// PNG path relative to the report folder.
    public var file: String
    public var caption: String
    public var dice: Double

    public init(file: String, caption: String, dice: Double) {
        self.file = file
        self.caption = caption
        self.dice = dice
    }
}

/// One generator for all tasks against one per task.
public struct MultiTaskComparison: Codable, Sendable {
    /// Per task: the shared generator's and the per-task generator's unseen-initialisation Dice.
    public var rows: [MultiTaskRow]
    /// One parameter set generated for one task, scored on every task's test cases.
    public var crossTask: [CrossTaskCell]

    public init(rows: [MultiTaskRow], crossTask: [CrossTaskCell]) {
        self.rows = rows
        self.crossTask = crossTask
    }
}

public struct MultiTaskRow: Codable, Sendable {
    public var task: String
    public var shared: Estimate
    public var perTask: Estimate

    public init(task: String, shared: Estimate, perTask: Estimate) {
        self.task = task
        self.shared = shared
        self.perTask = perTask
    }
}

public struct CrossTaskCell: Codable, Sendable {
    /// The task the network was prompted for and the task it is scored on.
    public var promptedTask: String
    public var scoredTask: String
    public var dice: Estimate

    public init(promptedTask: String, scoredTask: String, dice: Estimate) {
        self.promptedTask = promptedTask
        self.scoredTask = scoredTask
        self.dice = dice
    }
}
