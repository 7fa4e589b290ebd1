import Foundation
@testable import Experiments
@testable import Generator

/// A realistic two-task `ExperimentResults` for the report tests, with one NaN estimate (an empty sample)
/// and markup characters in text that must come out escaped.
enum SampleResults {
    static let overlayFile = "overlays/liver-seed0.png"
    static let missingOverlayFile = "overlays/spleen-missing.png"

    static func make() -> ExperimentResults {
        let setup = ExperimentSetup(command: "weightgen experiment --tasks liver,spleen --preset small --out report",
                                    date: "2025-05-01T12:00:00Z", dataset: "phantom-64 (synthetic)", tasks: ["liver", "spleen"],
                                    preset: "small", zooRuns: 20, checkpointsPerRun: 25, generatorConfiguration: "transformer d=256, 4 layers",
                                    generatorSteps: 20000, seeds: 5, testCases: 32)
        let stages = [StageTiming(stage: "phantom", seconds: 12.4), StageTiming(stage: "zoo", seconds: 5321.7),
                      StageTiming(stage: "generator", seconds: 2410.2), StageTiming(stage: "evaluation", seconds: 431.9),
                      StageTiming(stage: "report", seconds: 2.1)]
        let conclusions = ["One-step generation from unseen initialisations reaches 0.812 mean test Dice on liver, within 0.03 of the best zoo checkpoint.",
                           "Generated networks are not copies: their distance to the zoo (0.041) exceeds the zoo's own spread (0.035) & <errors differ>."]
        let multiTask = MultiTaskComparison(
            rows: [MultiTaskRow(task: "liver", shared: Estimate([0.79, 0.80, 0.81, 0.78, 0.80]), perTask: Estimate([0.81, 0.82, 0.80, 0.81, 0.83])),
                   MultiTaskRow(task: "spleen", shared: Estimate([0.70, 0.71, 0.69, 0.72, 0.70]), perTask: Estimate([0.72, 0.73, 0.71, 0.74, 0.72]))],
            crossTask: [CrossTaskCell(promptedTask: "liver", scoredTask: "liver", dice: Estimate([0.80, 0.79, 0.81])),
                        CrossTaskCell(promptedTask: "liver", scoredTask: "spleen", dice: Estimate([0.05, 0.04, 0.06])),
                        CrossTaskCell(promptedTask: "spleen", scoredTask: "liver", dice: Estimate([0.03, 0.02, 0.04])),
                        CrossTaskCell(promptedTask: "spleen", scoredTask: "spleen", dice: Estimate([0.71, 0.70, 0.72]))])
        return ExperimentResults(setup: setup, stages: stages,
                                 tasks: [task("liver", level: 0.84, overlays: [Overlay(file: overlayFile, caption: "liver, case 3 <slice 31>", dice: 0.83)]),
                                         task("spleen", level: 0.74, overlays: [Overlay(file: missingOverlayFile, caption: "spleen, case 1", dice: 0.71)])],
                                 multiTask: multiTask, learnedOptimizer: learnedOptimizer(), conclusions: conclusions)
    }

    static func task(_ name: String, level: Double, overlays: [Overlay]) -> TaskExperiment {
        let spread = [-0.02, 0.01, 0.0, 0.015, -0.005]
        func around(_ centre: Double) -> Estimate { Estimate(spread.map { centre + $0 }) }
        let baselines = [ComparisonRow(method: "generated (one step)", detail: "one generation from an unseen initialisation", dice: around(level - 0.03)),
                         ComparisonRow(method: "best checkpoint", detail: "zoo checkpoint with the best validation Dice", dice: Estimate([level - 0.01])),
                         ComparisonRow(method: "best checkpoint + 5% noise", detail: "Gaussian noise of 5% of each tensor's RMS", dice: around(level - 0.2)),
                         ComparisonRow(method: "uniform soup", detail: "average of the final checkpoints", dice: Estimate([]))]
        let beyond = (1...3).map { k in
            ComparisonRow(method: "recursive prompting k = \(k)", detail: "prompt with the previous generation's Dice \(k) times",
                          dice: around(level - 0.03 + 0.005 * Double(k)))
        }
        let points = (0..<5).flatMap { seed in
            [0.2, 0.4, 0.6, 0.8].map { prompt in
                PromptAlignment.Point(prompted: prompt, achieved: min(prompt * 0.95 + 0.01 * Double(seed), level), seed: seed)
            }
        }
        let iterations = [0, 10, 100, 1000, 10000]
        let curve = TrainingCurve(iterations: iterations,
                                  dice: [around(0.05), around(0.2), around(0.55), around(level - 0.05), around(level - 0.01)],
                                  generatedDice: level - 0.03, iterationsToMatchGenerated: 10000, wallTimeRatio: 412.5,
                                  secondsPerIteration: 0.021, secondsPerGeneration: 0.51)
        let novelty = Novelty(generatedToZoo: around(0.041), zooToZoo: around(0.035), permutationAligned: true, errorOverlap: around(0.62))
        return TaskExperiment(task: name, bestZooTestDice: level, bestCheckpointTestDice: level - 0.01, initialisation: around(0.05),
                              generatedUnseen: around(level - 0.03), generatedSeen: around(level - 0.02), baselines: baselines,
                              beyondBest: beyond, alignment: PromptAlignment(points: points, r2: around(0.9)), trainingCurve: curve,
                              novelty: novelty, overlays: overlays, audit: audit(name, level: level))
    }

    /// A learned optimiser for both tasks whose networks are new (novelty 0.7), the start's own
    /// (start dependence 0.6) and nearer the start's trained network than the start (fidelity (a) 0.8).
    static func learnedOptimizer() -> LearnedOptimizerExperiment {
        let tasks = [("liver", 0.84), ("spleen", 0.74)].map { name, level -> TaskGenerationResult in
            let unseen = [-0.02, 0.01, 0.0, 0.015, -0.005].map { level - 0.05 + $0 }
            return TaskGenerationResult(
                task: name, prompt: level + 0.05, bestCheckpointTestDice: level - 0.01, generatorBestDice: nil, unseen: unseen,
                seen: unseen.map { $0 + 0.01 }, unseenMedian: level - 0.05, seenMedian: level - 0.04, unseenRatio: (level - 0.05) / (level - 0.01),
                promptAlignmentUnseen: 0.81, promptAlignmentSeen: 0.77, alignmentCurvesUnseen: [], alignmentCurvesSeen: [],
                audit: audit(name, level: level - 0.05, novelty: 0.7, startDependence: 0.6, fidelity: 0.8),
                speed: GenerationSpeed(target: 0.9 * (level + 0.05), generatorSeconds: [1.5, nil], generatorCalls: [12, nil],
                                       trainingSeconds: [3.0, 2.5], ratio: Estimate([0.5]), generatorComputeSeconds: [0.6, nil],
                                       computeRatio: Estimate([0.2])))
        }
        return LearnedOptimizerExperiment(examples: 182, trainingSteps: 1500, maximumCalls: 32, history: .none, direction: .rule, learningRates: [0.0179, 0.00895],
                                          trainingSeconds: 79, evaluation: GeneratorEvaluation(
                                              tasks: tasks, seeds: 5, sampler: "learned optimiser, at most 32 calls", extrapolated: false, seconds: 90))
    }

    /// An audit of networks at `level`; by default near-copies (novelty 0.05) that ignore their start, on the frontier of noise baselines.
    static func audit(_ name: String, level: Double, novelty: Double = 0.05, startDependence: Double = 0.02,
                      fidelity: Double = 1.1) -> MemorisationAudit {
        func around(_ centre: Double) -> Estimate { Estimate([-0.02, 0.01, 0.0, 0.015, -0.005].map { centre + $0 }) }
        let kind = StartKindAudit(novelty: around(novelty), behaviouralOverlap: around(0.9), startDependence: around(startDependence),
                                  fidelityToStart: around(fidelity), fidelityAgainstOthers: around(0.95),
                                  retrainedFidelityToStart: around(0.55), retrainedFidelityAgainstOthers: around(0.25),
                                  earlyStoppedFidelityToStart: around(0.62), earlyStoppedFidelityAgainstOthers: around(0.3),
                                  fidelityToRecipeAnswer: around(0.41), fidelityAgainstOtherRecipeAnswers: around(0.2),
                                  recipeAnswerDice: around(level - 0.02), recipeAnswerNovelty: around(1.0), diceOverRecipeAnswer: around(-0.01),
                                  dice: around(level - 0.03))
        let frontier = MemorisationFrontier(points: [
            BaselinePoint(family: .noise, setting: "σ 0.05", dice: around(level - 0.02), novelty: around(0.06)),
            BaselinePoint(family: .average, setting: "k = 4", dice: around(0.3), novelty: around(0.5)),
            BaselinePoint(family: .initialisation, setting: "the unseen starts", dice: around(0.05), novelty: around(1.3)),
        ])
        let position = frontier.position(dice: kind.dice, novelty: kind.novelty)
        return MemorisationAudit(task: name, referenceDistance: 1.1, zooBehaviouralOverlap: around(0.6), unseen: kind, seen: kind,
                                 frontier: frontier, position: position,
                                 recipeAnswerPosition: frontier.position(dice: kind.recipeAnswerDice!, novelty: kind.recipeAnswerNovelty!),
                                 conclusion: "\(name): \(position.rawValue) the memorisation frontier")
    }
}
