import Foundation
import Generator

/// Every measurement of one task, in the order the report shows them.
enum TaskStudy {
    /// The task's results, and the one-step networks generated from its unseen initialisations
    /// (the multi-task comparison scores the same networks).
    static func run(_ context: TaskContext, reportFolder: URL) throws -> (experiment: TaskExperiment, oneStep: [[Float]]) {
        let c = context.configuration, log = context.log, task = context.task
        let prompts = context.unseenStarts.map { _ in context.bestPrompt }
        log("\(task): one-step generation from \(context.unseenStarts.count) unseen initialisations")
        let oneStep = try context.generate(context.unseenStarts, startDice: context.unseenStartDice, prompts: prompts)
        let oneStepDice = try context.testDice(oneStep)
        let timer = Date()
        _ = try context.generate([context.unseenStarts[0]], startDice: [context.unseenStartDice[0]], prompts: [context.bestPrompt])
        let secondsPerGeneration = Date().timeIntervalSince(timer)

        let learned = Set(try context.generator.description.learnedRunRecords(task: task, zoo: context.zoo).map(\.runIndex))
        let seenRuns = context.runs.filter { learned.contains($0.record.runIndex) }.prefix(c.seeds)
        let seenStarts = seenRuns.map { $0.checkpoints[0].values }
        let seenGenerated = try context.generate(Array(seenStarts), startDice: seenRuns.map { $0.checkpoints[0].record.validationDice },
                                                 prompts: seenStarts.map { _ in context.bestPrompt })
        let seenDice = try context.testDice(seenGenerated)

        log("\(task): baselines (best checkpoint, noise, weight averages)")
        var baselines = [
            ComparisonRow(method: "generated (one step)",
                          detail: "unseen initialisations prompted with the best checkpoint's validation Dice (at most the generator's best)",
                          dice: Estimate(oneStepDice)),
            ComparisonRow(method: "initialisation", detail: "the unseen initialisations themselves", dice: Estimate(context.unseenStartTestDice)),
        ]
        baselines += try Baselines.checkpointRows(context)
        log("\(task): training the unseen initialisations with the zoo's recipe")
        let (trainedRow, curve, trained) = try Baselines.trainingCurve(context, generatedDice: Estimate(oneStepDice).mean,
                                                              secondsPerGeneration: secondsPerGeneration)
        baselines.append(trainedRow)
        // The same starts trained again on another data order: the start fidelity training itself scores.
        let retrained = try context.recipeTrained(.retrained).map(\.final)

        log("\(task): beyond the best (recursive prompting, prompting above the best, fine-tuning)")
        let beyond = try BeyondTheBest.rows(context, oneStep: oneStep, oneStepDice: oneStepDice)
        log("\(task): prompt alignment")
        let alignment = try AlignmentStudy.measure(context)
        log("\(task): novelty (aligned distances to the zoo, error overlap)")
        let novelty = try NoveltyStudy.measure(context, generated: oneStep)
        log("\(task): memorisation audit (novelty, start dependence, start fidelity, the baselines' frontier)")
        let auditStart = Date()
        // Each start's successor under the start's own sampling noise, for start dependence.
        func fromNextStarts(_ starts: [[Float]], _ startDice: [Double], prompt: Double) throws -> [[Float]]? {
            starts.count < 2 ? nil : try context.generate(nextInRing(starts), startDice: nextInRing(startDice), prompts: starts.map { _ in prompt })
        }
        let audit = try MemorisationAuditor(generator: context.generator, task: task, zoo: context.zoo, evaluator: context.evaluator).audit(
            unseen: AuditedStarts(starts: context.unseenStarts, generated: oneStep, dice: oneStepDice, trained: trained.map(\.final), retrained: retrained,
                                  earlyStopped: trained.compactMap(\.earlyStopped),
                                  recipeAnswers: trained.compactMap { $0.answer(prompt: context.bestPrompt) },
                                  fromNextStart: try fromNextStarts(context.unseenStarts, context.unseenStartDice, prompt: context.bestPrompt)),
            seen: AuditedStarts(starts: Array(seenStarts), generated: seenGenerated, dice: seenDice,
                                trained: seenRuns.map { $0.checkpoints[$0.checkpoints.count - 1].values },
                                fromNextStart: try fromNextStarts(Array(seenStarts), seenRuns.map { $0.checkpoints[0].record.validationDice },
                                                                  prompt: context.bestPrompt)))
        log(String(format: "%@ (audit: %.0f s)", audit.conclusion, Date().timeIntervalSince(auditStart)))
        let overlays = try OverlayFigures.write(context, generated: oneStep[0], folder: reportFolder)
        let experiment = TaskExperiment(
            task: task, bestZooTestDice: context.bestTestDice, bestCheckpointTestDice: context.best.record.testDice,
            initialisation: Estimate(context.unseenStartTestDice), generatedUnseen: Estimate(oneStepDice), generatedSeen: Estimate(seenDice),
            baselines: baselines, beyondBest: beyond, alignment: alignment, trainingCurve: curve, novelty: novelty, overlays: overlays,
            audit: audit)
        return (experiment, oneStep)
    }
}
