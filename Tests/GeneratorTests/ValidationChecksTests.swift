import Foundation
@testable import Generator
import Segmentation
import TensorEngine
import XCTest
import Zoo

/// Which networks a generation checks: gated, only the network after a call whose batch Dice
/// reached the asked share of its target (every call's batch Dice is recorded); or the network
/// after every n-th call.
final class ValidationChecksTests: XCTestCase {
    /// An optimiser whose calls read 4 fresh training patches, trained for 20 steps (or, with
    /// `history` `.adamStep`, none: Adam's own step).
    private func patchOptimizer(_ zoo: Zoo, history: GradientHistory = .none) throws -> LearnedOptimizer {
        var configuration = LearnedOptimizerTests.quick
        configuration.trainingSteps = history == .adamStep ? 0 : 20
        configuration.history = history
        configuration.gradient = .trainingPatches
        configuration.casesPerCall = 4
        return try LearnedOptimizerTrainer(zoo: zoo, folder: temporaryGeneratorFolder(), configuration: configuration,
                                           heldOutRunsPerTask: 1).train()
    }

    /// Every call records the Dice of the batch it read at the network before its move (as that
    /// batch's own gradient reports it); checks gated at a share of the target check exactly the
    /// calls whose batch reached it, and a generation that reaches nothing has its last network
    /// and its start checked. The networks are those of a generation checked at every call.
    func testGatedChecksCheckExactlyTheCallsWhoseBatchReachedTheirShare() throws {
        let zoo = try makeGeneratorTestZoo()
        let optimizer = try patchOptimizer(zoo)
        let evaluator = try TaskEvaluator(zoo: zoo, task: "cord")
        let layout = optimizer.assembly.layout
        let start = try allForegroundStart(optimizer)
        let calls = 4

        let everyCall = try optimizer.trajectory(from: start, task: 0, evaluator: evaluator, stop: .reaching(.infinity, checks: .everyCall), calls: calls)
        XCTAssertEqual(everyCall.batchDice.count, calls)
        for call in 0..<calls {
            let expected = try optimizer.assembly.withNetwork(everyCall.networks[call]) {
                try evaluator.patchGradient($0, layout: layout, patchSize: zoo.plan.patchSize, patches: 4,
                                            seed: LearnedOptimizer.patchSeed(draw: LearnedOptimizer.draw(call: call, stream: 0))).batchDice
            }
            XCTAssertEqual(try XCTUnwrap(everyCall.batchDice[call]), expected, accuracy: 1e-12, "call \(call)'s batch at the network before its move")
        }
        XCTAssertTrue(everyCall.validationDice.allSatisfy { $0 != nil }, "every network checked, and the start as nothing was reached")

        let dice = everyCall.batchDice.map { $0! }
        // The best of the calls before the last: they are checked, the others passed over.
        let threshold = dice.prefix(calls - 1).max()!
        XCTAssertLessThan(dice.prefix(calls - 1).min()!, threshold, "batches of differing Dice: \(dice)")
        // Target 1.5 is out of reach; the share makes the batch threshold `threshold`.
        let gated = try optimizer.trajectory(from: start, task: 0, evaluator: evaluator,
                                             stop: .reaching(1.5, checks: .whenBatchDiceReaches(threshold / 1.5)), calls: calls)
        XCTAssertEqual(gated.networks, everyCall.networks, "the checks change no move")
        XCTAssertEqual(gated.batchDice, everyCall.batchDice)
        for call in 1..<calls {
            XCTAssertEqual(gated.validationDice[call] != nil, dice[call - 1] >= threshold, "network \(call): checked iff its call's batch reached \(threshold)")
            if let measured = gated.validationDice[call] {
                XCTAssertEqual(measured, try XCTUnwrap(everyCall.validationDice[call]), accuracy: 1e-12)
            }
        }
        XCTAssertNotNil(gated.validationDice[calls], "the last network is checked when the calls run out")
        XCTAssertNotNil(gated.validationDice[0], "and the start, as no call reached the target")

        let never = try optimizer.trajectory(from: start, task: 0, evaluator: evaluator,
                                             stop: .reaching(1.5, checks: .whenBatchDiceReaches(1)), calls: calls)
        XCTAssertEqual(never.validationDice.map { $0 != nil }, [true] + [Bool](repeating: false, count: calls - 1) + [true],
                       "no batch reaches 1.5: only the last network and the start are checked")
        XCTAssertEqual(never.validationDice[never.answer(prompt: 1.5, choice: .best)], never.bestValidationDice,
                       "best answers with the best of the checked networks")
        XCTAssertEqual(never.answer(prompt: 1.5, choice: .final), calls)

        let reached = try optimizer.trajectory(from: start, task: 0, evaluator: evaluator,
                                               stop: .reaching(-1, checks: .whenBatchDiceReaches(0)), calls: calls)
        XCTAssertEqual(reached.networks.count, 2, "share 0 checks the first call's network, which reaches a target below every Dice")
    }

    /// Checks every n-th call check exactly the networks after calls n, 2n, … with the Dice an
    /// every-call generation measures, change no move, and, the calls run out, check the last
    /// network and the start; a generation whose target every network reaches stops after call n.
    func testEveryNthCallChecksExactlyTheNetworksAfterCallsNTwoNAndTheLast() throws {
        let zoo = try makeGeneratorTestZoo()
        let optimizer = try patchOptimizer(zoo)
        let evaluator = try TaskEvaluator(zoo: zoo, task: "cord")
        let start = try allForegroundStart(optimizer)
        let calls = 7, n = 3
        let everyCall = try optimizer.trajectory(from: start, task: 0, evaluator: evaluator, stop: .reaching(1.5, checks: .everyCall), calls: calls)
        let sparse = try optimizer.trajectory(from: start, task: 0, evaluator: evaluator, stop: .reaching(1.5, checks: .everyNthCall(n)), calls: calls)
        XCTAssertEqual(sparse.networks, everyCall.networks, "the checks change no move")
        XCTAssertEqual(sparse.validationDice.indices.filter { sparse.validationDice[$0] != nil }, [0, 3, 6, 7],
                       "the start and the last network (nothing reached 1.5), and the networks after calls 3 and 6")
        for network in [0, 3, 6, 7] {
            XCTAssertEqual(try XCTUnwrap(sparse.validationDice[network]), try XCTUnwrap(everyCall.validationDice[network]), accuracy: 1e-12)
        }
        let reached = try optimizer.trajectory(from: start, task: 0, evaluator: evaluator, stop: .reaching(-1, checks: .everyNthCall(n)), calls: calls)
        XCTAssertEqual(reached.networks.count, n + 1, "the first check, after call \(n), reaches a target below every Dice")
        XCTAssertEqual(reached.validationDice.map { $0 != nil }, [false, false, false, true])
    }

    /// A start that calls every voxel foreground (its segmentation layers' biases set so), so
    /// that a batch's Dice, 2F / (N + F) for F foreground voxels of N, differs between batches.
    private func allForegroundStart(_ optimizer: LearnedOptimizer) throws -> [Float] {
        let layout = optimizer.assembly.layout
        var start = try layout.flatten(try PlainConvUNet(optimizer.description.architecture, seed: 5))
        for entry in layout.entries where entry.name.contains("seg_layers") && entry.name.hasSuffix(".bias") {
            start[entry.offset] = -20
            start[entry.offset + 1] = 20
        }
        return start
    }

    /// Checks that stop once a network is certain to lie below a floor change no move, leave
    /// exactly the networks below it unmeasured and give the others their whole measure; the last
    /// network and the start, which an answer reads when nothing reached the target, are measured whole.
    func testBoundedChecksLeaveExactlyTheNetworksBelowTheirFloorUnmeasured() throws {
        // Adam's own step (which reads the runs' optimiser state), moving a start's Dice within a few calls.
        let zoo = try makeGeneratorTestZoo(checkpointContent: .parametersAndOptimizerState)
        let optimizer = try patchOptimizer(zoo, history: .adamStep)
        let evaluator = try TaskEvaluator(zoo: zoo, task: "cord")
        let start = try optimizer.assembly.layout.flatten(try PlainConvUNet(optimizer.description.architecture, seed: 5))
        let calls = 6
        let whole = try optimizer.trajectory(from: start, task: 0, evaluator: evaluator, stop: .reaching(1.5, checks: .everyCall), calls: calls)
        let measured = try whole.validationDice.map { try XCTUnwrap($0) }
        let floor = (measured.min()! + measured.max()!) / 2
        XCTAssertLessThan(measured.min()!, measured.max()!, "networks of differing Dice: \(measured)")
        let bounded = try optimizer.trajectory(from: start, task: 0, evaluator: evaluator,
                                               stop: .reaching(1.5, checks: .everyCall, extent: .untilCertainlyBelow(floor)), calls: calls)
        XCTAssertEqual(bounded.networks, whole.networks, "the checks change no move")
        for call in 1..<calls {
            XCTAssertEqual(bounded.validationDice[call], measured[call] < floor ? nil : measured[call], "network \(call) of \(measured), floor \(floor)")
        }
        XCTAssertEqual(bounded.checkedBelowFloor, Set((1..<calls).filter { measured[$0] < floor }), "checked, with no Dice")
        XCTAssertEqual(bounded.validationDice[calls], measured[calls], "the last network measured whole when the calls run out")
        XCTAssertEqual(bounded.validationDice[0], measured[0], "and the start")
    }

    /// An unchecked generation takes no choice of checks, and a rule on whole cases (no batch
    /// Dice) refuses gated ones, each with a message saying why.
    func testContradictoryChecksAreRefused() throws {
        XCTAssertThrowsError(try GenerationAnswer.unchecked.stop(reaching: 0.5, checks: .whenBatchDiceReaches(0.9))) {
            XCTAssertTrue("\($0)".contains("unchecked"), "\($0)")
        }
        XCTAssertThrowsError(try GenerationAnswer.unchecked.stop(reaching: 0.5, checks: .everyCall))
        XCTAssertThrowsError(try GenerationAnswer.unchecked.stop(reaching: 0.5, checks: .everyNthCall(4)))
        for n in [-1, 0, 1] {
            XCTAssertThrowsError(try GenerationAnswer.final.stop(reaching: 0.5, checks: .everyNthCall(n))) {
                XCTAssertTrue("\($0)".contains("n ≥ 2"), "\($0)")
            }
        }
        XCTAssertEqual(try GenerationAnswer.best.stop(reaching: 0.5, checks: .whenBatchDiceReaches(0.9)), .reaching(0.5, checks: .whenBatchDiceReaches(0.9)))
        XCTAssertThrowsError(try GenerationAnswer.unchecked.stop(reaching: 0.5, extent: .untilCertainlyBelow(0.45))) {
            XCTAssertTrue("\($0)".contains("how far"), "\($0)")
        }
        XCTAssertEqual(try GenerationAnswer.final.stop(reaching: 0.5, extent: .untilCertainlyBelow(0.45)),
                       .reaching(0.5, checks: .everyCall, extent: .untilCertainlyBelow(0.45)))

        let zoo = try makeGeneratorTestZoo()
        var configuration = LearnedOptimizerTests.quick
        configuration.trainingSteps = 5
        configuration.gradient = .wholeCases
        let wholeCases = try LearnedOptimizerTrainer(zoo: zoo, folder: temporaryGeneratorFolder(), configuration: configuration,
                                                     heldOutRunsPerTask: 1).train()
        let start = try wholeCases.assembly.layout.flatten(try PlainConvUNet(wholeCases.description.architecture, seed: 5))
        XCTAssertThrowsError(try wholeCases.trajectory(from: start, task: 0, evaluator: try TaskEvaluator(zoo: zoo, task: "cord"),
                                                       stop: .reaching(0.5, checks: .whenBatchDiceReaches(0.9)))) {
            XCTAssertTrue("\($0)".contains("whole cases"), "\($0)")
        }
        // Bounded checks leave networks below 0.9 × the prompt unmeasured, from which prompt alignment answers lower prompts.
        XCTAssertThrowsError(try wholeCases.evaluate(on: zoo, seeds: 1, alignmentStarts: 1, fidelityStarts: 0, boundedChecks: true)) {
            XCTAssertTrue("\($0)".contains("--alignment-starts 0"), "\($0)")
        }
    }

    /// `every-call`, `every:N` (N a whole number ≥ 2: every:1 is every-call) and `batch-dice:F` (F a
    /// finite share ≥ 0) read back as written; anything else is refused.
    func testTheChecksOptionReadsItsThreeSpellings() {
        XCTAssertEqual(ValidationChecks("every-call"), .everyCall)
        XCTAssertEqual(ValidationChecks("every:16"), .everyNthCall(16))
        XCTAssertEqual(ValidationChecks("batch-dice:0.9"), .whenBatchDiceReaches(0.9))
        XCTAssertEqual(ValidationChecks("batch-dice:0"), .whenBatchDiceReaches(0))
        for checks in [ValidationChecks.everyCall, .everyNthCall(2), .whenBatchDiceReaches(0.85)] {
            XCTAssertEqual(ValidationChecks(checks.description), checks)
        }
        for text in ["", "every", "every:", "every:1", "every:0", "every:-4", "every:2.5", "every:x", "every: 4",
                     "batch-dice:", "batch-dice:-0.1", "batch-dice:nan", "batch-dice:inf", "batch-dice:x", "Batch-dice:0.9"] {
            XCTAssertNil(ValidationChecks(text), "'\(text)' is no choice of checks")
        }
    }
}
