import Foundation
import Segmentation
import TensorEngine
import TestSupport
import XCTest
import Zoo
@testable import Generator

/// The learned optimiser: distilled from a zoo's trajectories, saved and loaded unchanged,
/// permutation-equivariant by construction, and evaluated with the audit and the time comparison.
final class LearnedOptimizerTests: XCTestCase {
    /// A quick configuration for the test zoo's 10-iteration runs.
    static let quick = LearnedOptimizerConfiguration(width: 16, depth: 2, horizon: 2, trainingSteps: 200, batchSize: 512,
                                                     learningRate: 3e-3, maximumCalls: 3)

    func testItLearnsTheZoosMovesAndLoadsAsSaved() throws {
        let zoo = try makeGeneratorTestZoo()
        let folder = temporaryGeneratorFolder()
        let trainer = try LearnedOptimizerTrainer(zoo: zoo, folder: folder, configuration: Self.quick, heldOutRunsPerTask: 1)
        var losses: [Float] = []
        let trained = try trainer.train(progress: { losses.append($0.loss) })
        XCTAssertEqual(trained.description.examples, trainer.examples.count)
        XCTAssertGreaterThan(trained.description.examples, 0)
        // Predicting no move scores 1; the moves of a run follow its gradient, so the network must do better.
        XCTAssertLessThan(losses.last!, 0.9, "relative loss \(losses)")
        XCTAssertTrue(trained.description.learningRate > 0)

        let loaded = try LearnedOptimizer(folder: folder)
        XCTAssertEqual(loaded.description.learningRate, trained.description.learningRate)
        XCTAssertEqual(loaded.description.normalizer, trained.description.normalizer)
        let evaluator = try TaskEvaluator(zoo: zoo, task: "cord")
        let start = try loaded.assembly.layout.flatten(try PlainConvUNet(loaded.description.architecture, seed: 5))
        XCTAssertEqual(try loaded.update(start, evaluator: evaluator), try trained.update(start, evaluator: evaluator),
                       "the loaded optimiser moves a network exactly as the trained one")
    }

    /// Reordering a network's hidden channels reorders the optimiser's moves the same way.
    func testTheUpdateIsPermutationEquivariant() throws {
        let zoo = try makeGeneratorTestZoo()
        var configuration = Self.quick
        configuration.trainingSteps = 20
        let optimizer = try LearnedOptimizerTrainer(zoo: zoo, folder: temporaryGeneratorFolder(), configuration: configuration,
                                                    heldOutRunsPerTask: 1).train()
        let evaluator = try TaskEvaluator(zoo: zoo, task: "cord")
        let layout = optimizer.assembly.layout
        let permutation = try UNetPermutation(configuration: optimizer.description.architecture, layout: layout)
        var rng = SeededGenerator(seed: 21)
        let values = try layout.flatten(try PlainConvUNet(optimizer.description.architecture, seed: 6))
        let order = permutation.sample(&rng)
        let permuted = permutation.apply(order, to: values)
        XCTAssertNotEqual(permuted, values)
        let move = zip(try optimizer.update(values, evaluator: evaluator), values).map { $0 - $1 }
        let movePermuted = zip(try optimizer.update(permuted, evaluator: evaluator), permuted).map { $0 - $1 }
        XCTAssertGreaterThan(maximumMagnitude(try Tensor(shape: [move.count], values: move)), 0, "the optimiser moves the network")
        assertClose(try Tensor(shape: [move.count], values: movePermuted), try Tensor(shape: [move.count], values: permutation.apply(order, to: move)),
                    rtol: 1e-4, "the permuted network's move")
    }

    func testItsEvaluationAuditsAndTimesItAgainstTheRecipe() throws {
        let zoo = try makeGeneratorTestZoo()
        let optimizer = try LearnedOptimizerTrainer(zoo: zoo, folder: temporaryGeneratorFolder(), configuration: Self.quick,
                                                    heldOutRunsPerTask: 1).train()
        let evaluation = try optimizer.evaluate(on: zoo, seeds: 2, alignmentStarts: 1, fidelityStarts: 2)
        XCTAssertEqual(evaluation.tasks.map(\.task), ["cord", "canal"])
        for task in evaluation.tasks {
            XCTAssertEqual(task.unseen.count, 2)
            XCTAssertTrue((task.unseen + task.seen).allSatisfy { (0...1).contains($0) })
            let audit = try XCTUnwrap(task.audit)
            XCTAssertEqual(audit.unseen.novelty.values.count, 2)
            XCTAssertNotNil(audit.unseen.fidelityToStart, "start fidelity from the recipe's trainings")
            let speed = try XCTUnwrap(task.speed)
            XCTAssertEqual(speed.target, 0.9 * task.prompt, accuracy: 1e-12)
            XCTAssertEqual(speed.trainingSeconds.count, 2)
            XCTAssertEqual(task.alignmentCurvesUnseen.first?.prompts.count, 20)
        }
    }

    func testAFolderWithoutAReadableDescriptionIsRefusedNamingTheFile() throws {
        let folder = temporaryGeneratorFolder()
        XCTAssertThrowsError(try LearnedOptimizer(folder: folder)) { error in
            XCTAssertTrue("\(error)".contains("optimizer.json"), "\(error)")
        }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data("{\"formatVersion\": 1, \"configuration\": 3}".utf8).write(to: folder.appendingPathComponent("optimizer.json"))
        XCTAssertThrowsError(try LearnedOptimizer(folder: folder)) { error in
            XCTAssertTrue("\(error)".contains("optimizer.json") && "\(error)".contains("unreadable"), "\(error)")
        }
    }
}
