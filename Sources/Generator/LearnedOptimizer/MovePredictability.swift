import Foundation
import Segmentation
import TensorEngine
import Zoo

/// How much of a run's move over one horizon any rule could predict from the network it starts
/// at: the ceiling of distillation. The run's recipe is trained from a checkpoint for one horizon
/// twice, on two orders of the data; what the two moves share is what the network decides, the
/// rest is what the batches decide. For moves μ + n₁ and μ + n₂ with independent noise of equal
/// size, their cosine is |μ|² / (|μ|² + |n|²): the share of a move's variance a perfect rule
/// would explain, so 1 − cosine is the least relative error distillation can reach for moves
/// from a fresh optimiser state (a checkpoint holds no Adam moments to resume from).
public struct MovePredictability: Sendable {
    /// Per sampled checkpoint, the cosine between the two reruns' moves (normalised units, each
    /// parameter weighted as distillation weighs it).
    public var rerunCosine: Estimate
    /// Per sampled checkpoint, the cosine between the run's own recorded move from it (the zoo's
    /// next checkpoint a horizon or more later) and the first rerun's: how much a rerun that starts
    /// Adam afresh resembles the run that carried its moments on.
    public var zooCosine: Estimate
    /// Per sampled checkpoint, the cosine between the run's own move and the run resumed from
    /// the checkpoint with its recorded optimiser state, on another data order, to the same
    /// later checkpoint: how much of the move the network and that state decide together. Nil
    /// where the zoo keeps no optimiser state.
    public var resumedCosine: Estimate?

    /// `samples` checkpoints (each with a later one at least a horizon on) of the runs `configuration`
    /// distils for `task`, drawn with `seed`, each rerun for `configuration.horizon` iterations with
    /// its run's recipe on data orders `orders`.
    public static func measure(zoo: Zoo, task: String, configuration: LearnedOptimizerConfiguration, samples: Int, seed: UInt64 = 0,
                               orders: (UInt64, UInt64) = (9_100_000, 9_200_000)) throws -> MovePredictability {
        let heldOut = LearnedOptimizerTrainer.heldOutRuns(plan: zoo.plan, count: LearnedOptimizerTrainer.defaultHeldOutRunsPerTask)
        let runs = try LearnedOptimizerTrainer.distilledRuns(zoo: zoo, task: task, configuration: configuration, heldOut: heldOut).distilled
        guard !runs.isEmpty, samples > 0 else { throw GeneratorError.incompatible("no \(configuration.optimizer) runs of \(task) to sample") }
        let architectureID = try zoo.planArchitectureID()
        let assembly = try zoo.assembly(architectureID)
        let evaluator = try TaskEvaluator(zoo: zoo, task: task)
        var rng = SeededGenerator(seed: seed)
        var chosen: [(run: RunRecord, from: [Float], to: [Float], resumption: RunResumption?)] = []
        let keepsState = zoo.plan.checkpointContent == .parametersAndOptimizerState
        // Each sampled run read once; its checkpoints count once in the normaliser however often it is drawn.
        var read: [Int: [(record: CheckpointRecord, values: [Float], state: FlatOptimizerState?)]] = [:]
        for _ in 0..<samples {
            let drawn = Int(rng.next() % UInt64(runs.count)), run = runs[drawn]
            // With its optimiser states, where the zoo keeps them, from the same read of its file.
            let checkpoints = try read[drawn] ?? (keepsState
                ? zoo.parametersAndOptimizerStates(of: run).map { ($0.record, $0.values, Optional($0.state)) }
                : zoo.parameters(of: run).map { ($0.record, $0.values, nil) })
            read[drawn] = checkpoints
            // Each checkpoint with the first one at least a horizon later.
            let steps = checkpoints.indices.compactMap { k in
                checkpoints[(k + 1)...].firstIndex { $0.record.iteration >= checkpoints[k].record.iteration + configuration.horizon }
                    .map { (from: k, to: $0) }
            }
            guard !steps.isEmpty else { continue }
            let step = steps[Int(rng.next() % UInt64(steps.count))]
            let resumption = try checkpoints[step.from].state.map {
                RunResumption(iteration: checkpoints[step.from].record.iteration, moments: try $0.moments(in: assembly.layout),
                              until: checkpoints[step.to].record.iteration)
            }
            chosen.append((run, checkpoints[step.from].values, checkpoints[step.to].values, resumption))
        }
        guard !chosen.isEmpty else { throw GeneratorError.incompatible("no checkpoint of \(task) has another a horizon later") }
        let normalizer = ParameterNormalizer(layout: assembly.layout,
                                             checkpoints: read.keys.sorted().flatMap { read[$0]!.map(\.values) })
        let tensorOf = UpdateFeatures(normalizer: normalizer, memory: .none, history: .none).tensorOfParameter
        // Each parameter weighted as distillation weighs its error, so 1 − cosine compares with
        // `LearnedOptimizerTrainer.distillationError` (the parameters the output does not depend on weigh nothing).
        let weights = LearnedParameters(tensorOf: tensorOf, assembly: assembly).weights
        func normalisedMove(_ from: [Float], _ to: [Float]) -> [Double] {
            from.indices.map { Double(to[$0] - from[$0]) * Double(weights[$0] / normalizer.deviations[tensorOf[$0]]) }
        }
        let patchSize = zoo.plan.patchSize
        let cosines = try parallelMap(chosen.count) { index -> (rerun: Double, zoo: Double, resumed: Double?) in
            let sample = chosen[index]
            let moves = try [orders.0, orders.1].map { order -> [Double] in
                var trained: [Float] = []
                try evaluator.train(try assembly.network(sample.from), hyperparameters: sample.run.hyperparameters, patchSize: patchSize,
                                    seed: order &+ UInt64(index), iterations: configuration.horizon,
                                    snapshotIterations: [configuration.horizon]) { trained = try assembly.layout.flatten($0.network) }
                return normalisedMove(sample.from, trained)
            }
            let zooMove = normalisedMove(sample.from, sample.to)
            let resumed = try sample.resumption.map { resumption -> Double in
                var trained: [Float] = []
                try evaluator.train(try assembly.network(sample.from), hyperparameters: sample.run.hyperparameters, patchSize: patchSize,
                                    seed: orders.0 &+ UInt64(index), resuming: resumption,
                                    snapshotIterations: [resumption.until]) { trained = try assembly.layout.flatten($0.network) }
                return cosine(zooMove, normalisedMove(sample.from, trained))
            }
            return (cosine(moves[0], moves[1]), cosine(zooMove, moves[0]), resumed)
        }
        let resumed = cosines.compactMap(\.resumed)
        return MovePredictability(rerunCosine: Estimate(cosines.map(\.rerun)), zooCosine: Estimate(cosines.map(\.zoo)),
                                  resumedCosine: resumed.isEmpty ? nil : Estimate(resumed))
    }

    /// The cosine of two vectors (0 where either is zero).
    static func cosine(_ a: [Double], _ b: [Double]) -> Double {
        var ab = 0.0, aa = 0.0, bb = 0.0
        for i in a.indices {
            ab += a[i] * b[i]
            aa += a[i] * a[i]
            bb += b[i] * b[i]
        }
        return aa > 0 && bb > 0 ? ab / (aa * bb).squareRoot() : 0
    }
}
