import Foundation
import NeuralNetwork
import Segmentation
import TensorEngine
import Zoo

/// On-policy correction of a distilled learned optimiser (DAgger, Ross et al. 2011). Distilled
/// from zoo checkpoints alone, the rule only sees networks on the zoo's trajectories; from an
/// unseen start its own moves lead it to networks unlike any of them, where its errors compound.
/// A round generates from fresh starts with the current rule and labels every network visited
/// with the move the zoo's recipe makes from that very network over one horizon: examples of
/// what to do where the rule actually goes.
struct OnPolicyCorrection {
    /// Fresh starts per task and round: seeds 8,100,000 + 1,000 · round + k, which no zoo run,
    /// calibration (8,000,000 + k) or evaluation (7,000,000 + k) starts from.
    static let startsPerTask = 4
    /// Per task, the recipe that labels: the run of the best validation checkpoint among the
    /// distilled runs (chosen on validation cases).
    let recipes: [RunHyperparameters]
    let patchSize: [Int]
    let evaluators: [TaskEvaluator]

    /// Round `round`'s examples for `optimizer`, in its units (moves per horizon per unit learning
    /// rate over `moveScale`), each network visited reading the gradient, previous move and
    /// moments the generation read there.
    func examples(for optimizer: LearnedOptimizer, round: Int) throws -> [DistillationExample] {
        let d = optimizer.description, layout = optimizer.assembly.layout, horizon = d.configuration.horizon
        let jobs = evaluators.indices.flatMap { task in (0..<Self.startsPerTask).map { (task: task, start: $0) } }
        let visited = try parallelMap(jobs.count) { index -> [VisitedNetwork] in
            let (task, start) = jobs[index]
            let network = try optimizer.assembly.initialNetwork(seed: 8_100_000 + 1_000 * UInt64(round) + UInt64(start))
            var values = try layout.flatten(network)
            var memory = CallMemory(), states: [VisitedNetwork] = []
            for call in 0..<d.configuration.maximumCalls where values.allSatisfy(\.isFinite) {
                let (moved, next, gradient, _) = try optimizer.update(values, on: network, task: task, evaluator: evaluators[task], call: call,
                                                                   memory: memory)
                // What the call read: the previous move before it, the moments with its gradient added.
                states.append(VisitedNetwork(task: task, values: values, gradient: gradient,
                                             previousMove: memory.previousMove ?? [Float](repeating: 0, count: values.count),
                                             moments: next.moments))
                (values, memory) = (moved, next)
            }
            return states
        }.flatMap { $0 }
        let tensorOf = optimizer.features.tensorOfParameter, deviations = d.normalizer.deviations
        return try parallelMap(visited.count) { index -> DistillationExample in
            let state = visited[index], recipe = recipes[state.task]
            var trained: [Float] = []
            try evaluators[state.task].train(try optimizer.assembly.network(state.values), hyperparameters: recipe, patchSize: patchSize,
                                             seed: 8_200_000 + 100_000 * UInt64(round) + UInt64(index), iterations: horizon,
                                             snapshotIterations: [horizon]) { trained = try layout.flatten($0.network) }
            // As a zoo move: per horizon and per unit of the rate the optimiser's unit names (the
            // horizon-long recipe run decays from its peak: its mean rate, or that peak).
            let rate = d.configuration.moveUnit.rate(meanOverMove: recipe.learningRate * Double(Self.meanPolyFraction(horizon)),
                                                     peak: recipe.learningRate)
            let scale = 1 / (Float(rate) * d.moveScale)
            let move = state.values.indices.map { (trained[$0] - state.values[$0]) * scale / deviations[tensorOf[$0]] }
            return DistillationExample(values: state.values, gradient: state.gradient, move: move, previousMove: state.previousMove,
                                       moments: state.moments, features: optimizer.features, horizon: horizon, moveScale: d.moveScale)
        }
    }

    /// The mean fraction of its learning rate a `steps`-iteration run moves at under the poly schedule.
    static func meanPolyFraction(_ steps: Int) -> Float {
        let schedule = PolyLearningRate(initial: 1, totalSteps: steps)
        return (0..<steps).reduce(0) { $0 + schedule.learningRate(at: $1) } / Float(max(steps, 1))
    }
}

/// A network a generation passed through, with what its call read there.
private struct VisitedNetwork {
    let task: Int
    let values: [Float]
    let gradient: [Float]
    let previousMove: [Float]
    let moments: GradientMoments?
}
