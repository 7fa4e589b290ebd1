import Foundation
import Segmentation
import TensorEngine
import Zoo

/// The share of the prompt whose first reaching an evaluation times (`GenerationSpeed.target`).
private let speedShare = 0.9

extension LearnedOptimizer {
    /// What an evaluation's generations read unless told: a recipe's batches for a rule
    /// distilled on its runs' batches (it reads nothing else), fresh draws for any other.
    public var defaultEvaluationData: EvaluationData {
        description.configuration.gradient.readsRunBatches ? .recipeBatches : .freshDraws
    }

    /// The generator protocol of `WeightGenerator.evaluate` for the learned optimiser: per task,
    /// networks from `seeds` unseen and `seeds` seen initialisations prompted with the zoo's best
    /// validation Dice (test Dice reported), prompt alignment over 20 prompts on `alignmentStarts`
    /// starts of each kind (one trajectory per start answers every prompt), the memorisation
    /// audit against the runs it was distilled from with `fidelityStarts` unseen starts trained
    /// by the best run's recipe, and the time to 0.9 × the prompt against that training (both
    /// from `recipeTrainings`, which trains what it has not trained before). The generations read
    /// `data` (by default what the rule was distilled on: `defaultEvaluationData`); a prompt a
    /// generation does not reach is answered as `answer` says (the recipe's own answer, which the
    /// audit compares with, stays its best validation network), the networks checked on the way
    /// being those `checks` names (nil: every call's). With `rerunMean` K > 0 the audit
    /// also measures the mean of K more recipe trainings from each of those starts on other data
    /// orders (`RecipeDataOrder.rerun`). With `generations` K > 1 every start is answered by the
    /// mean of K generations on fresh-draw streams `firstStream` ..< `firstStream` + K
    /// (`MeanOfGenerations`), timed by their summed cost. Under `streams` `.shared` every start
    /// reads the same streams, so that start dependence is measured under one sampling noise; a
    /// figure averaged over starts is then one data order's, and other first streams give others.
    /// Under `.perStart` start s reads streams `firstStream` + sK ..< `firstStream` + (s + 1)K
    /// (unseen starts first, then seen ones), and start dependence compares its answer with the
    /// answer its successor gives on those streams. With `averagedNetworks` K > 1
    /// every generation answers with the mean of its answered network and the K − 1 before it
    /// (`UpdateTrajectory.mean(endingAt:count:)`). With `forkedCalls` N > 0 the K generations of a
    /// start run apart for their first N calls only, and their mean goes on alone
    /// (`GenerationData.forkedDraws`). With `boundedChecks` a check stops as soon as the network is
    /// certain to lie below 0.9 × the prompt, the lowest Dice the evaluation reads
    /// (`CheckExtent.untilCertainlyBelow`); prompt alignment, which reads lower ones, is then refused.
    public func evaluate(on zoo: Zoo, seeds: Int = 16, alignmentStarts: Int = 4, fidelityStarts: Int = 4,
                         data: EvaluationData? = nil, answer: GenerationAnswer = .best, checks: ValidationChecks? = nil,
                         rerunMean: Int = 0, generations: Int = 1, firstStream: Int = 0,
                         streams: StreamSharing = .shared, averagedNetworks: Int = 1, forkedCalls: Int = 0, boundedChecks: Bool = false,
                         recipeTrainings: RecipeTrainings = RecipeTrainings(),
                         progress: (String) -> Void = { _ in }) throws -> GeneratorEvaluation {
        guard (0...RecipeDataOrder.reruns).contains(rerunMean), rerunMean == 0 || fidelityStarts > 0 else {
            throw GeneratorError.incompatible("--rerun-mean \(rerunMean): the mean takes 0 to \(RecipeDataOrder.reruns) reruns "
                                              + "of each fidelity start, so with reruns --fidelity-starts must be 1 or more")
        }
        // Contradictory options are refused before any work.
        _ = try answer.stop(reaching: 0, checks: checks, extent: boundedChecks ? .untilCertainlyBelow(0) : nil)
        guard !boundedChecks || alignmentStarts == 0 else {
            throw GeneratorError.incompatible("--bounded-checks leaves networks below 0.9 × the prompt unmeasured, and prompt alignment "
                                              + "answers lower prompts from them: use --alignment-starts 0")
        }
        let data = data ?? defaultEvaluationData
        guard generations >= 1, generations == 1 || data == .freshDraws else {
            throw GeneratorError.incompatible("--generations \(generations): a start is answered by the mean of 1 or more generations, "
                                              + "more than one only on fresh draws (each its own stream; a recipe's batches are one data order)")
        }
        guard firstStream >= 0, firstStream == 0 || data == .freshDraws else {
            throw GeneratorError.incompatible("--first-stream \(firstStream): fresh-draw streams are numbered from 0, "
                                              + "and only generations on fresh draws read them (a recipe's batches are its own data order)")
        }
        guard streams == .shared || data == .freshDraws else {
            throw GeneratorError.incompatible("--streams \(streams.rawValue): only generations on fresh draws read streams "
                                              + "(a recipe's batches are their start's own data order)")
        }
        guard forkedCalls == 0 || (generations > 1 && (1..<description.configuration.maximumCalls).contains(forkedCalls)) else {
            throw GeneratorError.incompatible("--forked-calls \(forkedCalls): the generations of a start (--generations 2 or more) "
                                              + "run apart for 1 to \(description.configuration.maximumCalls - 1) calls, their mean then going on alone")
        }
        guard averagedNetworks >= 1 else {
            throw GeneratorError.incompatible("--average-last \(averagedNetworks): an answer is the mean of 1 or more of a generation's last networks")
        }
        let began = Date()
        let layout = assembly.layout
        var results: [TaskGenerationResult] = []
        for (taskIndex, task) in description.tasks.enumerated() {
            let evaluator = try TaskEvaluator(zoo: zoo, task: task)
            let runs = try zoo.runs(task: task, status: .done).filter { $0.source.hasTrajectory }
            // The prompt and the reference checkpoint are chosen by validation Dice; the test cases only report.
            let bestCheckpoint = try bestCheckpointByValidation(of: runs, in: zoo)
            let prompt = bestCheckpoint?.validationDice ?? 0, bestTest = bestCheckpoint?.testDice ?? 0
            // The runs it was distilled from, however the zoo has grown since (re-selected for an optimiser saved without them).
            let training = try description.distilledRuns?[task].map { try RunPool.recordedRuns(zoo: zoo, task: task, indices: $0) }
                ?? LearnedOptimizerTrainer.distilledRuns(zoo: zoo, task: task, configuration: description.configuration,
                                                         heldOut: description.heldOutRuns).distilled
            let unseenStarts = try unseenInitialisationSeeds(count: seeds, avoiding: runs).map {
                try layout.flatten(try PlainConvUNet(description.architecture, seed: $0))
            }
            let seenRuns = try training.prefix(seeds).map { try zoo.parameters(of: $0) }
            let seenStarts = seenRuns.map { $0[0].values }
            progress("\(task): \((unseenStarts.count + seenStarts.count) * generations * (streams == .perStart ? 2 : 1)) generations"
                     + (forkedCalls > 0 ? " (apart for their first \(forkedCalls) calls, then \(generations) by \(generations) as one)" : "") + ", prompt \(String(format: "%.4f", prompt))")
            let starts = unseenStarts + seenStarts
            let recipeRun = runs.first { $0.id == bestCheckpoint?.runId } ?? runs[0]
            // Generation j of start s reads stream j of its fresh draws, or that start's recipe batches.
            let startData: [[GenerationData]] = switch data {
            case .freshDraws:
                starts.indices.map { s in
                    let first = firstStream + (streams == .perStart ? s * generations : 0)
                    return forkedCalls > 0 ? [.forkedDraws(streams: first..<(first + generations), calls: forkedCalls)]
                        : (first..<(first + generations)).map { .freshDraws(stream: $0) }
                }
            case .recipeBatches:
                unseenStarts.indices.map { [.recipeBatches(recipeRun.hyperparameters, seed: RecipeDataOrder.trained.seed(start: $0))] }
                    + training.prefix(seeds).map { [.recipeBatches($0.hyperparameters, seed: UInt64(bitPattern: $0.seed))] }
            }
            // Generations and the recipe's trainings are timed on the head alone, as the zoo's runs were.
            try evaluator.precomputeFrozenPart(try assembly.network(starts[0]))
            // Under per-start streams each start's successor (in its kind's ring) is also generated on the start's streams.
            let successor = nextInRing(Array(unseenStarts.indices)) + nextInRing(Array(unseenStarts.count..<starts.count))
            let generating = streams == .perStart ? [Array(starts.indices), successor] : [Array(starts.indices)]
            let jobs = generating.flatMap { from in startData.indices.flatMap { s in startData[s].map { (start: from[s], data: $0) } } }
            let stop = try answer.stop(reaching: prompt, checks: checks, extent: boundedChecks ? .untilCertainlyBelow(speedShare * prompt) : nil)
            let trajectories = try parallelMap(jobs.count) {
                try trajectory(from: starts[jobs[$0].start], task: taskIndex, evaluator: evaluator, stop: stop, data: jobs[$0].data)
            }
            // Every start has the same number of them (one on a recipe's batches or forked draws), in order; then, per start, its successor's.
            let perStart = startData[0].count
            let allMeans = stride(from: 0, to: jobs.count, by: perStart).map { MeanOfGenerations(Array(trajectories[$0..<($0 + perStart)])) }
            let means = Array(allMeans.prefix(starts.count))
            let answers = allMeans.map { $0.answer(prompt: prompt, choice: answer, averagedNetworks: averagedNetworks) }
            let generated = Array(answers.prefix(starts.count))
            let fromNextStart = streams == .perStart ? Array(answers.dropFirst(starts.count)) : nil
            let dice = try parallelMap(generated.count) { try assembly.withNetwork(generated[$0]) { try evaluator.testDice($0) } }
            let unseen = Array(dice.prefix(unseenStarts.count)), seen = Array(dice.dropFirst(unseenStarts.count))
            func alignment(_ kind: ArraySlice<MeanOfGenerations>) throws -> [AlignmentCurve] {
                try kind.prefix(alignmentStarts).map { mean in
                    // A generation that reached its prompt never checked its start; the curve needs it.
                    let startMetric = try mean.startValidationDice
                        ?? assembly.withNetwork(mean.trajectories[0].networks[0]) { try evaluator.validationDice($0) }
                    let prompts = (0..<20).map { prompt - (prompt - startMetric) * Double($0) / 19 }
                    let achieved = try prompts.map { try assembly.withNetwork(mean.answer(prompt: $0, choice: answer, averagedNetworks: averagedNetworks)) { try evaluator.testDice($0) } }
                    return AlignmentCurve(startMetric: startMetric, prompts: prompts, achieved: achieved,
                                          coefficientOfDetermination: coefficientOfDetermination(prompted: prompts, achieved: achieved))
                }
            }
            func meanScore(_ curves: [AlignmentCurve]) -> Double {
                curves.isEmpty ? .nan : curves.map(\.coefficientOfDetermination).reduce(0, +) / Double(curves.count)
            }
            let curvesUnseen = try alignment(means.prefix(unseenStarts.count))
            let curvesSeen = try alignment(means.dropFirst(unseenStarts.count))
            progress("\(task): training \(min(fidelityStarts, unseenStarts.count)) unseen starts with the zoo's recipe (start fidelity, time to target)")
            func recipeTrained(_ order: RecipeDataOrder) throws -> [RecipeTraining] {
                try recipeTrainings.train(Array(unseenStarts.prefix(fidelityStarts)), task: task, run: recipeRun, order: order,
                                          patchSize: zoo.plan.patchSize, evaluator: evaluator, assembly: assembly)
            }
            let trained = try recipeTrained(.trained), retrained = try recipeTrained(.retrained).map(\.final)
            let reruns = try (0..<rerunMean).map { try recipeTrained(.rerun($0)).map(\.final) }
            let target = speedShare * prompt
            let reached = means.prefix(trained.count).map { $0.cost(toReach: target) }
            let generatorSeconds = reached.map { $0?.seconds }
            let computeSeconds = reached.map { $0.map { $0.seconds - $0.checkSeconds } }
            let trainingSeconds = trained.map { $0.secondsToReach(target) }
            func ratios(_ generator: [Double?]) -> Estimate {
                Estimate(zip(generator, trainingSeconds).compactMap { g, t -> Double? in
                    guard let g, let t, t > 0 else { return nil }
                    return g / t
                })
            }
            let speed = GenerationSpeed(target: target, generatorSeconds: generatorSeconds, generatorCalls: reached.map { $0?.calls },
                                        generatorChecks: reached.map { $0?.checks },
                                        trainingSeconds: trainingSeconds, trainingIterations: trained.map { $0.iterationsToReach(target) },
                                        ratio: ratios(generatorSeconds),
                                        generatorComputeSeconds: computeSeconds, computeRatio: ratios(computeSeconds))
            progress("\(task): memorisation audit")
            let auditor = try MemorisationAuditor(task: task, learned: try LearnedNetworks.of(training, task: task, zoo: zoo),
                                                  normalizer: description.normalizer, architecture: description.architecture,
                                                  assembly: assembly, evaluator: evaluator)
            let audit = try auditor.audit(
                unseen: AuditedStarts(starts: unseenStarts, generated: Array(generated.prefix(unseenStarts.count)), dice: unseen,
                                      trained: trained.map(\.final), retrained: retrained, earlyStopped: trained.compactMap(\.earlyStopped),
                                      recipeAnswers: trained.compactMap { $0.answer(prompt: prompt) },
                                      rerunMean: reruns.isEmpty || trained.isEmpty ? nil : RerunMean(of: reruns),
                                      fromNextStart: fromNextStart.map { Array($0.prefix(unseenStarts.count)) }),
                seen: AuditedStarts(starts: seenStarts, generated: Array(generated.dropFirst(unseenStarts.count)), dice: seen,
                                    trained: seenRuns.map { $0[$0.count - 1].values },
                                    fromNextStart: fromNextStart.map { Array($0.dropFirst(unseenStarts.count)) }))
            progress(audit.conclusion)
            let result = TaskGenerationResult(
                task: task, prompt: prompt, bestCheckpointTestDice: bestTest, generatorBestDice: nil,
                unseen: unseen, seen: seen, unseenMedian: median(unseen), seenMedian: median(seen),
                unseenRatio: bestTest > 0 ? median(unseen) / bestTest : 0,
                promptAlignmentUnseen: meanScore(curvesUnseen), promptAlignmentSeen: meanScore(curvesSeen),
                alignmentCurvesUnseen: curvesUnseen, alignmentCurvesSeen: curvesSeen, audit: audit, speed: speed)
            progress(String(format: "%@: prompt %.4f; that checkpoint's test Dice %.4f; generated median unseen %.4f (%.2f×), seen %.4f; "
                                + "R² unseen %.2f, seen %.2f; time to %.3f validation Dice %.2f× the recipe's (the calls alone %.2f×)",
                            task, prompt, bestTest, result.unseenMedian, result.unseenRatio, result.seenMedian, result.promptAlignmentUnseen,
                            result.promptAlignmentSeen, target, speed.ratio.mean, speed.computeRatio?.mean ?? .nan))
            results.append(result)
        }
        let answering = switch answer {
        case .best: ""
        case .final: ", answering with its last network"
        case .unchecked: ", every call made unchecked, its last network answering"
        }
        let checking = switch checks ?? .everyCall {
        case .everyCall: ""
        case let .everyNthCall(n): ", checking the network after every \(n)th call"
        case let .whenBatchDiceReaches(fraction): ", checking a network only where its call's batch Dice reached \(fraction) × the prompt"
        }
        return GeneratorEvaluation(tasks: results, seeds: seeds, sampler: "learned optimiser, at most \(description.configuration.maximumCalls) calls"
                                       + (data == .recipeBatches ? ", reading the recipe's batches" : "")
                                       + (generations > 1 ? ", the mean of \(generations) generations per start" : "")
                                       + (forkedCalls > 0 ? " taken after \(forkedCalls) calls and going on alone" : "")
                                       + (firstStream > 0 ? ", fresh draws from stream \(firstStream)" : "")
                                       + (streams == .perStart ? ", each start on its own streams" : "")
                                       + (averagedNetworks > 1 ? ", each answer the mean of a generation's last \(averagedNetworks) networks" : "")
                                       + answering + checking,
                                   extrapolated: false, seconds: Date().timeIntervalSince(began))
    }
}
