import Foundation
import NeuralNetwork
import Segmentation
import TensorEngine
import TestSupport
import XCTest
import Zoo
@testable import Generator

/// The learned optimiser reading the gradients' moments: the estimates it keeps are Adam's,
/// distillation reads the runs' recorded ones, and a zoo without them is refused clearly.
final class GradientHistoryTests: XCTestCase {
    /// A gradient added for n iterations moves the estimates as n Adam steps with that gradient
    /// move Adam's bias-corrected moments.
    func testTheEstimatesAreAdamsMoments() throws {
        var rng = SeededGenerator(seed: 4)
        let parameter = try Tensor(shape: [6], values: (0..<6).map { _ in Float.random(in: -1...1, using: &rng) })
        let adam = Adam(groups: [ParameterGroup([("p", parameter)], weightDecay: 0)], learningRate: 1e-3)
        var estimate = try XCTUnwrap(GradientMoments.empty(count: 6, history: .adamMoments))
        for (gradient, iterations) in [(0..<6).map { _ in Float.random(in: -1...1, using: &rng) }, (0..<6).map { _ in Float.random(in: -3...3, using: &rng) }]
            .flatMap({ [($0, 1), ($0, 25)] }) {
            for _ in 0..<iterations {
                parameter.setGrad(try Tensor(shape: [6], values: gradient))
                try adam.step()
            }
            estimate = estimate.adding(gradient, iterations: iterations)
            let moments = adam.moments()
            for (kept, reference) in [(try XCTUnwrap(estimate.first), try XCTUnwrap(moments.first["p"])),
                                      (estimate.second, try XCTUnwrap(moments.second?["p"]))] {
                let scale = reference.scalars.map(abs).max()!
                for (value, expected) in zip(kept.values, reference.scalars) {
                    XCTAssertEqual(value, expected, accuracy: 1e-5 * scale, "\(kept.moment) after \(kept.iterations) iterations")
                }
            }
        }
        XCTAssertEqual(estimate.second.iterations, 52)
        XCTAssertEqual(estimate.first?.iterations, 52)
    }

    /// Distillation reads each checkpoint's recorded Adam estimate with the checkpoint's gradient
    /// added for one horizon, as a generation's call reads its own: at a run's first checkpoint
    /// (nothing recorded yet) that is the gradient squared.
    func testDistillationReadsTheRunsRecordedSecondMoment() throws {
        let (trainer, zoo) = try distilling(.secondMoment)
        XCTAssertFalse(trainer.examples.isEmpty)
        XCTAssertTrue(trainer.examples.allSatisfy {
            $0.moments?.second.values.count == $0.values.count && $0.moments?.second.values.allSatisfy { $0 >= 0 } == true && $0.moments?.first == nil
        })
        let squared = trainer.examples.filter { example in
            zip(example.moments!.second.values, example.gradient).allSatisfy { abs($0 - $1 * $1) <= 1e-6 * max($1 * $1, 1e-12) }
        }
        XCTAssertFalse(squared.isEmpty, "a run's first checkpoint reads its gradient squared")
        XCTAssertLessThan(squared.count, trainer.examples.count, "later checkpoints read the run's history")
        let optimizer = try trainer.train()
        XCTAssertEqual(optimizer.features.width, optimizer.features.normalizer.layout.entries.count + 8)
        // A generation keeps its own estimate over its calls.
        let calls = try twoCalls(optimizer, zoo: zoo)
        let estimate = try XCTUnwrap(calls.first.moments?.second)
        XCTAssertEqual(estimate.iterations, trainer.configuration.horizon)
        XCTAssertEqual(estimate.values, calls.gradient.map { $0 * $0 }, "the first call's estimate is its gradient squared")
        XCTAssertEqual(calls.second.moments?.second.iterations, 2 * trainer.configuration.horizon)
    }

    /// With Adam's moments distillation also reads the recorded first moment, the gradient at a
    /// run's first checkpoint; a generation's first call reads its own gradient, and the row one
    /// value more.
    func testDistillationReadsTheRunsRecordedFirstMoment() throws {
        let (trainer, zoo) = try distilling(.adamMoments)
        let firstMoments = try trainer.examples.map { try XCTUnwrap($0.moments?.first) }
        XCTAssertTrue(zip(firstMoments, trainer.examples).allSatisfy { $0.values.count == $1.values.count && $0.values.allSatisfy(\.isFinite) })
        let atFirstCheckpoint = zip(firstMoments, trainer.examples).filter { moment, example in
            zip(moment.values, example.gradient).allSatisfy { abs($0 - $1) <= 1e-6 * max(abs($1), 1e-12) }
        }
        XCTAssertFalse(atFirstCheckpoint.isEmpty, "a run's first checkpoint reads its gradient")
        XCTAssertLessThan(atFirstCheckpoint.count, trainer.examples.count, "later checkpoints read the run's history")
        let optimizer = try trainer.train()
        XCTAssertEqual(optimizer.features.width, optimizer.features.normalizer.layout.entries.count + 9)
        let calls = try twoCalls(optimizer, zoo: zoo)
        XCTAssertEqual(calls.first.moments?.first?.values, calls.gradient, "the first call's first moment is its gradient")
        XCTAssertEqual(calls.second.moments?.first?.iterations, 2 * trainer.configuration.horizon)
    }

    /// Under `adam-step` a rule whose network outputs nothing moves a fresh start as Adam does:
    /// a first call of h iterations is h of Adam's steps with the call's gradient (each ±rate
    /// where the root is not floored), as the engine's own Adam makes them to 1e-4 of a step
    /// and its ε; it saves and loads as such.
    func testAnAdamStepRuleWithoutCorrectionMovesAsAdam() throws {
        let (trainer, zoo) = try distilling(.adamStep)
        _ = try trainer.train()
        let optimizer = try LearnedOptimizer(folder: trainer.folder)
        XCTAssertEqual(optimizer.description.configuration.history, .adamStep)
        XCTAssertEqual(optimizer.features.width, optimizer.features.normalizer.layout.entries.count + 9)
        try silence(optimizer)
        let evaluator = try TaskEvaluator(zoo: zoo, task: "cord")
        let layout = optimizer.assembly.layout, horizon = optimizer.description.configuration.horizon
        let start = try layout.flatten(try PlainConvUNet(optimizer.description.architecture, seed: 5))
        let gradient = try optimizer.gradient(start, evaluator: evaluator, call: 0)
        let moved = try optimizer.update(start, task: 0, evaluator: evaluator).values
        let rate = optimizer.description.learningRates[0]
        let parameter = try Tensor(shape: [start.count], values: start)
        let adam = Adam(groups: [ParameterGroup([("p", parameter)], weightDecay: 0)], learningRate: rate)
        for _ in 0..<horizon {
            parameter.setGrad(try Tensor(shape: [start.count], values: gradient))
            try adam.step()
        }
        var compared = 0
        for entry in layout.entries {
            let range = entry.offset..<(entry.offset + entry.count)
            let root = (gradient[range].reduce(0) { $0 + $1 * $1 } / Float(entry.count)).squareRoot()
            for i in range where abs(gradient[i]) > 2e-2 * root {
                compared += 1
                // Adam's ε in its denominator, which the rule leaves out, shortens each step by ε / |g| of itself.
                XCTAssertEqual(moved[i] - start[i], parameter.scalars[i] - start[i], accuracy: rate * (1e-4 + Float(horizon) * adam.eps / abs(gradient[i])),
                               "parameter \(i) of \(entry.name)")
            }
        }
        XCTAssertGreaterThan(compared, start.count * 9 / 10, "most parameters' roots are not floored")
    }

    /// Under `adam-step` the rule's network learns each move less Adam's, and the distillation
    /// error of a network that outputs nothing is Adam's step's alone, which the trainer reports.
    func testAnAdamStepRuleLearnsTheMoveLessAdamsStep() throws {
        let (trainer, _) = try distilling(.adamStep)
        let example = try XCTUnwrap(trainer.examples.last)
        XCTAssertEqual(example.adamMove.count, example.move.count)
        XCTAssertEqual(example.target(3), example.move[3] - example.adamMove[3])
        let optimizer = try trainer.train()
        try silence(optimizer)
        let adamError = trainer.adamMoveError(over: trainer.examples)
        XCTAssertEqual(try trainer.distillationError(optimizer.network, over: trainer.examples), adamError, accuracy: 1e-5 * adamError)
        XCTAssertGreaterThan(adamError, 0.01, "the runs' moves between checkpoints are not Adam's step from one gradient")
        let (plain, _) = try distilling(.adamMoments)
        XCTAssertTrue(plain.examples.allSatisfy(\.adamMove.isEmpty), "adam-moments adds no step")
    }

    /// Zero training steps leave the rule as initialised, its output near zero: under `adam-step`
    /// that is Adam's own step over the horizon, the control a learned correction is measured
    /// against, and its distillation error is Adam's within 2%. Negative steps are refused.
    func testAnUntrainedAdamStepRuleErrsAsAdamsStep() throws {
        let (trainer, _) = try distilling(.adamStep, steps: 0)
        let optimizer = try trainer.train()
        XCTAssertEqual(optimizer.description.step, 0)
        let adamError = trainer.adamMoveError(over: trainer.examples)
        XCTAssertEqual(try XCTUnwrap(optimizer.description.distillationError), adamError, accuracy: 0.02 * adamError)
        var configuration = trainer.configuration
        configuration.trainingSteps = -1
        XCTAssertThrowsError(try configuration.validate())
    }

    /// Zeroes `optimizer`'s network's output layer, so its output is nothing.
    private func silence(_ optimizer: LearnedOptimizer) throws {
        var state = optimizer.network.stateDict()
        let last = state.keys.compactMap { Int($0.split(separator: ".").dropFirst().first ?? "") }.max()!
        for name in ["layers.\(last).weight", "layers.\(last).bias"] {
            let tensor = try XCTUnwrap(state[name])
            state[name] = try Tensor(shape: tensor.shape, values: [Float](repeating: 0, count: tensor.count))
        }
        try optimizer.network.loadStateDict(state)
    }

    /// A distillation reading `history` from a zoo that keeps its optimiser state, of `steps` steps, and the zoo.
    private func distilling(_ history: GradientHistory, steps: Int = LearnedOptimizerTests.quick.trainingSteps) throws -> (LearnedOptimizerTrainer, Zoo) {
        let zoo = try makeGeneratorTestZoo(checkpointContent: .parametersAndOptimizerState)
        var configuration = LearnedOptimizerTests.quick
        configuration.history = history
        configuration.trainingSteps = steps
        return (try LearnedOptimizerTrainer(zoo: zoo, folder: temporaryGeneratorFolder(), configuration: configuration, heldOutRunsPerTask: 1), zoo)
    }

    /// Two calls of `optimizer` from a fresh cord start: the start's gradient and the memory each
    /// call leaves (the second call's network checked finite).
    private func twoCalls(_ optimizer: LearnedOptimizer, zoo: Zoo, file: StaticString = #filePath, line: UInt = #line) throws
        -> (gradient: [Float], first: CallMemory, second: CallMemory) {
        let evaluator = try TaskEvaluator(zoo: zoo, task: "cord")
        let start = try optimizer.assembly.layout.flatten(try PlainConvUNet(optimizer.description.architecture, seed: 5))
        let first = try optimizer.update(start, task: 0, evaluator: evaluator)
        let second = try optimizer.update(first.values, task: 0, evaluator: evaluator, call: 1, memory: first.memory)
        XCTAssertTrue(second.values.allSatisfy(\.isFinite), file: file, line: line)
        return (try optimizer.gradient(start, evaluator: evaluator, call: 0), first.memory, second.memory)
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
