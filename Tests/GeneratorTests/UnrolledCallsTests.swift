import Foundation
import NeuralNetwork
import TensorEngine
import XCTest
import Zoo
@testable import Generator

/// Training through unrolled calls: its paths chain one run's moves, their later calls read the
/// batches the rule reads, one call's endpoint error is that example's distillation error,
/// training through the calls brings their ends nearer, and the per-move loss beside it keeps
/// each move nearer the runs'.
final class UnrolledCallsTests: XCTestCase {
    private func trainer(_ zoo: Zoo, calls: Int, steps: Int, history: GradientHistory = .none) throws -> LearnedOptimizerTrainer {
        var configuration = LearnedOptimizerTests.quick
        configuration.trainingSteps = 100
        configuration.history = history
        configuration.unrolling = CallUnrolling(calls: calls, steps: steps)
        return try LearnedOptimizerTrainer(zoo: zoo, folder: temporaryGeneratorFolder(), configuration: configuration, heldOutRunsPerTask: 1)
    }

    /// A path is `calls` moves of one run, each starting where the one before ended: it starts at
    /// the run's checkpoint its first example holds and ends at the checkpoint after its last move.
    func testAPathChainsOneRunsConsecutiveMoves() throws {
        let zoo = try makeGeneratorTestZoo()
        let trainer = try trainer(zoo, calls: 2, steps: 1)
        XCTAssertFalse(trainer.paths.isEmpty)
        for path in trainer.paths {
            XCTAssertEqual(path.examples.count, 2)
            XCTAssertEqual(path.iterations[0].upperBound, path.iterations[1].lowerBound)
            let checkpoints = try zoo.parameters(of: path.run)
            let start = try XCTUnwrap(checkpoints.first { $0.record.iteration == path.iterations[0].lowerBound })
            let end = try XCTUnwrap(checkpoints.first { $0.record.iteration == path.iterations[1].upperBound })
            XCTAssertEqual(trainer.examples[path.examples[0]].values, start.values)
            XCTAssertEqual(trainer.examples[path.examples[1]].values, checkpoints.first { $0.record.iteration == path.iterations[1].lowerBound }?.values)
            XCTAssertEqual(path.target, end.values)
            XCTAssertFalse(trainer.description.heldOutRuns.contains(path.run.runIndex), "no path of a held-out run")
        }
    }

    /// With one call a path's endpoint error is its example's distillation error: the two
    /// measures agree on what a move should be, with Adam's step added or not.
    func testOneCallsEndpointErrorIsItsExamplesDistillationError() throws {
        for (history, content) in [(GradientHistory.none, CheckpointContent.parameters), (.adamStep, .parametersAndOptimizerState)] {
            let zoo = try makeGeneratorTestZoo(checkpointContent: content)
            let trainer = try trainer(zoo, calls: 1, steps: 1, history: history)
            let optimizer = try trainer.train()
            XCTAssertEqual(trainer.paths.count, trainer.examples.count, "\(history): every example starts a path of one call")
            for path in trainer.paths.prefix(6) {
                let endpoint = try trainer.endpointError(optimizer, over: [path], seed: 1)
                let distillation = try trainer.distillationError(optimizer.network, over: [trainer.examples[path.examples[0]]])
                XCTAssertEqual(endpoint, distillation, accuracy: 1e-3 * distillation, "\(history)")
            }
        }
    }

    /// A rule reading the first of its run's batches reads, at a path's later calls, the batch of
    /// each call's first iteration alone: the path ends where calls made by hand on those batches end.
    func testAPathsLaterCallReadsTheFirstOfItsBatches() throws {
        let zoo = try makeGeneratorTestZoo()
        var configuration = LearnedOptimizerTests.quick
        configuration.trainingSteps = 20
        configuration.gradient = .runFirstBatches(1)
        configuration.unrolling = CallUnrolling(calls: 2, steps: 1)
        let trainer = try LearnedOptimizerTrainer(zoo: zoo, folder: temporaryGeneratorFolder(), configuration: configuration, heldOutRunsPerTask: 1)
        let optimizer = try trainer.train()
        let path = try XCTUnwrap(trainer.paths.first)
        XCTAssertGreaterThan(path.iterations[1].count, 1, "the second call stands for several iterations")
        let example = trainer.examples[path.examples[0]], evaluator = trainer.evaluators[path.task]
        let first = try optimizer.predictedMoves(values: example.values, gradient: example.gradient, previousMove: example.previousMove,
                                                 moments: example.moments)
        let middle = optimizer.moving(example.values, by: first, rate: path.stepLengths[0])
        let batch = try evaluator.recipeBatches(hyperparameters: path.run.hyperparameters, patchSize: zoo.plan.patchSize,
                                                seed: UInt64(bitPattern: path.run.seed), spatialRank: 2)
            .batch(iterations: path.iterations[1].lowerBound..<(path.iterations[1].lowerBound + 1))
        let gradient = try optimizer.assembly.withNetwork(middle) {
            try evaluator.patchLossGradient($0, layout: optimizer.assembly.layout, batch: batch)
        }
        let second = try optimizer.predictedMoves(values: middle, gradient: gradient, previousMove: first,
                                                  moments: example.moments?.adding(gradient, iterations: configuration.horizon))
        let end = optimizer.moving(middle, by: second, rate: path.stepLengths[1])
        // Relative to the second call's move: reading all its batches moves it about a tenth otherwise.
        let move = euclideanDistance(end, middle)
        XCTAssertGreaterThan(move, 0)
        XCTAssertLessThan(euclideanDistance(try trainer.rollout(path, with: optimizer, seed: 1).end, end), 1e-3 * move)
    }

    /// The loss training through unrolled calls descends has the endpoint error's gradient with
    /// respect to the rule's weights: checked by central differences over paths of one call,
    /// where the features a call reads do not depend on the rule.
    func testTheEndpointLossHasTheEndpointErrorsGradient() throws {
        let zoo = try makeGeneratorTestZoo()
        let trainer = try trainer(zoo, calls: 1, steps: 1)
        let optimizer = try trainer.train()
        let paths = Array(trainer.paths.prefix(4))
        optimizer.network.zeroGrad()
        try trainer.endpointSurrogate(of: paths, optimizer, seed: 1).loss.backward()
        for (name, weights) in optimizer.network.namedParameters() {
            let gradient = try XCTUnwrap(weights.grad, name)
            for index in [0, weights.count / 2, weights.count - 1] {
                let original = weights.pointer[index], step: Float = 1e-2
                weights.pointer[index] = original + step
                let up = try trainer.endpointError(optimizer, over: paths, seed: 1)
                weights.pointer[index] = original - step
                let down = try trainer.endpointError(optimizer, over: paths, seed: 1)
                weights.pointer[index] = original
                let numeric = (up - down) / (2 * step)
                XCTAssertEqual(gradient.pointer[index], numeric, accuracy: 0.05 * abs(numeric) + 1e-3, "\(name)[\(index)]")
            }
        }
    }

    /// Training an untrained rule through three calls lowers the mean endpoint error of the
    /// paths it measures, and records it; a configuration of no calls or no steps is refused, and one stored before
    /// unrolling existed reads none.
    func testTrainingThroughUnrolledCallsBringsTheirEndsNearer() throws {
        let zoo = try makeGeneratorTestZoo()
        var configuration = LearnedOptimizerTests.quick
        configuration.trainingSteps = 0
        configuration.learningRate = 1e-2
        configuration.unrolling = CallUnrolling(calls: 3, steps: 60)
        let trainer = try LearnedOptimizerTrainer(zoo: zoo, folder: temporaryGeneratorFolder(), configuration: configuration, heldOutRunsPerTask: 1)
        let optimizer = try trainer.train()
        let record = try XCTUnwrap(optimizer.description.unrolled)
        XCTAssertEqual(record.before, 1, accuracy: 0.05, "an untrained rule barely moves")
        XCTAssertLessThan(record.after, 0.9 * record.before, "\(record)")
        XCTAssertEqual(record.lossHistory.count, 3)
        XCTAssertEqual(record.measuredPaths, min(trainer.paths.count, LearnedOptimizerTrainer.measuredUnrolledPaths))

        for unrolling in [CallUnrolling(calls: 0, steps: 5), CallUnrolling(calls: 2, steps: 0), CallUnrolling(calls: 2, steps: 5, moveLossWeight: -1),
                          CallUnrolling(calls: 2, steps: 5, moveLossWeight: .nan)] {
            var configuration = LearnedOptimizerTests.quick
            configuration.unrolling = unrolling
            XCTAssertThrowsError(try configuration.validate())
        }
        var stored = try XCTUnwrap(JSONSerialization.jsonObject(with: JSONEncoder().encode(trainer.configuration)) as? [String: Any])
        XCTAssertNotNil(stored["unrolling"])
        stored["unrolling"] = nil
        let read = try JSONDecoder().decode(LearnedOptimizerConfiguration.self, from: JSONSerialization.data(withJSONObject: stored))
        XCTAssertNil(read.unrolling)
        var unrolling = try XCTUnwrap(JSONSerialization.jsonObject(with: JSONEncoder().encode(CallUnrolling(calls: 2, steps: 5, moveLossWeight: 1))) as? [String: Any])
        unrolling["moveLossWeight"] = nil
        XCTAssertEqual(try JSONDecoder().decode(CallUnrolling.self, from: JSONSerialization.data(withJSONObject: unrolling)), CallUnrolling(calls: 2, steps: 5))
    }

    /// The per-move loss beside the endpoint error keeps each move nearer the runs' moves than
    /// the endpoint error alone does, from the same untrained rule through the same paths.
    func testTheMoveLossKeepsMovesNearTheRuns() throws {
        var configuration = LearnedOptimizerTests.quick
        configuration.learningRate = 1e-2
        configuration.unrolling = CallUnrolling(calls: 3, steps: 60)
        let trainer = try LearnedOptimizerTrainer(zoo: try makeGeneratorTestZoo(), folder: temporaryGeneratorFolder(), configuration: configuration,
                                                  heldOutRunsPerTask: 1)
        let errors = try [Float(0), 20].map { weight -> Float in
            let network = try makeUpdateRule(for: trainer.description, features: trainer.features.width, seed: 0)
            let optimizer = try LearnedOptimizer(description: trainer.description, network: network)
            let adam = Adam.adamW(groups: [ParameterGroup(network.namedParameters(), weightDecay: 0)], learningRate: configuration.learningRate)
            var rng = SeededGenerator(seed: 1)
            _ = try trainer.trainThroughUnrolledCalls(CallUnrolling(calls: 3, steps: 60, moveLossWeight: weight), optimizer, adam, rng: &rng,
                                                      progress: { _ in })
            return try trainer.distillationError(network, over: trainer.examples)
        }
        XCTAssertLessThan(errors[1], 0.9 * errors[0], "distillation errors with move-loss weight 0 and 20: \(errors)")
    }
}
