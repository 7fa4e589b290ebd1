import Foundation
import Generator
import Segmentation
import TensorEngine
import Zoo

/// The honest alternatives to one-step generation: the best checkpoint itself, that
/// checkpoint with noise, weight averages of good checkpoints, and training the same
/// initialisations with the zoo's recipe.
enum Baselines {
    /// Rows (a)–(c): the best checkpoint; it plus Gaussian noise at 1%, 5% and 10% of each
    /// tensor's standard deviation; uniform averages of the top-5 checkpoints within a run
    /// (for the best runs) and across runs (best checkpoint of 5 good runs, with and without
    /// aligning their channels first).
    static func checkpointRows(_ context: TaskContext) throws -> [ComparisonRow] {
        let seeds = context.configuration.seeds
        var rows = [ComparisonRow(method: "best checkpoint", detail: "the zoo checkpoint with the best validation Dice "
                                    + "(run \(context.best.run.runIndex), iteration \(context.best.record.iteration)); one network",
                                  dice: Estimate([context.best.record.testDice]))]
        let layout = context.generator.description.normalizer.layout
        for fraction in [0.01, 0.05, 0.10] {
            let dice = try parallelMap(seeds) { seed -> Double in
                var rng = SeededGenerator(seed: 500 + UInt64(seed))
                var values = context.best.values
                for entry in layout.entries {
                    let slice = values[entry.offset..<(entry.offset + entry.count)]
                    let mean = slice.reduce(0, +) / Float(entry.count)
                    let std = (slice.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(max(entry.count, 1))).squareRoot()
                    for i in entry.offset..<(entry.offset + entry.count) { values[i] += Float(fraction) * std * rng.nextNormal() }
                }
                return try context.testDice(values)
            }
            rows.append(ComparisonRow(method: String(format: "best checkpoint + %.0f%% noise", fraction * 100),
                                      detail: "Gaussian noise of \(Int(fraction * 100))% of each tensor's standard deviation, one draw per seed",
                                      dice: Estimate(dice)))
        }
        let ranked = context.runs.sorted { bestValidation($0.checkpoints) > bestValidation($1.checkpoints) }
        let withinRun = try parallelMap(min(seeds, ranked.count)) { index -> Double in
            let top = ranked[index].checkpoints.sorted { $0.record.validationDice > $1.record.validationDice }.prefix(5).map(\.values)
            return try context.testDice(average(Array(top)))
        }
        rows.append(ComparisonRow(method: "top-5 average within a run", detail: "uniform average of a run's 5 best checkpoints "
                                    + "(by validation Dice), for the \(withinRun.count) best runs", dice: Estimate(withinRun)))
        let pool = Array(ranked.prefix(max(5, ranked.count / 2)))
        for aligned in [false, true] {
            let dice = try parallelMap(seeds) { seed -> Double in
                var rng = SeededGenerator(seed: 900 + UInt64(seed))
                let members = Array(pool.indices).shuffled(using: &rng).prefix(5).map { index in
                    pool[index].checkpoints.max { $0.record.validationDice < $1.record.validationDice }!.values
                }
                let reference = members[0]
                return try context.testDice(average(aligned ? members.map { context.permutation.align($0, to: reference) } : members))
            }
            rows.append(ComparisonRow(
                method: aligned ? "top-5 average across runs, aligned" : "top-5 average across runs",
                detail: "uniform average of the best checkpoints of 5 runs drawn from the best half"
                    + (aligned ? ", channels aligned to the first by weight matching" : ", channels as trained"),
                dice: Estimate(dice)))
        }
        return rows
    }

    /// Row (d) and the training curve: the unseen initialisations trained with the best run's
    /// recipe, test Dice at log-spaced iterations, and where one-step generation lands on that curve.
    /// Also returns each start's training (the audit's start fidelity compares with them).
    static func trainingCurve(_ context: TaskContext, generatedDice: Double, secondsPerGeneration: Double)
        throws -> (row: ComparisonRow, curve: TrainingCurve, trained: [RecipeTraining]) {
        let recipe = context.best.run.hyperparameters
        let snapshots = RecipeTraining.testIterations(upTo: recipe.iterations)
        let measured = try context.recipeTrained(.trained)
        let estimates = snapshots.indices.map { k in Estimate(measured.map { $0.testDice[k] }) }
        let secondsPerIteration = measured.map(\.seconds).reduce(0, +) / Double(measured.count) / Double(max(recipe.iterations, 1))
        let match = zip(snapshots, estimates).first { $0.1.mean >= generatedDice }?.0
        let iterations = match.flatMap { $0 > 0 ? $0 : nil }
        let curve = TrainingCurve(
            iterations: snapshots, dice: estimates, generatedDice: generatedDice, iterationsToMatchGenerated: iterations,
            wallTimeRatio: iterations.map { Double($0) * secondsPerIteration / max(secondsPerGeneration, 1e-9) },
            secondsPerIteration: secondsPerIteration, secondsPerGeneration: secondsPerGeneration)
        let row = ComparisonRow(
            method: "trained \(recipe.iterations) iterations",
            detail: "the same unseen initialisations trained with the best run's recipe (\(recipe.optimizer.rawValue), "
                + String(format: "lr %.3g, batch %d, %d iterations)", recipe.learningRate, recipe.batchSize, recipe.iterations),
            dice: estimates.last!)
        return (row, curve, measured)
    }

    static func bestValidation(_ checkpoints: [(record: CheckpointRecord, values: [Float])]) -> Double {
        checkpoints.map(\.record.validationDice).max() ?? 0
    }

    static func average(_ vectors: [[Float]]) -> [Float] {
        var sum = [Float](repeating: 0, count: vectors[0].count)
        for vector in vectors { for i in sum.indices { sum[i] += vector[i] } }
        return sum.map { $0 / Float(vectors.count) }
    }
}
