import Foundation
import NeuralNetwork
import Segmentation
import TensorEngine
import TestSupport
import XCTest
import Zoo
@testable import Generator

/// The learned optimiser reading the gradients' second moment: the estimate it keeps is
/// Adam's, distillation reads the runs' recorded one, and a zoo without it is refused clearly.
final class SecondMomentHistoryTests: XCTestCase {
    /// A gradient added for n iterations moves the estimate as n Adam steps with that gradient
    /// move Adam's bias-corrected second moment.
    func testTheEstimateIsAdamsSecondMoment() throws {
        var rng = SeededGenerator(seed: 4)
        let parameter = try Tensor(shape: [6], values: (0..<6).map { _ in Float.random(in: -1...1, using: &rng) })
        let adam = Adam(groups: [ParameterGroup([("p", parameter)], weightDecay: 0)], learningRate: 1e-3)
        var estimate = SecondMomentEstimate.empty(count: 6)
        for (gradient, iterations) in [(0..<6).map { _ in Float.random(in: -1...1, using: &rng) }, (0..<6).map { _ in Float.random(in: -3...3, using: &rng) }]
            .flatMap({ [($0, 1), ($0, 25)] }) {
            for _ in 0..<iterations {
                parameter.setGrad(try Tensor(shape: [6], values: gradient))
                try adam.step()
            }
            estimate = estimate.adding(gradient, iterations: iterations)
            let expected = try XCTUnwrap(adam.moments().second?["p"]).scalars
            let scale = expected.max()!
            for (value, reference) in zip(estimate.values, expected) {
                XCTAssertEqual(value, reference, accuracy: 1e-5 * scale, "after \(estimate.iterations) iterations")
            }
        }
        XCTAssertEqual(estimate.iterations, 52)
    }

    /// Distillation reads each checkpoint's recorded Adam estimate with the checkpoint's gradient
    /// added for one horizon, as a generation's call reads its own: at a run's first checkpoint
    /// (nothing recorded yet) that is the gradient squared.
    func testDistillationReadsTheRunsRecordedSecondMoment() throws {
        let zoo = try makeGeneratorTestZoo(checkpointContent: .parametersAndOptimizerState)
        var configuration = LearnedOptimizerTests.quick
        configuration.history = .secondMoment
        let trainer = try LearnedOptimizerTrainer(zoo: zoo, folder: temporaryGeneratorFolder(), configuration: configuration, heldOutRunsPerTask: 1)
        XCTAssertFalse(trainer.examples.isEmpty)
        XCTAssertTrue(trainer.examples.allSatisfy { $0.secondMoment.count == $0.values.count && $0.secondMoment.allSatisfy { $0 >= 0 } })
        let squared = trainer.examples.filter { example in
            zip(example.secondMoment, example.gradient).allSatisfy { abs($0 - $1 * $1) <= 1e-6 * max($1 * $1, 1e-12) }
        }
        XCTAssertFalse(squared.isEmpty, "a run's first checkpoint reads its gradient squared")
        XCTAssertLessThan(squared.count, trainer.examples.count, "later checkpoints read the run's history")
        let optimizer = try trainer.train()
        XCTAssertEqual(optimizer.features.width, optimizer.features.normalizer.layout.entries.count + 8)
        // A generation keeps its own estimate over its calls.
        let evaluator = try TaskEvaluator(zoo: zoo, task: "cord")
        let start = try optimizer.assembly.layout.flatten(try PlainConvUNet(optimizer.description.architecture, seed: 5))
        let first = try optimizer.update(start, task: 0, evaluator: evaluator)
        let estimate = try XCTUnwrap(first.memory.secondMoment)
        XCTAssertEqual(estimate.iterations, configuration.horizon)
        let gradient = try optimizer.gradient(start, evaluator: evaluator, call: 0)
        XCTAssertEqual(estimate.values, gradient.map { $0 * $0 }, "the first call's estimate is its gradient squared")
        let second = try optimizer.update(first.values, task: 0, evaluator: evaluator, call: 1, memory: first.memory)
        XCTAssertEqual(second.memory.secondMoment?.iterations, 2 * configuration.horizon)
        XCTAssertTrue(second.values.allSatisfy(\.isFinite))
    }

    /// A zoo that keeps parameters alone cannot teach the history: the error names the zoo and how to make one that can.
    func testAZooWithoutOptimiserStateIsRefused() throws {
        let zoo = try makeGeneratorTestZoo()
        var configuration = LearnedOptimizerTests.quick
        configuration.history = .secondMoment
        XCTAssertThrowsError(try LearnedOptimizerTrainer(zoo: zoo, folder: temporaryGeneratorFolder(), configuration: configuration,
                                                         heldOutRunsPerTask: 1)) {
            XCTAssertTrue("\($0)".contains(zoo.folder.path) && "\($0)".contains("parameters-and-optimizer-state"), "\($0)")
        }
    }
}
