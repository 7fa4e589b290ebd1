import Foundation
import Segmentation
import Zoo

/// Can generated networks beat the best checkpoint? Recursive prompting (each output fed
/// back as the next start, prompted with the best Dice again), prompting above the best from
/// the best checkpoint itself, and fine-tuning a generated network against fine-tuning the
/// best checkpoint for the same number of iterations.
enum BeyondTheBest {
    /// Returns the rows and the one-step generated parameters (k = 1) for reuse.
    static func rows(_ context: TaskContext, oneStep: [[Float]], oneStepDice: [Double]) throws -> [ComparisonRow] {
        let c = context.configuration
        var rows: [ComparisonRow] = []
        var current = oneStep, currentDice = oneStepDice
        rows.append(ComparisonRow(method: "recursive k = 1", detail: "one-step generation from the unseen initialisations",
                                  dice: Estimate(currentDice)))
        if c.recursiveDepth >= 2 {
            for k in 2...c.recursiveDepth {
                current = try context.generate(current, startDice: currentDice, prompts: current.map { _ in context.bestTestDice },
                                               seed: 11 + UInt64(k))
                currentDice = try current.map(context.testDice)
                rows.append(ComparisonRow(method: "recursive k = \(k)",
                                          detail: "the k − 1 output as the start, its measured Dice as the start prompt, the best Dice as the target",
                                          dice: Estimate(currentDice)))
            }
        }
        let above = min(1, context.bestTestDice + 0.02)
        let fromBest = try context.generate(Array(repeating: context.best.values, count: c.seeds),
                                            startDice: Array(repeating: context.best.record.testDice, count: c.seeds),
                                            prompts: Array(repeating: above, count: c.seeds), seed: 31)
        rows.append(ComparisonRow(method: "best checkpoint as start, prompted above the best",
                                  detail: String(format: "start = best checkpoint, target Dice %.3f; seeds vary the sampling noise", above),
                                  dice: Estimate(try fromBest.map(context.testDice))))
        let iterations = c.fineTuneIterations
        var recipe = context.best.run.hyperparameters
        recipe.learningRate /= 10
        let patchSize = context.zoo.plan.patchSize
        func fineTuned(_ starts: [[Float]]) throws -> [Double] {
            try parallelMap(starts.count) { index in
                let network = try context.generator.network(from: starts[index])
                var dice = 0.0
                try context.evaluator.train(network, hyperparameters: recipe, patchSize: patchSize, seed: 7_200_000 + UInt64(index),
                                            iterations: iterations, snapshotIterations: [iterations]) { snapshot in
                    dice = try context.evaluator.evaluate(snapshot.network).testDice
                }
                return dice
            }
        }
        let detail = "\(iterations) iterations of the best run's recipe at a tenth of its learning rate"
            + String(format: " (%@, lr %.3g, batch %d); seeds vary the batches", recipe.optimizer.rawValue, recipe.learningRate, recipe.batchSize)
        rows.append(ComparisonRow(method: "generated + \(iterations) iterations", detail: "one-step generated networks, then " + detail,
                                  dice: Estimate(try fineTuned(oneStep))))
        rows.append(ComparisonRow(method: "best checkpoint + \(iterations) iterations", detail: "the best checkpoint, then " + detail,
                                  dice: Estimate(try fineTuned(Array(repeating: context.best.values, count: c.seeds)))))
        return rows
    }
}
