import Foundation
import Segmentation
import XCTest
@testable import Generator
@testable import Zoo

/// A generation on forked draws: its first calls made by one fork per stream, each on its own
/// data with its own memory, then the forks' mean, with their memories' mean, going on alone.
final class ForkedDrawsTests: XCTestCase {
    /// Replayed call by call: every fork's first call from the start on its own stream, their
    /// parameter-wise mean as network 1 (unchecked), then calls 1 and 2 on the first stream from
    /// that mean with the mean of the forks' previous moves and Adam moments; the calls made count
    /// the forked call once per fork. Forked draws that leave the mean no call, or have no
    /// stream, are refused, and so is an evaluation forking a single generation.
    func testTheForksMeanGoesOnAloneOnTheFirstStream() throws {
        let zoo = try makeGeneratorTestZoo(checkpointContent: .parametersAndOptimizerState)
        var configuration = LearnedOptimizerTests.quick
        configuration.trainingSteps = 20
        configuration.history = .adamMoments
        let optimizer = try LearnedOptimizerTrainer(zoo: zoo, folder: temporaryGeneratorFolder(), configuration: configuration,
                                                    heldOutRunsPerTask: 1).train()
        let evaluator = try TaskEvaluator(zoo: zoo, task: "cord")
        let start = try optimizer.assembly.layout.flatten(try PlainConvUNet(optimizer.description.architecture, seed: 5))
        let forked = try optimizer.trajectory(from: start, task: 0, evaluator: evaluator, stop: .reaching(.infinity, checks: .everyCall),
                                              calls: 3, data: .forkedDraws(streams: 4..<7, calls: 1))

        let network = try optimizer.assembly.network(start)
        let forks = try (4..<7).map { stream in
            let (values, memory, _, _) = try optimizer.update(start, on: network, task: 0, evaluator: evaluator, call: 0, memory: CallMemory(),
                                                              batch: .draw(stream: stream))
            return (values: values, memory: memory)
        }
        XCTAssertNotEqual(forks[0].values, forks[1].values, "each fork reads its own stream")
        let mean = average(of: forks.map(\.values))
        XCTAssertEqual(forked.networks[1], mean, "network 1 is the forks' mean")
        let moments = forks.compactMap(\.memory.moments), moves = forks.compactMap(\.memory.previousMove)
        XCTAssertEqual(moments.count, 3, "a rule reading Adam's moments keeps them")
        XCTAssertEqual(moves.count, 3, "and its previous move")
        let averaged = CallMemory(
            previousMove: average(of: moves),
            moments: GradientMoments(
                second: MomentEstimate(.second, values: average(of: moments.map(\.second.values)), iterations: moments[0].second.iterations),
                first: MomentEstimate(.first, values: average(of: moments.compactMap { $0.first?.values }), iterations: moments[0].second.iterations)))
        var values = mean, memory = averaged
        for call in 1..<3 {
            (values, memory, _, _) = try optimizer.update(values, on: network, task: 0, evaluator: evaluator, call: call, memory: memory,
                                                       batch: .draw(stream: 4))
            XCTAssertEqual(forked.networks[call + 1], values, "call \(call) goes on from the mean on the first stream")
        }
        XCTAssertNil(forked.validationDice[1], "the forks' mean is not checked")
        XCTAssertNotNil(forked.validationDice[2])
        XCTAssertEqual(forked.callsMade(toReach: 1), 3)
        XCTAssertEqual(forked.callsMade(toReach: 3), 5, "three forked calls and two more")

        for data in [GenerationData.forkedDraws(streams: 0..<2, calls: 3), .forkedDraws(streams: 0..<2, calls: 0), .forkedDraws(streams: 2..<2, calls: 1)] {
            XCTAssertThrowsError(try optimizer.trajectory(from: start, task: 0, evaluator: evaluator, stop: .reaching(.infinity, checks: .everyCall),
                                                          calls: 3, data: data))
        }
        XCTAssertThrowsError(try optimizer.evaluate(on: zoo, seeds: 1, alignmentStarts: 0, fidelityStarts: 0, forkedCalls: 1)) {
            XCTAssertTrue("\($0)".contains("--forked-calls 1"), "\($0)")
        }
    }

    private func average(of vectors: [[Float]]) -> [Float] {
        vectors[0].indices.map { i in Float(vectors.reduce(0.0) { $0 + Double($1[i]) } / Double(vectors.count)) }
    }
}
