import Foundation
import Generator
import Zoo

/// Does one generator serve several tasks? The shared generator's one-step Dice against a
/// generator trained on one task alone (same size and steps), from the same unseen
/// initialisations; and each task's generated networks scored on every task's test cases.
enum MultiTaskStudy {
    /// `shared` holds, per context, the shared generator's one-step networks from its unseen
    /// initialisations, and `sharedDice` their Dice on that task (both from `TaskStudy`).
    static func measure(contexts: [TaskContext], shared: [[[Float]]], sharedDice: [[Double]],
                        perTaskGenerators: [String: WeightGenerator]) throws -> MultiTaskComparison {
        var rows: [MultiTaskRow] = [], cells: [CrossTaskCell] = []
        for (context, (shared, sharedDice)) in zip(contexts, zip(shared, sharedDice)) {
            let prompts = context.unseenStarts.map { _ in context.bestPrompt }
            if let single = perTaskGenerators[context.task] {
                let tasks = context.unseenStarts.map { _ in 0 }
                let outputs = try single.generate(
                    starts: context.unseenStarts, tasks: tasks, startMetrics: context.unseenStartDice, targetMetrics: prompts,
                    startGradients: try single.startGradients(for: context.unseenStarts, tasks: tasks, evaluators: [context.evaluator]),
                    sampler: context.sampler, seed: 11)
                rows.append(MultiTaskRow(task: context.task, shared: Estimate(sharedDice),
                                         perTask: Estimate(try context.testDice(outputs))))
            }
            for other in contexts {
                let dice = other === context ? sharedDice
                    : try shared.map { try other.evaluator.testDice(try context.generator.network(from: $0)) }
                cells.append(CrossTaskCell(promptedTask: context.task, scoredTask: other.task, dice: Estimate(dice)))
            }
        }
        return MultiTaskComparison(rows: rows, crossTask: cells)
    }
}
