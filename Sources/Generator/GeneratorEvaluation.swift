import Foundation
import Segmentation
import TensorEngine
import Zoo

/// How well a generator does on one task: G.pt's protocol, prompted with validation Dice and
/// reported on the zoo's test cases (which nothing here selects by).
public struct TaskGenerationResult: Codable, Sendable {
    public var task: String
    /// The prompt: the best validation Dice of any checkpoint of the task in the zoo.
    public var prompt: Double
    /// Test Dice of that checkpoint (the one a user would pick by validation Dice).
    public var bestCheckpointTestDice: Double
    /// Best validation Dice among the generator's training checkpoints: prompts above it are
    /// answered as this prompt unless the evaluation extrapolates.
    public var generatorBestDice: Double?
    /// Test Dice of networks generated from fresh initialisations (seeds not in the zoo).
    public var unseen: [Double]
    /// Test Dice of networks generated from the zoo's own initialisations.
    public var seen: [Double]
    public var unseenMedian: Double
    public var seenMedian: Double
    /// Median unseen test Dice over the best checkpoint's (`bestCheckpointTestDice`).
    public var unseenRatio: Double
    /// R² between prompted (validation) and achieved (test) Dice over prompts from the best value down to the start's, averaged over starts.
    public var promptAlignmentUnseen: Double
    public var promptAlignmentSeen: Double
    /// The prompts and achieved Dice behind the R² values, one curve per start.
    public var alignmentCurvesUnseen: [AlignmentCurve]
    public var alignmentCurvesSeen: [AlignmentCurve]
    /// Novelty, behavioural novelty, start dependence and start fidelity of the networks
    /// generated at the prompt, the baselines' frontier and the verdict (nil when not asked for).
    public var audit: MemorisationAudit?
    /// Time to a trained network against training with the zoo's recipe (for generators that measure it).
    public var speed: GenerationSpeed? = nil
}

/// How long a generator takes from a start to 0.9 × the prompt (validation Dice) against
/// training the same start with the zoo's best run's recipe, both measured in one run.
public struct GenerationSpeed: Codable, Sendable {
    /// The validation Dice both must reach: 0.9 × the prompt.
    public var target: Double
    /// Seconds of the generator (all its calls and checks) per start; nil where it never reached the target.
    public var generatorSeconds: [Double?]
    /// Calls the generator made to reach the target per start.
    public var generatorCalls: [Int?]
    /// Validation checks the generator made to reach the target per start (nil where it never
    /// did; nil throughout in results written before they were counted).
    public var generatorChecks: [Int?]? = nil
    /// Seconds of recipe training (validation checks left out) per start; nil where it never reached the target.
    public var trainingSeconds: [Double?]
    /// The recipe's iterations to the target per start, beside `generatorCalls`: the time ratio is
    /// the calls per iteration times a call's cost over an iteration's (nil where it never
    /// reached the target; nil throughout in results written before it was recorded).
    public var trainingIterations: [Int?]? = nil
    /// Generator seconds over training seconds, per start where both reached the target.
    public var ratio: Estimate
    /// Seconds of the generator's calls alone per start, its validation checks left out as the
    /// recipe's are (nil where it never reached the target; nil throughout in results written before it was measured).
    public var generatorComputeSeconds: [Double?]? = nil
    /// The calls' seconds over training seconds, per start where both reached the target: the
    /// comparison with the checks on neither side.
    public var computeRatio: Estimate? = nil
}

/// Achieved Dice of networks generated from one start at a range of prompts.
public struct AlignmentCurve: Codable, Sendable {
    public var startMetric: Double
    public var prompts: [Double]
    public var achieved: [Double]
    public var coefficientOfDetermination: Double
}

/// The evaluation of a generator over its tasks.
public struct GeneratorEvaluation: Codable, Sendable {
    public var tasks: [TaskGenerationResult]
    public var seeds: Int
    public var sampler: String
    /// Whether prompts above the generator's training data were passed on unchanged.
    public var extrapolated: Bool?
    public var seconds: Double
}

extension WeightGenerator {
    /// For each task: networks generated from `seeds` unseen and `seeds` seen initialisations
    /// (of runs the generator learned from), prompted with the zoo's best validation Dice,
    /// measured on the zoo's test cases; and prompt alignment over 20 prompts on `alignmentStarts`
    /// starts of each kind. `extrapolate` passes prompts above the generator's training data
    /// on unchanged (see `attainablePrompt`).
    /// With `fidelityStarts` (nil: no audit) it also audits memorisation (`MemorisationAuditor`),
    /// training that many unseen starts with the recipe of the best checkpoint's run for start
    /// fidelity (in `recipeTrainings`, which keeps them for other evaluations of the same starts).
    public func evaluate(on zoo: Zoo, seeds: Int = 16, alignmentStarts: Int = 4, sampler: DiffusionSampler = .ddim(steps: 50),
                         extrapolate: Bool = false, fidelityStarts: Int? = 4, recipeTrainings: RecipeTrainings = RecipeTrainings(),
                         progress: (String) -> Void = { _ in }) throws -> GeneratorEvaluation {
        let start = Date()
        let layout = description.normalizer.layout
        var results: [TaskGenerationResult] = []
        let evaluators = try description.tasks.map { try TaskEvaluator(zoo: zoo, task: $0) }
        for (taskIndex, task) in description.tasks.enumerated() {
            let evaluator = evaluators[taskIndex]
            let runs = try zoo.runs(task: task, status: .done).filter { $0.source.hasTrajectory }
            // The prompt and the reference checkpoint are chosen by validation Dice; the test cases only report.
            let bestCheckpoint = try bestCheckpointByValidation(of: runs, in: zoo)
            let best = bestCheckpoint?.validationDice ?? 0, bestTest = bestCheckpoint?.testDice ?? 0
            let unseenStarts = try unseenInitialisationSeeds(count: seeds, avoiding: runs).map { try layout.flatten(try PlainConvUNet(description.architecture, seed: $0)) }
            let unseenMetrics = try unseenStarts.map { try evaluator.selectionMetrics(try network(from: $0)).validationDice }
            let training = try description.learnedRunRecords(task: task, zoo: zoo).prefix(seeds)
            var seenStarts: [[Float]] = [], seenMetrics: [Double] = [], seenFinals: [[Float]] = []
            for run in training {
                let checkpoints = try zoo.parameters(of: run)
                seenStarts.append(checkpoints[0].values)
                seenMetrics.append(checkpoints[0].record.validationDice)
                seenFinals.append(checkpoints[checkpoints.count - 1].values)
            }
            func networks(_ starts: [[Float]], _ metrics: [Double], prompts: [Double]) throws -> [[Float]] {
                let tasks = starts.map { _ in taskIndex }
                return try generate(starts: starts, tasks: tasks, startMetrics: metrics, targetMetrics: prompts,
                                    startGradients: try startGradients(for: starts, tasks: tasks, evaluators: evaluators),
                                    sampler: sampler, seed: 11, extrapolate: extrapolate)
            }
            func generated(_ starts: [[Float]], _ metrics: [Double], prompts: [Double]) throws -> (networks: [[Float]], dice: [Double]) {
                let outputs = try networks(starts, metrics, prompts: prompts)
                return (outputs, try outputs.map { output in try assembly.withNetwork(output) { try evaluator.testDice($0) } })
            }
            // Each start's successor under the start's own noise, for start dependence.
            func fromNextStarts(_ starts: [[Float]], _ metrics: [Double]) throws -> [[Float]]? {
                starts.count < 2 ? nil : try networks(nextInRing(starts), nextInRing(metrics), prompts: starts.map { _ in best })
            }
            func achieved(_ starts: [[Float]], _ metrics: [Double], prompts: [Double]) throws -> [Double] {
                try generated(starts, metrics, prompts: prompts).dice
            }
            let unseenGenerated = try generated(unseenStarts, unseenMetrics, prompts: unseenStarts.map { _ in best })
            let seenGenerated: (networks: [[Float]], dice: [Double]) = seenStarts.isEmpty ? ([], [])
                : try generated(seenStarts, seenMetrics, prompts: seenStarts.map { _ in best })
            let unseen = unseenGenerated.dice, seen = seenGenerated.dice
            func alignment(_ starts: [[Float]], _ metrics: [Double]) throws -> [AlignmentCurve] {
                try zip(starts, metrics).prefix(alignmentStarts).map { values, metric in
                    let prompts = (0..<20).map { best - (best - metric) * Double($0) / 19 }
                    let got = try achieved(Array(repeating: values, count: 20), Array(repeating: metric, count: 20), prompts: prompts)
                    return AlignmentCurve(startMetric: metric, prompts: prompts, achieved: got,
                                          coefficientOfDetermination: coefficientOfDetermination(prompted: prompts, achieved: got))
                }
            }
            func meanScore(_ curves: [AlignmentCurve]) -> Double {
                curves.isEmpty ? .nan : curves.map(\.coefficientOfDetermination).reduce(0, +) / Double(curves.count)
            }
            let curvesUnseen = try alignment(unseenStarts, unseenMetrics), curvesSeen = try alignment(seenStarts, seenMetrics)
            var audit: MemorisationAudit?
            if let fidelityStarts {
                progress("\(task): memorisation audit (training \(min(fidelityStarts, unseenStarts.count)) unseen starts with the zoo's recipe)")
                let recipeRun = runs.first { $0.id == bestCheckpoint?.runId } ?? runs[0]
                func recipeTrained(_ order: RecipeDataOrder) throws -> [RecipeTraining] {
                    try recipeTrainings.train(Array(unseenStarts.prefix(fidelityStarts)), task: task, run: recipeRun, order: order,
                                              patchSize: zoo.plan.patchSize, evaluator: evaluator, assembly: assembly)
                }
                let measured = try recipeTrained(.trained), retrained = try recipeTrained(.retrained).map(\.final)
                let auditor = try MemorisationAuditor(generator: self, task: task, zoo: zoo, evaluator: evaluator)
                audit = try auditor.audit(
                    unseen: AuditedStarts(starts: unseenStarts, generated: unseenGenerated.networks, dice: unseen, trained: measured.map(\.final),
                                          retrained: retrained, earlyStopped: measured.compactMap(\.earlyStopped),
                                          recipeAnswers: measured.compactMap { $0.answer(prompt: best) }, fromNextStart: try fromNextStarts(unseenStarts, unseenMetrics)),
                    seen: AuditedStarts(starts: seenStarts, generated: seenGenerated.networks, dice: seen, trained: seenFinals,
                                        fromNextStart: try fromNextStarts(seenStarts, seenMetrics)))
                progress(audit!.conclusion)
            }
            let result = TaskGenerationResult(
                task: task, prompt: best, bestCheckpointTestDice: bestTest,
                generatorBestDice: description.configuration.data.metric == .validationDice ? description.bestMetric[task] : nil,
                unseen: unseen, seen: seen, unseenMedian: median(unseen), seenMedian: median(seen),
                unseenRatio: bestTest > 0 ? median(unseen) / bestTest : 0,
                promptAlignmentUnseen: meanScore(curvesUnseen), promptAlignmentSeen: meanScore(curvesSeen),
                alignmentCurvesUnseen: curvesUnseen, alignmentCurvesSeen: curvesSeen, audit: audit)
            progress(String(format: "%@: prompt %.4f (best validation Dice); that checkpoint's test Dice %.4f; "
                                + "generated median unseen %.4f (%.2f×), seen %.4f; R² unseen %.2f, seen %.2f",
                            task, best, bestTest, result.unseenMedian, result.unseenRatio, result.seenMedian, result.promptAlignmentUnseen,
                            result.promptAlignmentSeen))
            results.append(result)
        }
        let samplerName: String
        switch sampler {
        case .ddpm: samplerName = "ddpm"
        case let .ddim(steps): samplerName = "ddim-\(steps)"
        }
        return GeneratorEvaluation(tasks: results, seeds: seeds, sampler: samplerName, extrapolated: extrapolate,
                                   seconds: Date().timeIntervalSince(start))
    }
}

/// The checkpoint of `runs` with the best validation Dice: what a prompt names and a user would pick.
func bestCheckpointByValidation(of runs: [RunRecord], in zoo: Zoo) throws -> CheckpointRecord? {
    var best: CheckpointRecord?
    for run in runs {
        for checkpoint in try zoo.checkpoints(run: run.id!) where checkpoint.validationDice > (best?.validationDice ?? -1) {
            best = checkpoint
        }
    }
    return best
}

/// The zoo run of `task` whose recipe a generation stands for and whose data order is a training
/// run's own: of the runs finished with a recorded trajectory (an imported model's recipe cannot be
/// replayed), the one whose checkpoint has the best validation Dice. Throws where none has a checkpoint.
public func recipeRun(task: String, in zoo: Zoo) throws -> RunRecord {
    let runs = try zoo.runs(task: task, status: .done).filter(\.source.hasTrajectory)
    guard let best = try bestCheckpointByValidation(of: runs, in: zoo), let run = runs.first(where: { $0.id == best.runId }) else {
        throw GeneratorError.incompatible("the zoo at \(zoo.folder.path) has no \(task) checkpoint to choose a recipe by")
    }
    return run
}

/// Seeds of initialisations no zoo run started from: the first `count` from 7,000,000 on that
/// none of `runs` used. Every evaluation of "unseen" starts draws them from here.
public func unseenInitialisationSeeds(count: Int, avoiding runs: [RunRecord]) -> [UInt64] {
    let used = Set(runs.map { UInt64(bitPattern: $0.seed) })
    var seeds: [UInt64] = [], candidate: UInt64 = 7_000_000
    while seeds.count < count {
        if !used.contains(candidate) { seeds.append(candidate) }
        candidate += 1
    }
    return seeds
}

/// G.pt's prompt alignment: R² of achieved against prompted values about the identity line.
public func coefficientOfDetermination(prompted: [Double], achieved: [Double]) -> Double {
    let mean = prompted.reduce(0, +) / Double(max(prompted.count, 1))
    let total = prompted.map { ($0 - mean) * ($0 - mean) }.reduce(0, +)
    let residual = zip(prompted, achieved).map { ($0 - $1) * ($0 - $1) }.reduce(0, +)
    return total > 0 ? 1 - residual / total : .nan
}

func median(_ values: [Double]) -> Double {
    guard !values.isEmpty else { return .nan }
    let sorted = values.sorted()
    return (sorted[(sorted.count - 1) / 2] + sorted[sorted.count / 2]) / 2
}
