import Foundation
import NeuralNetwork
import Segmentation
import TensorEngine
import Zoo

/// Consecutive distillation examples of one run, a path of calls for training through unrolled
/// calls (`CallUnrolling`): the first call starts at the first example's checkpoint reading what
/// it read there, and the path ends at the run's checkpoint after the last.
struct UnrolledPath {
    let task: Int
    let run: RunRecord
    /// Indices into the trainer's examples, one per call, each starting where the one before ended.
    let examples: [Int]
    /// The run iterations each call stands for: the batches a call that reads its run's reads.
    let iterations: [Range<Int>]
    /// Per call, what the rule's unit output is multiplied by to give the run's move over those
    /// iterations: the learning rate times the iterations over the horizon (1 / `CheckpointStep.scale`).
    let stepLengths: [Float]
    /// The run's network after the last call's iterations.
    let target: [Float]

    /// Every path of `calls` consecutive pairs in the runs read whose examples `exampleOfPair`
    /// names (the validation runs' have none): pair `p`'s move is `steps[p]`.
    static func paths(runs: [(task: Int, run: RunRecord, pairs: [(index: Int, iterations: Range<Int>)])], steps: [CheckpointStep],
                      exampleOfPair: [Int: Int], calls: Int) -> [UnrolledPath] {
        runs.flatMap { task, run, pairs -> [UnrolledPath] in
            let starting = Dictionary(pairs.map { ($0.iterations.lowerBound, $0) }, uniquingKeysWith: { first, _ in first })
            return pairs.compactMap { first -> UnrolledPath? in
                var chain = [first]
                while chain.count < calls, let next = starting[chain.last!.iterations.upperBound] { chain.append(next) }
                let examples = chain.compactMap { exampleOfPair[$0.index] }
                guard chain.count == calls, examples.count == calls else { return nil }
                return UnrolledPath(task: task, run: run, examples: examples, iterations: chain.map(\.iterations),
                                    stepLengths: chain.map { 1 / steps[$0.index].scale }, target: steps[chain.last!.index].to)
            }
        }
    }
}

/// What training through unrolled calls did: the mean relative endpoint error per logging
/// interval, and over the trainer's measured paths before and after (1: the calls end no nearer
/// the run's network than the start was).
public struct UnrolledTrainingRecord: Codable, Sendable {
    public var lossHistory: [Float]
    public var before: Float
    public var after: Float
    /// The paths `before` and `after` are measured on.
    public var measuredPaths: Int
}

/// One path's calls made by the rule: the feature rows each call read, and where the calls ended.
struct UnrolledRollout {
    let rows: [[Float]]
    let end: [Float]
}

extension LearnedOptimizerTrainer {
    /// Paths per training step through unrolled calls.
    static let pathsPerUnrolledStep = 8
    /// Paths the endpoint error is measured on before and after (every n-th path, the same both times).
    static let measuredUnrolledPaths = 64

    /// Trains `optimizer`'s network through `unrolling`'s calls: each step makes
    /// the calls of `pathsPerUnrolledStep` random paths with the current rule and lowers the mean
    /// of their relative endpoint errors (`endpointError`), plus `moveLossWeight` times
    /// distillation's relative per-move error on a batch of examples. The features a call reads are taken
    /// as given (no gradient flows through the network's gradient at the networks reached), so
    /// the loss's gradient with respect to call k's output is the endpoint residual times that
    /// call's step length: every call is taught by where the path ended.
    func trainThroughUnrolledCalls(_ unrolling: CallUnrolling, _ optimizer: LearnedOptimizer, _ adam: Adam, rng: inout SeededGenerator,
                                   progress: (String) -> Void) throws -> UnrolledTrainingRecord {
        guard !paths.isEmpty else {
            throw GeneratorError.incompatible("no run of the zoo has \(unrolling.calls) consecutive checkpoint pairs a horizon (\(configuration.horizon) iterations) apart to unroll")
        }
        let measured = stride(from: 0, to: paths.count, by: max(1, paths.count / Self.measuredUnrolledPaths)).prefix(Self.measuredUnrolledPaths)
            .map { paths[$0] }
        let before = try endpointError(optimizer, over: measured, seed: seed &+ 3_000_000)
        progress(String(format: "endpoint error of %d calls over %d paths before training through them: %.4f (1: no nearer than the start)",
                        unrolling.calls, measured.count, before))
        // Lower than distillation's: at its rate an untrained adam-step rule's endpoint error on
        // cord heads fell from 0.20 to 0.14, then rose past the start's (0.5 by step 400).
        let peak = configuration.learningRate * 0.3
        var history: [Float] = [], interval: [Float] = [], moveInterval: [Float] = []
        for step in 0..<unrolling.steps {
            let chosen = (0..<Self.pathsPerUnrolledStep).map { _ in paths[Int(rng.next() % UInt64(paths.count))] }
            adam.learningRate = Self.decayingRate(peak: peak, step: step, of: unrolling.steps)
            optimizer.network.zeroGrad()
            let (surrogate, errors) = try endpointSurrogate(of: chosen, optimizer, seed: seed &+ 2_000_000 &+ UInt64(step * chosen.count))
            var loss = surrogate
            if unrolling.moveLossWeight > 0 {
                // Relative to predicting no move, as the endpoint error is relative to not moving.
                let batch = self.batch(corrections: [], rng: &rng)
                let moveLoss = try distillationLoss(optimizer.network, on: batch)
                loss = try surrogate + moveLoss * (unrolling.moveLossWeight / batch.noMoveLoss)
                moveInterval.append(moveLoss.scalars[0] / batch.noMoveLoss)
            }
            try loss.backward()
            try adam.step()
            interval.append(errors.reduce(0, +) / Float(errors.count))
            if interval.count == 25 || step == unrolling.steps - 1 {
                history.append(interval.reduce(0, +) / Float(interval.count))
                let moves = moveInterval.isEmpty ? "" : String(format: "  per-move error %.4f", moveInterval.reduce(0, +) / Float(moveInterval.count))
                interval = []
                moveInterval = []
                progress(String(format: "unrolled step %d/%d  endpoint error %.4f", step + 1, unrolling.steps, history.last!) + moves)
            }
        }
        let after = try endpointError(optimizer, over: measured, seed: seed &+ 3_000_000)
        progress(String(format: "endpoint error over the same paths after: %.4f", after))
        return UnrolledTrainingRecord(lossHistory: history, before: before, after: after, measuredPaths: measured.count)
    }

    /// A loss whose gradient with respect to the rule's weights is that of the mean relative
    /// endpoint error of `paths` (`endpointResidual`) with every call's features taken as given,
    /// and each path's error. The paths' calls are made first without a tape (draws from `seed`
    /// on); the rule is then applied once more to all their rows, each output weighed by the
    /// error's gradient with respect to it: 2 w² e / Σ w² e₀² times moveScale times the call's step length.
    func endpointSurrogate(of paths: [UnrolledPath], _ optimizer: LearnedOptimizer, seed: UInt64) throws -> (loss: Tensor, errors: [Float]) {
        let rollouts = try parallelMap(paths.count) { try rollout(paths[$0], with: optimizer, seed: seed &+ UInt64($0)) }
        var rows: [Float] = [], coefficients: [Float] = [], errors: [Float] = []
        for (path, rollout) in zip(paths, rollouts) {
            let (error, gradient) = endpointResidual(path, end: rollout.end)
            errors.append(error)
            for (call, callRows) in rollout.rows.enumerated() {
                rows += callRows
                let scale = optimizer.description.moveScale * path.stepLengths[call] / Float(paths.count)
                coefficients += gradient.map { $0 * scale }
            }
        }
        let width = optimizer.features.width, parameterCount = optimizer.assembly.layout.parameterCount
        let outputs = try optimizer.network(try Tensor(shape: [rows.count / width, width], values: rows),
                                            networks: rows.count / (width * parameterCount))
        return (try (outputs * (try Tensor(shape: [coefficients.count, 1], values: coefficients))).sum(), errors)
    }

    /// The mean over `paths` of each one's relative endpoint error after `optimizer`'s calls
    /// (`endpointResidual`), the fresh draws among them taken from `seed`.
    func endpointError(_ optimizer: LearnedOptimizer, over paths: [UnrolledPath], seed: UInt64) throws -> Float {
        let errors = try parallelMap(paths.count) { index in
            endpointResidual(paths[index], end: try rollout(paths[index], with: optimizer, seed: seed &+ UInt64(index)).end).error
        }
        return errors.reduce(0, +) / Float(max(errors.count, 1))
    }

    /// How far `end` lies from the path's target relative to its start, each parameter in its
    /// tensor's units weighted as distillation weighs it: Σ w² (end − target)² / Σ w² (start −
    /// target)², and that error's gradient with respect to each parameter's normalised end,
    /// 2 w² (end − target) / Σ w² (start − target)². For one call it is the distillation error of
    /// the path's example.
    private func endpointResidual(_ path: UnrolledPath, end: [Float]) -> (error: Float, gradient: [Float]) {
        let start = examples[path.examples[0]].values, deviations = features.normalizer.deviations
        let tensorOf = features.tensorOfParameter, weights = learnedParameters.weights
        var error = 0.0, total = 0.0
        var gradient = [Float](repeating: 0, count: end.count)
        for i in end.indices {
            let w2 = Double(weights[i] * weights[i]), deviation = Double(deviations[tensorOf[i]])
            let residual = Double(end[i] - path.target[i]) / deviation, initial = Double(start[i] - path.target[i]) / deviation
            error += w2 * residual * residual
            total += w2 * initial * initial
            gradient[i] = Float(2 * w2 * residual)
        }
        let normaliser = max(total, 1e-30)
        return (Float(error / normaliser), gradient.map { $0 / Float(normaliser) })
    }

    /// `path`'s calls made by `optimizer` from its first example: the first reads what the
    /// example read, each later one the gradient at the network reached (on the run's batches of
    /// its iterations the rule reads, or a fresh draw from `seed`) with the moments and previous
    /// move carried as a generation carries them, each moving by its step length.
    func rollout(_ path: UnrolledPath, with optimizer: LearnedOptimizer, seed: UInt64) throws -> UnrolledRollout {
        let first = examples[path.examples[0]], evaluator = evaluators[path.task], layout = optimizer.assembly.layout
        var values = first.values, gradient = first.gradient, previousMove = first.previousMove, moments = first.moments
        let network = try optimizer.assembly.network(values)
        let batches = configuration.gradient.readsRunBatches
            ? try evaluator.recipeBatches(hyperparameters: path.run.hyperparameters, patchSize: description.patchSize,
                                          seed: Self.batchSeed(of: path.run, gradient: configuration.gradient),
                                          spatialRank: description.architecture.spatialRank)
                .batches(path.iterations.dropFirst().map { configuration.gradient.batchIterations(of: $0) })
            : nil
        var rng = SeededGenerator(seed: seed)
        var rows: [[Float]] = []
        for call in path.stepLengths.indices {
            if call > 0 {
                try optimizer.assembly.setParameters(of: network, to: values)
                gradient = try batches.map { try evaluator.patchLossGradient(network, layout: layout, batch: $0[call - 1]) }
                    ?? LearnedOptimizer.gradient(network, layout: layout, evaluator: evaluator, configuration: configuration,
                                                 patchSize: description.patchSize, draw: rng.next())
                moments = moments?.adding(gradient, iterations: configuration.horizon)
            }
            let (moves, callRows) = try optimizer.predictedMovesAndRows(values: values, gradient: gradient, previousMove: previousMove,
                                                                        moments: moments)
            rows.append(callRows)
            values = optimizer.moving(values, by: moves, rate: path.stepLengths[call])
            previousMove = moves
        }
        return UnrolledRollout(rows: rows, end: values)
    }
}
