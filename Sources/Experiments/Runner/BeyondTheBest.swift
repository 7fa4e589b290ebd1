import Foundation
import Generator
import Segmentation
import TensorEngine
import Zoo

/// Can generated networks beat the best checkpoint? Recursive prompting (each output fed
/// back as the next start, prompted with the best Dice again), prompting above the best from
/// the zoo's best checkpoints, and fine-tuning a generated network against fine-tuning the
/// best checkpoint for the same number of iterations.
enum BeyondTheBest {
    /// The rows, starting with recursive k = 1 (the one-step networks given as `oneStep`).
    static func rows(_ context: TaskContext, oneStep: [[Float]], oneStepDice: [Double]) throws -> [ComparisonRow] {
        let c = context.configuration
        var rows: [ComparisonRow] = []
        var current = oneStep, currentDice = oneStepDice
        rows.append(ComparisonRow(method: "recursive k = 1", detail: "one-step generation from the unseen initialisations",
                                  dice: Estimate(currentDice)))
        if c.recursiveDepth >= 2 {
            for k in 2...c.recursiveDepth {
                // The start prompt is the previous output's validation Dice, as a user would measure it.
                current = try context.generate(current, startDice: try context.validationDice(current),
                                               prompts: current.map { _ in context.bestPrompt }, seed: 11 + UInt64(k))
                currentDice = try context.testDice(current)
                rows.append(ComparisonRow(method: "recursive k = \(k)",
                                          detail: "the k − 1 output as the start, its measured Dice as the start prompt, the best Dice as the target",
                                          dice: Estimate(currentDice)))
            }
        }
        // Good checkpoints as starts, prompted above the best: the best checkpoint of each of the
        // best runs (by validation Dice), so the comparison with the starts themselves is paired.
        let above = min(1, context.bestPrompt + 0.02)
        let topStarts = context.runs.sorted { Baselines.bestValidation($0.checkpoints) > Baselines.bestValidation($1.checkpoints) }
            .prefix(c.seeds).map { run in run.checkpoints.max { $0.record.validationDice < $1.record.validationDice }! }
        let improved = try context.generate(topStarts.map(\.values), startDice: topStarts.map(\.record.validationDice),
                                            prompts: topStarts.map { _ in above }, seed: 31, extrapolate: true)
        rows.append(ComparisonRow(method: "top checkpoints (the starts below)",
                                  detail: "the best checkpoint (by validation Dice) of each of the \(topStarts.count) best runs",
                                  dice: Estimate(topStarts.map(\.record.testDice))))
        rows.append(ComparisonRow(method: "top checkpoints as starts, prompted above the best",
                                  detail: String(format: "each of those checkpoints as the start, target Dice %.3f (the best validation Dice + 0.02)", above),
                                  dice: Estimate(try context.testDice(improved))))
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
                    dice = try context.evaluator.testDice(snapshot.network)
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
