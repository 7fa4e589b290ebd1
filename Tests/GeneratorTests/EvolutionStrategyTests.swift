import Foundation
import Segmentation
import TensorEngine
import XCTest
import Zoo
@testable import Generator

/// Meta-training by evolution strategies: the antithetic estimate follows a score's gradient and
/// ignores its level, the ascent climbs, a score is the mean patch Dice of the calls it names,
/// and one step of `evolve` moves the rule's weights by Adam's first step along the estimate
/// from exactly those scores.
final class EvolutionStrategyTests: XCTestCase {
    /// On a quadratic score the estimate over many directions points along the true gradient
    /// (cosine above 0.95), and adding a constant to every score leaves it bit for bit.
    func testTheAntitheticEstimateFollowsTheGradientAndIgnoresTheScoresLevel() {
        let centre: [Float] = [0.3, -1.2, 2.0, 0.5, -0.7], peak: [Float] = [1, 0.5, -1, 2, 0], curvature: [Float] = [1, 2, 0.5, 3, 1.5]
        func score(_ x: [Float], offset: Double = 0) -> Double {
            offset - x.indices.reduce(0.0) { $0 + Double(curvature[$1] * (x[$1] - peak[$1]) * (x[$1] - peak[$1])) }
        }
        let truth = centre.indices.map { -2 * curvature[$0] * (centre[$0] - peak[$0]) }
        var rng = SeededGenerator(seed: 5)
        let sigma: Float = 0.1
        let directions = (0..<4000).map { _ in centre.indices.map { _ in rng.nextNormal() } }
        func estimate(offset: Double) -> [Float] {
            antitheticGradient(directions: directions, scores: directions.map { d in
                (score(zip(centre, d).map { $0 + sigma * $1 }, offset: offset), score(zip(centre, d).map { $0 - sigma * $1 }, offset: offset))
            }, sigma: sigma)
        }
        let estimated = estimate(offset: 0)
        let dot = zip(estimated, truth).reduce(0) { $0 + $1.0 * $1.1 }
        let norms = (estimated.reduce(0) { $0 + $1 * $1 } * truth.reduce(0) { $0 + $1 * $1 }).squareRoot()
        XCTAssertGreaterThan(dot / norms, 0.95, "the estimate points along the gradient")
        XCTAssertEqual(estimate(offset: 1000), estimated, "a level both sides of a pair share cancels")
    }

    /// Adam ascending the exact gradient of a concave quadratic ends within 1e-2 of its peak.
    func testTheAscentClimbsToAPeak() {
        let peak: [Float] = [1, -2, 0.5]
        var weights: [Float] = [0, 0, 0], adam = AscentAdam(count: 3, learningRate: 0.05)
        for _ in 0..<600 { adam.ascend(&weights, gradient: weights.indices.map { -2 * (weights[$0] - peak[$0]) }) }
        for (w, p) in zip(weights, peak) { XCTAssertEqual(w, p, accuracy: 1e-2) }
    }

    private func trainer(_ zoo: Zoo, evolution: EvolutionStrategy?) throws -> LearnedOptimizerTrainer {
        var configuration = LearnedOptimizerTests.quick
        configuration.trainingSteps = 20
        configuration.gradient = .trainingPatches
        configuration.casesPerCall = 2
        configuration.evolution = evolution
        return try LearnedOptimizerTrainer(zoo: zoo, folder: temporaryGeneratorFolder(), configuration: configuration, heldOutRunsPerTask: 1)
    }

    /// A score is the mean over tasks and starts of the patch Dice calls 2 to `calls` read, as
    /// calls made by hand on the same draws read it.
    func testAScoreIsTheMeanPatchDiceOfTheCallsAfterTheFirst() throws {
        let zoo = try makeGeneratorTestZoo()
        let trainer = try trainer(zoo, evolution: nil)
        let optimizer = try trainer.train()
        let starts = [(try optimizer.assembly.layout.flatten(try PlainConvUNet(trainer.description.architecture, seed: 11)), 1_000_004)]
        let scored = try trainer.score(optimizer, from: starts.map { (values: $0.0, stream: $0.1) }, calls: 3)
        var byHand = 0.0
        for task in trainer.evaluators.indices {
            var values = starts[0].0, memory = CallMemory()
            for call in 0..<3 {
                let (moved, next, _, dice) = try optimizer.assembly.withNetwork(values) {
                    try optimizer.update(values, on: $0, task: task, evaluator: trainer.evaluators[task], call: call, memory: memory,
                                         batch: .draw(stream: starts[0].1))
                }
                if call > 0 { byHand += try XCTUnwrap(dice) }
                (values, memory) = (moved, next)
            }
        }
        XCTAssertEqual(scored, byHand / Double(2 * trainer.evaluators.count), accuracy: 1e-9)
    }

    /// One step moves every weight by Adam's first step, the learning rate times the sign of the
    /// antithetic estimate from the scores of that step's perturbed rules on that step's starts;
    /// the record keeps the unperturbed rule's score.
    func testOneStepMovesTheWeightsByAdamsFirstStepAlongTheEstimate() throws {
        let zoo = try makeGeneratorTestZoo()
        let strategy = EvolutionStrategy(steps: 1, calls: 2, pairs: 2, starts: 1, sigma: 0.05, learningRate: 0.01)
        let trainer = try trainer(zoo, evolution: nil)
        let optimizer = try trainer.train()
        let before = optimizer.network.parameters().flatMap(\.scalars)
        var rng = SeededGenerator(seed: 3), replay = rng
        let record = try trainer.evolve(optimizer, strategy, rng: &rng, progress: { _ in })
        let directions = (0..<2).map { _ in before.indices.map { _ in replay.nextNormal() } }
        let (seed, stream) = LearnedOptimizerTrainer.evolutionStart(step: 0, start: 0, of: strategy)
        let starts = [(values: try optimizer.assembly.layout.flatten(try PlainConvUNet(trainer.description.architecture, seed: seed)), stream: stream)]
        let scorer = try LearnedOptimizer(description: optimizer.description,
                                          network: try makeUpdateRule(for: optimizer.description, features: trainer.features.width, seed: 0),
                                          assembly: optimizer.assembly)
        func score(_ weights: [Float]) throws -> Double {
            try LearnedOptimizerTrainer.setWeights(of: scorer.network, to: weights)
            return try trainer.score(scorer, from: starts, calls: 2)
        }
        let pairs = try directions.map { d in
            (plus: try score(zip(before, d).map { $0 + 0.05 * $1 }), minus: try score(zip(before, d).map { $0 - 0.05 * $1 }))
        }
        let gradient = antitheticGradient(directions: directions, scores: pairs, sigma: 0.05)
        let after = optimizer.network.parameters().flatMap(\.scalars)
        XCTAssertTrue(gradient.contains { $0 != 0 }, "the perturbed rules score differently")
        for index in before.indices where abs(gradient[index]) > 1e-6 {
            XCTAssertEqual(after[index] - before[index], 0.01 * (gradient[index] > 0 ? 1 : -1), accuracy: 1e-5)
        }
        XCTAssertEqual(record.scores.count, 1)
        XCTAssertEqual(try XCTUnwrap(record.scores.first), try score(before), accuracy: 1e-9)
    }

    /// Evolution is refused where a call reads no patches, scores more calls than a generation
    /// makes, or has no spread; a trained and saved rule records it.
    func testEvolutionIsRefusedWhereItCannotScoreAndRecordedWhereItRan() throws {
        var configuration = LearnedOptimizerTests.quick
        configuration.gradient = .trainingPatches
        for bad in [EvolutionStrategy(steps: 1, calls: 4), EvolutionStrategy(steps: 1, calls: 1), EvolutionStrategy(steps: 0, calls: 2),
                    EvolutionStrategy(steps: 1, calls: 2, sigma: 0)] {
            configuration.evolution = bad
            XCTAssertThrowsError(try configuration.validate(), "\(bad)")
        }
        configuration.evolution = EvolutionStrategy(steps: 1, calls: 2)
        XCTAssertNoThrow(try configuration.validate())
        configuration.gradient = .wholeCases
        XCTAssertThrowsError(try configuration.validate(), "whole cases have no patch Dice")
        let zoo = try makeGeneratorTestZoo()
        let folder = temporaryGeneratorFolder()
        var evolving = LearnedOptimizerTests.quick
        evolving.trainingSteps = 10
        evolving.gradient = .trainingPatches
        evolving.casesPerCall = 2
        evolving.evolution = EvolutionStrategy(steps: 12, calls: 2, pairs: 1, starts: 1)
        _ = try LearnedOptimizerTrainer(zoo: zoo, folder: folder, configuration: evolving, heldOutRunsPerTask: 1).train()
        let saved = try LearnedOptimizer(folder: folder)
        XCTAssertEqual(saved.description.configuration.evolution, evolving.evolution)
        XCTAssertEqual(saved.description.evolved?.scores.count, 2, "one score per 10 steps and one for the last 2")
    }
}
