import Foundation
import NeuralNetwork
import Segmentation
import TensorEngine
import Zoo

/// Meta-training by evolution strategies (`EvolutionStrategy`).
extension LearnedOptimizerTrainer {
    /// Fresh initialisations of step `step`'s start `k`: seed 8,300,000 + step · starts + k, which
    /// no zoo run, calibration (8,000,000 + k), correction (8,100,000 + …) or evaluation
    /// (7,000,000 + k) starts from; their draws are stream 1,000,000 + the same index, which no
    /// generation reads (those read streams 0 to the starts they evaluate).
    static func evolutionStart(step: Int, start: Int, of strategy: EvolutionStrategy) -> (seed: UInt64, stream: Int) {
        let index = step * strategy.starts + start
        return (8_300_000 + UInt64(index), 1_000_000 + index)
    }

    /// Evolves `optimizer`'s rule in place by `strategy` at its current learning rates (every
    /// task's starts in each score), logging the unperturbed rule's score every 10 steps.
    func evolve(_ optimizer: LearnedOptimizer, _ strategy: EvolutionStrategy, rng: inout SeededGenerator,
                progress: (String) -> Void) throws -> EvolutionRecord {
        let began = Date()
        var weights = optimizer.network.parameters().flatMap(\.scalars)
        var adam = AscentAdam(count: weights.count, learningRate: strategy.learningRate)
        // One rule per score of a step (each pair's two sides, then the unperturbed rule), made
        // once and sharing the optimiser's assembly, which lends each score its own network.
        let scorers = try (0...(2 * strategy.pairs)).map { _ in
            try LearnedOptimizer(description: optimizer.description,
                                 network: try makeUpdateRule(for: optimizer.description, features: features.width, seed: 0),
                                 assembly: optimizer.assembly)
        }
        var record = EvolutionRecord(scores: [], seconds: 0), interval: [Double] = []
        for step in 0..<strategy.steps {
            let directions = (0..<strategy.pairs).map { _ in (0..<weights.count).map { _ in rng.nextNormal() } }
            let starts = try (0..<strategy.starts).map { k in
                let (seed, stream) = Self.evolutionStart(step: step, start: k, of: strategy)
                return (values: try optimizer.assembly.layout.flatten(try PlainConvUNet(description.architecture, seed: seed)), stream: stream)
            }
            let scores = try parallelMap(scorers.count) { job -> Double in
                let sign: Float = job == 2 * strategy.pairs ? 0 : (job % 2 == 0 ? 1 : -1)
                let direction = sign == 0 ? nil : directions[job / 2]
                try Self.setWeights(of: scorers[job].network,
                                    to: direction.map { zip(weights, $0).map { $0 + sign * strategy.sigma * $1 } } ?? weights)
                return try score(scorers[job], from: starts, calls: strategy.calls)
            }
            let pairs = (0..<strategy.pairs).map { (plus: scores[2 * $0], minus: scores[2 * $0 + 1]) }
            adam.ascend(&weights, gradient: antitheticGradient(directions: directions, scores: pairs, sigma: strategy.sigma))
            interval.append(scores[2 * strategy.pairs])
            if interval.count == 10 || step == strategy.steps - 1 {
                record.scores.append(interval.reduce(0, +) / Double(interval.count))
                interval = []
                progress(String(format: "evolution step %d/%d: the rule's mean training-patch Dice over calls 2–%d %.4f",
                                step + 1, strategy.steps, strategy.calls, record.scores.last!))
            }
        }
        try Self.setWeights(of: optimizer.network, to: weights)
        record.seconds = Date().timeIntervalSince(began)
        return record
    }

    /// The score of `optimizer`'s rule: over every task and each of `starts` (its values and the
    /// stream of draws its calls read), the mean foreground Dice of the training patches its calls
    /// 2 to `calls` read (0 for the calls after a move left the network non-finite).
    func score(_ optimizer: LearnedOptimizer, from starts: [(values: [Float], stream: Int)], calls: Int) throws -> Double {
        var total = 0.0
        for task in evaluators.indices {
            for start in starts {
                total += try optimizer.assembly.withNetwork(start.values) { network in
                    var values = start.values, memory = CallMemory(), dice = 0.0
                    for call in 0..<calls where values.allSatisfy(\.isFinite) {
                        let batchDice: Double?
                        (values, memory, _, batchDice) = try optimizer.update(values, on: network, task: task, evaluator: evaluators[task],
                                                                               call: call, memory: memory, batch: .draw(stream: start.stream))
                        if call > 0 { dice += batchDice ?? 0 }
                    }
                    return dice / Double(calls - 1)
                }
            }
        }
        return total / Double(evaluators.count * starts.count)
    }

    /// Sets `rule`'s weights, in `parameters()` order, to `weights`.
    static func setWeights(of rule: any UpdateRule, to weights: [Float]) throws {
        var offset = 0
        for tensor in rule.parameters() {
            try tensor.assign(try Tensor(shape: tensor.shape, values: Array(weights[offset..<(offset + tensor.count)])))
            offset += tensor.count
        }
        precondition(offset == weights.count, "one weight per parameter of the rule")
    }
}
