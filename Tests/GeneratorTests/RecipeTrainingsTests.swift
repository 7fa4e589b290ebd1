import Foundation
import Segmentation
import TensorEngine
import XCTest
import Zoo
@testable import Generator

/// Recipe trainings are what start fidelity and the time to target compare generated networks
/// with: measuring them along the way must not change them, and asking again must not train again.
final class RecipeTrainingsTests: XCTestCase {
    func testMeasuringLeavesATrainingUnchangedAndAskingAgainReturnsTheKeptOne() throws {
        let zoo = try makeGeneratorTestZoo()
        let evaluator = try TaskEvaluator(zoo: zoo, task: "cord")
        let run = try XCTUnwrap(try zoo.runs(task: "cord", status: .done).first)
        let architectureID = try zoo.planArchitectureID()
        let assembly = try zoo.assembly(architectureID)
        let architecture = try zoo.architecture(architectureID).configuration
        let starts = try [UInt64(7_000_000), 7_000_001].map { try assembly.layout.flatten(try PlainConvUNet(architecture, seed: $0)) }
        let recipe = run.hyperparameters, patchSize = zoo.plan.patchSize
        let trainings = RecipeTrainings()
        func train(_ order: RecipeDataOrder) throws -> [RecipeTraining] {
            try trainings.train(starts, task: "cord", run: run, order: order, patchSize: patchSize, evaluator: evaluator, assembly: assembly)
        }

        let measured = try train(.trained)
        for (k, training) in measured.enumerated() {
            XCTAssertEqual(training.curve.map(\.iteration), Array(0...recipe.iterations), "validation Dice at every iteration")
            XCTAssertEqual(training.curve.map(\.seconds), training.curve.map(\.seconds).sorted(), "training time only grows")
            XCTAssertEqual(training.testDice.count, RecipeTraining.testIterations(upTo: recipe.iterations).count)
            XCTAssertGreaterThan(training.seconds, 0)
            // The same training unmeasured, on one engine thread as each training of the set runs
            // (Adam turns the rounding noise of a bias's gradient before instance norm into full steps,
            // so another thread count trains to another network).
            let plain = try parallelMap(1) { _ -> [Float] in
                var final: [Float] = []
                try evaluator.train(try assembly.network(starts[k]), hyperparameters: recipe, patchSize: patchSize,
                                    seed: RecipeDataOrder.trained.seed(start: k), snapshotIterations: [recipe.iterations]) {
                    final = try assembly.layout.flatten($0.network)
                }
                return final
            }[0]
            XCTAssertEqual(training.final, plain, "start \(k): the measured training ends where the same training without measurements does")
            // Stopped early by validation: the network of the curve's first best validation Dice.
            let best = try XCTUnwrap(training.curve.max { $0.validationDice < $1.validationDice })
            let first = try XCTUnwrap(training.curve.first { $0.validationDice == best.validationDice })
            let earlyStopped = try XCTUnwrap(training.earlyStopped, "start \(k): the measured order keeps its best validation network")
            XCTAssertEqual(try assembly.withNetwork(earlyStopped) { try evaluator.validationDice($0) }, first.validationDice, accuracy: 1e-12,
                           "start \(k): the kept network scores the curve's best")
            XCTAssertEqual(earlyStopped == training.final, first.iteration == recipe.iterations, "start \(k): the final only when it is the best")
            // The recipe's answer to a prompt: its first network reaching it, else its best.
            XCTAssertEqual(training.records.map(\.iteration), training.curve.indices.filter { i in
                training.curve[..<i].allSatisfy { $0.validationDice < training.curve[i].validationDice }
            }.map { training.curve[$0].iteration }, "start \(k): a record at every iteration that beats all before it")
            let start = training.curve[0].validationDice
            let prompt = start + 0.5 * (best.validationDice - start)
            let reaching = try XCTUnwrap(training.curve.first { $0.validationDice >= prompt })
            let answer = try XCTUnwrap(training.answer(prompt: prompt))
            XCTAssertEqual(try assembly.withNetwork(answer) { try evaluator.validationDice($0) }, reaching.validationDice, accuracy: 1e-12,
                           "start \(k): the answer halfway is the first network to reach it")
            XCTAssertEqual(training.answer(prompt: best.validationDice + 0.01), earlyStopped, "start \(k): above the best, the best")
        }
        XCTAssertEqual(try train(.trained).map(\.seconds), measured.map(\.seconds), "asked again: the kept trainings, not new ones")

        let retrained = try train(.retrained)
        XCTAssertTrue(retrained.allSatisfy { $0.curve.isEmpty && $0.testDice.isEmpty && $0.earlyStopped == nil && $0.answer(prompt: 0) == nil }, "only the trained order is measured")
        XCTAssertNotEqual(retrained[0].final, measured[0].final, "another data order trains to another network")
    }

    func testTestIterationsDoubleFromTenAndEndAtTheLast() {
        XCTAssertEqual(RecipeTraining.testIterations(upTo: 300), [0, 10, 20, 40, 80, 160, 300])
        XCTAssertEqual(RecipeTraining.testIterations(upTo: 10), [0, 10])
    }
}
