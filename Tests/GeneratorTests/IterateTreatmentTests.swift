import Foundation
@testable import Generator
import Segmentation
import TensorEngine
import XCTest
import Zoo

/// What a generation makes of its calls' networks: as made, their exponential moving average
/// (checked and kept, the calls going on from their own networks), or the network extrapolated
/// along its last calls' move (the calls going on from there).
final class IterateTreatmentTests: XCTestCase {
    /// The largest difference between two parameter vectors relative to the largest value of the first.
    private func relativeDifference(_ a: [Float], _ b: [Float]) -> Float {
        zip(a, b).map { abs($0 - $1) }.max()! / a.map(abs).max()!
    }

    /// The averaged generation keeps, after each call, decay × the previous average + (1 − decay)
    /// × that call's network as made (the first call's network itself), its calls moving exactly
    /// as those of a generation kept as made; its last network is checked whole.
    func testAnAveragedGenerationKeepsTheMovingAverageOfTheNetworksItsCallsMake() throws {
        let (optimizer, evaluator, start) = try adamStepGeneration(casesPerCall: 4)
        let calls = 5, decay: Float = 0.6
        let made = try optimizer.trajectory(from: start, task: 0, evaluator: evaluator, stop: .afterEveryCall, calls: calls)
        try optimizer.setIterates(.exponentialAverage(decay: decay))
        let averaged = try optimizer.trajectory(from: start, task: 0, evaluator: evaluator, stop: .afterEveryCall, calls: calls)
        XCTAssertEqual(averaged.networks.count, calls + 1)
        XCTAssertTrue(averaged.networks[0] == start, "the start is kept first")
        var average = made.networks[1]
        XCTAssertTrue(averaged.networks[1] == average, "the first call's network starts the average")
        for call in 2...calls {
            average = zip(average, made.networks[call]).map { decay * $0 + (1 - decay) * $1 }
            XCTAssertLessThan(relativeDifference(average, averaged.networks[call]), 1e-6, "call \(call)")
            XCTAssertGreaterThan(relativeDifference(made.networks[call], averaged.networks[call]), 1e-4,
                                 "call \(call): the average is not the call's own network")
        }
        let lastDice = try optimizer.assembly.withNetwork(averaged.networks[calls]) { try evaluator.validationDice($0) }
        XCTAssertEqual(try XCTUnwrap(averaged.validationDice[calls]), lastDice, accuracy: 1e-12, "the average is what is checked")
    }

    /// After calls n, 2n, … the network moves on by factor × its move over the last n calls and
    /// the calls go on from there: the first n − 1 networks are those made, the n-th is
    /// extrapolated from the start, and the next calls leave from it.
    func testAnExtrapolatedGenerationJumpsAfterEveryNthCallAndGoesOnFromTheJump() throws {
        let (optimizer, evaluator, start) = try adamStepGeneration(casesPerCall: 4)
        let n = 2, factor: Float = 0.5
        let made = try optimizer.trajectory(from: start, task: 0, evaluator: evaluator, stop: .afterEveryCall, calls: 4)
        try optimizer.setIterates(.extrapolated(everyCalls: n, factor: factor))
        let jumped = try optimizer.trajectory(from: start, task: 0, evaluator: evaluator, stop: .afterEveryCall, calls: 4)
        XCTAssertTrue(jumped.networks[1] == made.networks[1], "no jump after the first call")
        let expected = zip(made.networks[2], start).map { $0 + factor * ($0 - $1) }
        XCTAssertLessThan(relativeDifference(expected, jumped.networks[2]), 1e-6, "after call 2: 1.5 × its move from the start")
        XCTAssertGreaterThan(relativeDifference(made.networks[3], jumped.networks[3]), 1e-4, "call 3 leaves from the jump")
        // The second jump reads the move since the first one's landing.
        let third = try optimizer.trajectory(from: start, task: 0, evaluator: evaluator, stop: .afterEveryCall, calls: 3)
        XCTAssertTrue(third.networks[3] == jumped.networks[3], "no jump after call 3")
        XCTAssertTrue(jumped.networks[4] != jumped.networks[3], "call 4 moves on")
    }

    /// The spellings read back what they write, and values outside each treatment's range are
    /// refused when read and when set.
    func testTreatmentsReadTheirSpellingsAndRefuseOutOfRangeValues() throws {
        for treatment: IterateTreatment in [.asMade, .exponentialAverage(decay: 0.9), .extrapolated(everyCalls: 16, factor: 0.3)] {
            XCTAssertEqual(IterateTreatment(treatment.description), treatment, treatment.description)
        }
        XCTAssertEqual(IterateTreatment("ema:0"), .exponentialAverage(decay: 0))
        for refused in ["ema:1", "ema:-0.1", "ema:nan", "ema", "extrapolate:0:1", "extrapolate:4:0", "extrapolate:4:inf", "extrapolate:4",
                        "as-made:1", "average", ""] {
            XCTAssertNil(IterateTreatment(refused), refused)
        }
        let zoo = try makeGeneratorTestZoo(checkpointContent: .parametersAndOptimizerState)
        let optimizer = try adamStepOptimizer(zoo, casesPerCall: 4)
        XCTAssertThrowsError(try optimizer.setIterates(.exponentialAverage(decay: 1)))
        XCTAssertThrowsError(try optimizer.setIterates(.extrapolated(everyCalls: 3, factor: -1)))
        XCTAssertEqual(optimizer.iterates, .asMade, "a refused treatment leaves the one set")
    }
}

/// Filter norms held through a call: every filter an instance norm follows keeps its norm, and
/// every other parameter moves as it would with the norms free.
final class FilterNormsTests: XCTestCase {
    /// Every filter (one output channel's weights) of the tensors `assembly` marks scaled away by their norm.
    private func filters(of assembly: NetworkAssembly) -> [(name: String, range: Range<Int>)] {
        zip(assembly.layout.entries, assembly.scaledAwayByNorm).filter(\.1).flatMap { entry, _ in
            let size = entry.count / entry.shape[0]
            return (0..<entry.shape[0]).map { ("\(entry.name) filter \($0)", (entry.offset + $0 * size)..<(entry.offset + ($0 + 1) * size)) }
        }
    }

    private func norm(_ values: [Float], _ range: Range<Int>) -> Float {
        range.map { values[$0] * values[$0] }.reduce(0, +).squareRoot()
    }

    func testHeldFiltersKeepTheirNormsAndEveryOtherParameterMovesAsFree() throws {
        let (optimizer, evaluator, start) = try adamStepGeneration()
        let assembly = optimizer.assembly
        let free = try optimizer.update(start, task: 0, evaluator: evaluator).values
        optimizer.filterNorms = .held
        let held = try optimizer.update(start, task: 0, evaluator: evaluator).values
        XCTAssertTrue(assembly.scaledAwayByNorm.contains(true), "the architecture has filters an instance norm follows")
        for (entry, scaledAway) in zip(assembly.layout.entries, assembly.scaledAwayByNorm) where !scaledAway {
            let range = entry.offset..<(entry.offset + entry.count)
            XCTAssertTrue(range.allSatisfy { held[$0] == free[$0] }, "\(entry.name) moves as with the norms free")
        }
        var changedByFree = 0
        for filter in filters(of: assembly) {
            let (atStart, atHeld, atFree) = (norm(start, filter.range), norm(held, filter.range), norm(free, filter.range))
            XCTAssertEqual(atHeld, atStart, accuracy: 1e-5 * atStart, filter.name)
            if abs(atFree - atStart) > 1e-3 * atStart { changedByFree += 1 }
            // Held is the free move scaled back: the same direction.
            let cosine = filter.range.map { held[$0] * free[$0] }.reduce(0, +) / (atHeld * atFree)
            XCTAssertEqual(cosine, 1, accuracy: 1e-5)
        }
        XCTAssertGreaterThan(changedByFree, 0, "a free call changes some filter's norm")
    }

    /// Held norms hold under Shampoo's direction too: it turns the move, the filters are scaled back after.
    func testHeldFiltersKeepTheirNormsUnderShampoosDirection() throws {
        let (optimizer, evaluator, start) = try adamStepGeneration()
        optimizer.filterNorms = .held
        try optimizer.setDirection(.shampoo(decay: 0.9, refreshEvery: 1))
        let assembly = optimizer.assembly
        let moved = try optimizer.trajectory(from: start, task: 0, evaluator: evaluator, stop: .afterEveryCall, calls: 2).networks[2]
        for filter in filters(of: assembly) {
            XCTAssertEqual(norm(moved, filter.range), norm(start, filter.range), accuracy: 1e-5 * norm(start, filter.range), filter.name)
        }
        XCTAssertFalse(filters(of: assembly).isEmpty)
        XCTAssertTrue(moved != start, "the calls move")
    }
}

