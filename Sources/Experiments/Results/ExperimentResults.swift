import Foundation

/// Every number an experiment produces; the HTML report is rendered from this alone
/// (`results.json` beside `index.html`), so nothing in the report is written by hand.
public struct ExperimentResults: Codable, Sendable {
    /// What was run: the command line, data, zoo and generator settings, and when.
    public var setup: ExperimentSetup
    /// Wall time of each stage, in order (data, zoo, generators (or generator, when only the shared one trains), evaluation).
    public var stages: [StageTiming]
    /// One entry per task of the zoo.
    public var tasks: [TaskExperiment]
    /// One generator for all tasks against one generator per task, and one parameter set prompted for every task.
    public var multiTask: MultiTaskComparison?
    /// The conclusions stated plainly, each derived from the numbers above by the experiment.
    public var conclusions: [String]

    public init(setup: ExperimentSetup, stages: [StageTiming], tasks: [TaskExperiment], multiTask: MultiTaskComparison?,
                conclusions: [String]) {
        self.setup = setup
        self.stages = stages
        self.tasks = tasks
        self.multiTask = multiTask
        self.conclusions = conclusions
    }
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

/// A sample of values (one per seed) with its mean and 95% confidence interval (Student t).
public struct Estimate: Codable, Sendable {
    public var values: [Double]
    public var mean: Double
    public var lower: Double
    public var upper: Double

    /// The mean and t-interval of `values`; with fewer than two values the interval is the mean itself.
    public init(_ values: [Double]) {
        self.values = values
        let n = Double(values.count)
        // A local copy: the closure below may not capture `self` before every property is set.
        let mean = values.isEmpty ? .nan : values.reduce(0, +) / n
        self.mean = mean
        guard values.count >= 2 else {
            lower = mean
            upper = mean
            return
        }
        let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / (n - 1)
        let half = Estimate.tQuantile975(degreesOfFreedom: values.count - 1) * (variance / n).squareRoot()
        lower = mean - half
        upper = mean + half
    }

    /// The 97.5% quantile of Student's t: exact table to 30 degrees of freedom, the normal quantile beyond.
    static func tQuantile975(degreesOfFreedom df: Int) -> Double {
        let table: [Double] = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                               2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
                               2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042]
        return df >= 1 && df <= table.count ? table[df - 1] : 1.960
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
    /// Best test Dice of any zoo checkpoint (chosen by validation Dice: `bestCheckpointTestDice`; best of all: `bestZooTestDice`).
    public var bestZooTestDice: Double
    public var bestCheckpointTestDice: Double
    /// Test Dice of the unseen random initialisations themselves.
    public var initialisation: Estimate
    /// Generated networks from unseen initialisations, and from the zoo's own (seen) ones, prompted with `bestZooTestDice`.
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

    public init(task: String, bestZooTestDice: Double, bestCheckpointTestDice: Double, initialisation: Estimate,
                generatedUnseen: Estimate, generatedSeen: Estimate, baselines: [ComparisonRow], beyondBest: [ComparisonRow],
                alignment: PromptAlignment, trainingCurve: TrainingCurve, novelty: Novelty, overlays: [Overlay]) {
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
