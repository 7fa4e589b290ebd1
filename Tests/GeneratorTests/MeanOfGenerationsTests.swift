import Foundation
import Segmentation
import XCTest
@testable import Generator
@testable import Zoo

/// A start answered by the mean of K generations: each generation reads its own stream of fresh
/// draws, the answer is the parameter-wise mean of theirs, and its cost is all of theirs.
final class MeanOfGenerationsTests: XCTestCase {
    private func trajectory(_ networks: [[Float]], dice: [Double?], seconds: [Double], checks: [Double]) -> UpdateTrajectory {
        UpdateTrajectory(networks: networks, validationDice: dice, seconds: seconds, checkSeconds: checks)
    }

    /// One generation is answered by its own answer, bit for bit; several by the mean of their
    /// answers, each chosen as the answer rule chooses it; the cost of reaching a target sums
    /// every generation's calls, seconds and checks, and is nil where one never reaches it.
    func testItAnswersWithTheMeanOfTheGenerationsAnswersAndCostsAllOfThem() {
        let a = trajectory([[0, 0], [1, 2], [3, 4]], dice: [nil, 0.5, 0.9], seconds: [0, 1, 2], checks: [0, 0.25, 0.5])
        let b = trajectory([[0, 0], [5, 8], [2, 1]], dice: [nil, 0.8, 0.6], seconds: [0, 3, 5], checks: [0, 1, 2])
        XCTAssertEqual(MeanOfGenerations([a]).answer(prompt: 2, choice: .final), [3, 4])
        XCTAssertEqual(MeanOfGenerations([a, b]).answer(prompt: 2, choice: .final), [2.5, 2.5], "the last networks' mean")
        XCTAssertEqual(MeanOfGenerations([a, b]).answer(prompt: 2, choice: .best), [4, 6], "each its best by validation: a's last, b's first call")
        XCTAssertEqual(MeanOfGenerations([a, b]).answer(prompt: 0.7, choice: .final), [4, 6], "each its first network to reach the prompt")
        let cost = MeanOfGenerations([a, b]).cost(toReach: 0.7)
        XCTAssertEqual(cost?.calls, 3)
        XCTAssertEqual(cost?.seconds, 5)
        XCTAssertEqual(cost?.checkSeconds, 1.5)
        XCTAssertNil(MeanOfGenerations([a, b]).cost(toReach: 0.85), "b never reaches 0.85")
        XCTAssertEqual(MeanOfGenerations([a]).cost(toReach: 0.85)?.calls, 2)
    }

    /// An answer averaged over a generation's last K networks is the mean of the answered one and
    /// the K − 1 before it, never reaching back to the start (unless the start is the answer);
    /// K = 1 is the answered network itself, bit for bit.
    func testAnAveragedAnswerIsTheMeanOfTheLastNetworksUpToTheAnsweredOne() {
        let a = trajectory([[0, 0], [1, 2], [3, 4], [5, 9]], dice: [nil, 0.5, 0.9, 0.6], seconds: [0, 1, 2, 3], checks: [0, 0, 0, 0])
        XCTAssertEqual(a.mean(endingAt: 3, count: 1), [5, 9])
        XCTAssertEqual(a.mean(endingAt: 3, count: 2), [4, 6.5])
        XCTAssertEqual(a.mean(endingAt: 3, count: 3), [3, 5])
        XCTAssertEqual(a.mean(endingAt: 3, count: 10), [3, 5], "the start is left out")
        XCTAssertEqual(a.mean(endingAt: 0, count: 3), [0, 0], "a start that answers is itself")
        XCTAssertEqual(MeanOfGenerations([a]).answer(prompt: 2, choice: .final, averagedNetworks: 2), [4, 6.5], "the last two")
        XCTAssertEqual(MeanOfGenerations([a]).answer(prompt: 0.85, choice: .final, averagedNetworks: 2), [2, 3],
                       "the two ending at the first to reach the prompt")
        let b = trajectory([[0, 0], [3, 2], [1, 4]], dice: [nil, 0.1, 0.2], seconds: [0, 1, 2], checks: [0, 0, 0])
        XCTAssertEqual(MeanOfGenerations([a, b]).answer(prompt: 2, choice: .final, averagedNetworks: 2), [3, 4.75],
                       "the mean of each generation's mean")
    }

    /// Stream 0 is every generation's data before streams existed (call k reads draw k); stream j
    /// reads draws no other stream reads, and a generation on it moves as calls on those draws do.
    func testEachStreamOfFreshDrawsIsItsOwnData() throws {
        XCTAssertEqual(LearnedOptimizer.draw(call: 5, stream: 0), 5)
        XCTAssertEqual(LearnedOptimizer.draw(call: 5, stream: 2), 2 << 32 + 5)
        let draws = Set((0..<3).flatMap { stream in (0..<100).map { LearnedOptimizer.draw(call: $0, stream: stream) } })
        XCTAssertEqual(draws.count, 300, "no two streams share a draw")

        let zoo = try makeGeneratorTestZoo()
        var configuration = LearnedOptimizerTests.quick
        configuration.trainingSteps = 20
        let optimizer = try LearnedOptimizerTrainer(zoo: zoo, folder: temporaryGeneratorFolder(), configuration: configuration,
                                                    heldOutRunsPerTask: 1).train()
        let evaluator = try TaskEvaluator(zoo: zoo, task: "cord")
        let start = try optimizer.assembly.layout.flatten(try PlainConvUNet(optimizer.description.architecture, seed: 5))
        let byDefault = try optimizer.trajectory(from: start, task: 0, evaluator: evaluator, stop: .reaching(.infinity, checks: .everyCall), calls: 2)
        let first = try optimizer.trajectory(from: start, task: 0, evaluator: evaluator, stop: .reaching(.infinity, checks: .everyCall), calls: 2, data: .freshDraws(stream: 0))
        let second = try optimizer.trajectory(from: start, task: 0, evaluator: evaluator, stop: .reaching(.infinity, checks: .everyCall), calls: 2, data: .freshDraws(stream: 1))
        XCTAssertEqual(byDefault.networks, first.networks)
        XCTAssertNotEqual(second.networks[1], first.networks[1], "another stream is other data")
        let network = try optimizer.assembly.network(start)
        var values = start, memory = CallMemory()
        for call in 0..<2 {
            (values, memory, _, _) = try optimizer.update(values, on: network, task: 0, evaluator: evaluator, call: call, memory: memory,
                                                       batch: .draw(stream: 1))
            XCTAssertEqual(second.networks[call + 1], values, "call \(call) of stream 1")
        }
    }

    /// An evaluation with K generations per start answers each start with the mean of its K
    /// generations on streams 0 ..< K (its test Dice is the mean network's), names it, and
    /// refuses K < 1 and K > 1 on a recipe's batches (one data order) with a message naming the
    /// option; from another first stream it reads that stream, and refuses a negative one or one
    /// on a recipe's batches; on per-start streams each start reads its own and start dependence
    /// compares starts on one stream; with an averaged answer each start's is its generation's mean
    /// of the last networks.
    func testAnEvaluationAnswersEachStartWithTheMeanOfItsGenerations() throws {
        let zoo = try makeGeneratorTestZoo()
        var configuration = LearnedOptimizerTests.quick
        configuration.trainingSteps = 20
        let optimizer = try LearnedOptimizerTrainer(zoo: zoo, folder: temporaryGeneratorFolder(), configuration: configuration,
                                                    heldOutRunsPerTask: 1).train()
        let evaluation = try optimizer.evaluate(on: zoo, seeds: 2, alignmentStarts: 1, fidelityStarts: 1, answer: .final, generations: 2)
        XCTAssertTrue(evaluation.sampler.hasSuffix("the mean of 2 generations per start, answering with its last network"), evaluation.sampler)
        let task = try XCTUnwrap(evaluation.tasks.first { $0.task == "cord" })
        let evaluator = try TaskEvaluator(zoo: zoo, task: "cord")
        let runs = try zoo.runs(task: "cord", status: .done).filter { $0.source.hasTrajectory }
        let prompt = try XCTUnwrap(try bestCheckpointByValidation(of: runs, in: zoo)).validationDice
        let start = try optimizer.assembly.layout.flatten(
            try PlainConvUNet(optimizer.description.architecture, seed: unseenInitialisationSeeds(count: 2, avoiding: runs)[0]))
        let generations = try (0..<2).map {
            try optimizer.trajectory(from: start, task: 0, evaluator: evaluator, stop: .reaching(prompt, checks: .everyCall), data: .freshDraws(stream: $0))
        }
        let mean = MeanOfGenerations(generations).answer(prompt: prompt, choice: .final)
        XCTAssertNotEqual(mean, generations[0].networks[generations[0].networks.count - 1], "two generations, not one")
        let dice = try optimizer.assembly.withNetwork(mean) { try evaluator.testDice($0) }
        XCTAssertEqual(task.unseen[0], dice, accuracy: 1e-9, "the first unseen start's answer is the mean of its two generations")
        XCTAssertEqual(task.alignmentCurvesUnseen.count, 1)

        // From stream 3: the first unseen start's answer is its generation on stream 3.
        let third = try optimizer.evaluate(on: zoo, seeds: 2, alignmentStarts: 0, fidelityStarts: 1, answer: .final, firstStream: 3)
        XCTAssertTrue(third.sampler.hasSuffix("fresh draws from stream 3, answering with its last network"), third.sampler)
        let onThird = try optimizer.trajectory(from: start, task: 0, evaluator: evaluator, stop: .reaching(prompt, checks: .everyCall),
                                               data: .freshDraws(stream: 3))
        let thirdDice = try optimizer.assembly.withNetwork(onThird.networks[onThird.answer(prompt: prompt, choice: .final)]) { try evaluator.testDice($0) }
        XCTAssertEqual(try XCTUnwrap(third.tasks.first { $0.task == "cord" }).unseen[0], thirdDice, accuracy: 1e-9)

        // Per-start streams: start s reads stream s, and start dependence compares a start's network
        // with its successor's on the start's streams (on stream 0 for the first, as under shared streams).
        let shared = try XCTUnwrap(try optimizer.evaluate(on: zoo, seeds: 2, alignmentStarts: 0, fidelityStarts: 1, answer: .final)
            .tasks.first { $0.task == "cord" })
        let perStart = try optimizer.evaluate(on: zoo, seeds: 2, alignmentStarts: 0, fidelityStarts: 1, answer: .final, streams: .perStart)
        XCTAssertTrue(perStart.sampler.hasSuffix("each start on its own streams, answering with its last network"), perStart.sampler)
        let perStartCord = try XCTUnwrap(perStart.tasks.first { $0.task == "cord" })
        XCTAssertEqual(perStartCord.unseen[0], shared.unseen[0], accuracy: 1e-9, "the first start reads stream 0 either way")
        let second = try optimizer.assembly.layout.flatten(
            try PlainConvUNet(optimizer.description.architecture, seed: unseenInitialisationSeeds(count: 2, avoiding: runs)[1]))
        let secondOnItsOwn = try optimizer.trajectory(from: second, task: 0, evaluator: evaluator, stop: .reaching(prompt, checks: .everyCall),
                                                      data: .freshDraws(stream: 1))
        let secondDice = try optimizer.assembly.withNetwork(secondOnItsOwn.networks[secondOnItsOwn.answer(prompt: prompt, choice: .final)]) {
            try evaluator.testDice($0)
        }
        XCTAssertEqual(perStartCord.unseen[1], secondDice, accuracy: 1e-9, "the second start reads stream 1")
        let dependence = try XCTUnwrap(perStartCord.audit).unseen.startDependence.values
        let sharedDependence = try XCTUnwrap(shared.audit).unseen.startDependence.values
        XCTAssertEqual(dependence[0], sharedDependence[0], accuracy: 1e-9, "the two starts on stream 0")
        XCTAssertNotEqual(dependence[1], sharedDependence[1], "the two starts on stream 1")
        XCTAssertThrowsError(try optimizer.evaluate(on: zoo, seeds: 1, alignmentStarts: 0, fidelityStarts: 0, data: .recipeBatches, streams: .perStart)) {
            XCTAssertTrue("\($0)".contains("--streams per-start"), "\($0)")
        }

        // Each answer the mean of the generation's last 2 networks.
        let averaged = try optimizer.evaluate(on: zoo, seeds: 2, alignmentStarts: 0, fidelityStarts: 1, answer: .final, averagedNetworks: 2)
        XCTAssertTrue(averaged.sampler.hasSuffix("each answer the mean of a generation's last 2 networks, answering with its last network"),
                      averaged.sampler)
        let last = generations[0].networks.count - 1
        XCTAssertGreaterThanOrEqual(last, 2, "the generation makes as many calls as the mean reads")
        let averagedDice = try optimizer.assembly.withNetwork(generations[0].mean(endingAt: last, count: 2)) { try evaluator.testDice($0) }
        XCTAssertEqual(try XCTUnwrap(averaged.tasks.first { $0.task == "cord" }).unseen[0], averagedDice, accuracy: 1e-9)
        XCTAssertThrowsError(try optimizer.evaluate(on: zoo, seeds: 1, alignmentStarts: 0, fidelityStarts: 0, averagedNetworks: 0)) {
            XCTAssertTrue("\($0)".contains("--average-last 0"), "\($0)")
        }
        for (stream, data) in [(-1, EvaluationData.freshDraws), (1, .recipeBatches)] {
            XCTAssertThrowsError(try optimizer.evaluate(on: zoo, seeds: 1, alignmentStarts: 0, fidelityStarts: 0, data: data, firstStream: stream)) {
                XCTAssertTrue("\($0)".contains("--first-stream \(stream)"), "\($0)")
            }
        }

        for (generations, data) in [(0, EvaluationData.freshDraws), (2, .recipeBatches)] {
            XCTAssertThrowsError(try optimizer.evaluate(on: zoo, seeds: 1, alignmentStarts: 0, fidelityStarts: 0, data: data,
                                                        generations: generations)) {
                XCTAssertTrue("\($0)".contains("--generations \(generations)"), "\($0)")
            }
        }
    }
}
