import TensorEngine
import XCTest
@testable import Zoo

/// The plan: reproducible runs, shards that partition it, schedules and distributions as declared.
final class ZooPlanTests: XCTestCase {
    private let plan = ZooPlan(datasetPath: "/data", tasks: ["cord", "canal", "lesion"], runsPerTask: 10, checkpointsPerRun: 20, seed: 9)

    func testRunsAreReproducibleAndDistinct() {
        XCTAssertEqual(plan.runs, plan.runs)
        XCTAssertEqual(plan.runs.count, 30)
        XCTAssertEqual(Set(plan.runs.map(\.seed)).count, 30, "every run has its own initialisation seed")
        var other = plan
        other.seed = 10
        XCTAssertNotEqual(other.runs.map(\.seed), plan.runs.map(\.seed))
    }

    func testShardsPartitionThePlan() throws {
        let shards = try (0..<4).map { try plan.runs(in: Shard(parsing: "\($0)/4")) }
        XCTAssertEqual(shards.map(\.count).reduce(0, +), plan.runs.count)
        let keys = shards.flatMap { $0.map { "\($0.task)/\($0.index)" } }
        XCTAssertEqual(Set(keys).count, plan.runs.count)
        XCTAssertThrowsError(try Shard(parsing: "4/4"))
        XCTAssertThrowsError(try Shard(parsing: "a/b"))
    }

    func testHyperparametersStayInTheDeclaredDistribution() {
        let d = plan.distribution
        for run in plan.runs {
            let h = run.hyperparameters
            XCTAssertTrue(d.optimizers.contains(h.optimizer))
            let range = h.optimizer == .sgd ? d.sgdLearningRate : d.adamLearningRate
            XCTAssertTrue((range.low...range.high).contains(h.learningRate), "\(h.learningRate)")
            XCTAssertTrue(d.batchSizes.contains(h.batchSize))
            XCTAssertTrue(d.iterations.contains(h.iterations))
            XCTAssertTrue((d.weightDecay.low...d.weightDecay.high).contains(h.weightDecay))
            XCTAssertTrue((0...1).contains(h.augmentationStrength))
        }
        XCTAssertEqual(Set(plan.runs.map(\.hyperparameters.optimizer)).count, 2, "30 draws should use both optimisers")
    }

    func testSchedulesIncludeInitialisationAndFinalIteration() {
        for schedule in CheckpointSchedule.allCases {
            var rng = SeededGenerator(seed: 1)
            for (total, count) in [(150, 20), (10, 20), (1, 5), (200, 2)] {
                let iterations = schedule.iterations(total: total, count: count, rng: &rng)
                XCTAssertEqual(iterations.first, 0, "\(schedule)")
                XCTAssertEqual(iterations.last, total, "\(schedule)")
                XCTAssertEqual(iterations.count, min(count, total + 1), "\(schedule) \(total) \(count)")
                XCTAssertEqual(iterations, Array(Set(iterations)).sorted(), "\(schedule): distinct and ascending")
            }
        }
        var rng = SeededGenerator(seed: 1)
        let logSpaced = CheckpointSchedule.logSpaced.iterations(total: 1000, count: 10, rng: &rng)
        XCTAssertLessThan(logSpaced[3], 100, "log spacing is dense early: \(logSpaced)")
    }

    func testInvalidPlansAreRefused() {
        var bad = plan
        bad.checkpointsPerRun = 1
        XCTAssertThrowsError(try bad.validate())
        bad = plan
        bad.tasks = ["cord", "cord"]
        XCTAssertThrowsError(try bad.validate())
        bad = plan
        bad.distribution.adamLearningRate = .logUniform(1e-2, 1e-3)
        XCTAssertThrowsError(try bad.validate())
        bad = plan
        bad.patchSize = [4, 64, 64]
        XCTAssertThrowsError(try bad.validate())
    }

    func testSplitKeepsTestCasesApart() throws {
        let identifiers = (0..<60).map { String(format: "CASE_%04d", $0) }
        let split = try plan.split(identifiers)
        XCTAssertEqual(split.test.count, 32)
        XCTAssertEqual(split.validation.count, 16)
        XCTAssertEqual(split.training.count, 12)
        XCTAssertTrue(Set(split.test).isDisjoint(with: split.training + split.validation))
        XCTAssertTrue(Set(split.validation).isDisjoint(with: split.training))
        XCTAssertThrowsError(try plan.split(Array(identifiers.prefix(40))))
    }
}
