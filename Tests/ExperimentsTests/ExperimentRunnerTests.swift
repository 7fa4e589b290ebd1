import Foundation
import XCTest
@testable import Experiments
import Generator
import Zoo

/// The whole pipeline at toy size: phantom → zoo → shared and per-task generators →
/// evaluation → report, then the same command again resumes instead of rebuilding.
final class ExperimentRunnerTests: XCTestCase {
    private var toy: ExperimentConfiguration {
        var c = ExperimentConfiguration.demo
        c.phantomCases = 24
        c.tasks = ["cord", "canal"]
        c.runsPerTask = 6
        c.checkpointsPerRun = 3
        c.runIterations = [12, 16]
        c.validationCases = 4
        c.testCases = 4
        c.generatorSteps = 12
        c.generatorBatchSize = 4
        c.seeds = 2
        c.alignmentStarts = 1
        c.samplingSteps = 4
        c.fineTuneIterations = 3
        c.recursiveDepth = 2
        c.perTaskGenerators = true
        c.learnedOptimizer.trainingSteps = 20
        c.learnedOptimizer.maximumCalls = 6
        return c
    }

    func testToyExperimentWritesAConsistentReportAndResumes() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("experiment-\(UUID().uuidString)")
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        var lines: [String] = []
        let runner = ExperimentRunner(configuration: toy, folder: folder, dataset: nil, command: "test", log: { lines.append($0) },
                                      detail: { _ in })
        let results = try runner.run()

        XCTAssertEqual(results.tasks.map(\.task), ["cord", "canal"])
        for task in results.tasks {
            XCTAssertEqual(task.generatedUnseen.values.count, 2)
            XCTAssertEqual(task.initialisation.values.count, 2)
            let best = try XCTUnwrap(task.baselines.first { $0.method == "best checkpoint" })
            XCTAssertEqual(best.dice.mean, task.bestCheckpointTestDice)
            XCTAssertLessThanOrEqual(task.bestCheckpointTestDice, task.bestZooTestDice)
            XCTAssertEqual(task.baselines.first?.dice.values, task.generatedUnseen.values, "the first baseline row is one-step generation")
            XCTAssertEqual(task.beyondBest.filter { $0.method.hasPrefix("recursive") }.count, 2)
            XCTAssertEqual(task.beyondBest.first?.dice.values, task.generatedUnseen.values, "recursive k = 1 is one-step generation")
            XCTAssertEqual(task.alignment.points.count, 20)
            XCTAssertEqual(task.trainingCurve.iterations.first, 0)
            XCTAssertEqual(task.trainingCurve.dice.first?.values, task.initialisation.values,
                           "training starts from the same unseen initialisations")
            XCTAssertGreaterThan(task.novelty.zooToZoo.mean, 0)
            XCTAssertEqual(task.overlays.count, 3)
            for overlay in task.overlays {
                XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("report/\(overlay.file)").path))
            }
        }
        let multiTask = try XCTUnwrap(results.multiTask)
        XCTAssertEqual(multiTask.rows.count, 2)
        XCTAssertEqual(multiTask.crossTask.count, 4)
        XCTAssertFalse(results.conclusions.isEmpty)
        XCTAssertEqual(results.stages.map(\.stage), ["data", "zoo", "generators", "evaluation", "learned optimiser"])
        let optimizer = try XCTUnwrap(results.learnedOptimizer)
        XCTAssertEqual(optimizer.evaluation.tasks.map(\.task), ["cord", "canal"])
        XCTAssertEqual(optimizer.trainingSteps, 20)
        XCTAssertEqual(optimizer.history, .adamStep)
        XCTAssertEqual(optimizer.direction, ExperimentConfiguration.demo.learnedOptimizerDirection, "the generations move as the size says")
        for task in optimizer.evaluation.tasks {
            XCTAssertEqual(task.unseen.count, 2)
            XCTAssertNotNil(task.audit, "the learned optimiser is audited like the diffusion generator")
        }

        let report = folder.appendingPathComponent("report")
        let html = try String(contentsOf: report.appendingPathComponent("index.html"), encoding: .utf8)
        XCTAssertTrue(html.contains(results.conclusions[0].prefix(20)))
        let reread = try ReportWriter.read(report)
        XCTAssertEqual(reread.learnedOptimizer?.direction, optimizer.direction)
        XCTAssertEqual(reread.tasks.map(\.generatedUnseen.values), results.tasks.map(\.generatedUnseen.values))

        // The same command again: the zoo and generators are kept, the numbers reproduced.
        lines.removeAll()
        let again = try runner.run()
        XCTAssertTrue(lines.contains { $0.contains("keeping the phantom") })
        XCTAssertTrue(lines.contains { $0.contains("trained 0 runs") })
        XCTAssertEqual(again.learnedOptimizer?.evaluation.tasks.map(\.unseen), optimizer.evaluation.tasks.map(\.unseen),
                       "the learned optimiser is kept, its generations reproduced")
        XCTAssertEqual(again.tasks.map(\.generatedUnseen.values), results.tasks.map(\.generatedUnseen.values))
    }

    /// The zoo keeps each checkpoint's optimiser state exactly where the learned optimiser reads a
    /// gradient history, which it is distilled from.
    func testTheZooKeepsTheOptimiserStateTheLearnedOptimiserReads() {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("experiment-\(UUID().uuidString)")
        for history in GradientHistory.allCases {
            var configuration = toy
            configuration.learnedOptimizer.history = history
            let plan = ExperimentRunner(configuration: configuration, folder: folder, dataset: nil, command: "test", log: { _ in }, detail: { _ in })
                .zooPlan(folder.appendingPathComponent("data"))
            XCTAssertEqual(plan.checkpointContent, history == .none ? .parameters : .parametersAndOptimizerState, "\(history)")
        }
    }

    /// A plan that leaves a task fewer than two Adam runs outside the held-out ones (likely at
    /// 4 runs per task) is refused before the zoo trains, with advice, not after the generators.
    func testAPlanTooSmallForTheLearnedOptimizersAuditIsRefusedBeforeAnythingTrains() throws {
        var configuration = toy
        configuration.runsPerTask = 4
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("experiment-\(UUID().uuidString)")
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        func adamRunsToLearn(_ plan: ZooPlan, _ task: String) -> Int {
            plan.runs.filter { $0.task == task && $0.index < plan.runsPerTask - 2 && $0.hyperparameters.optimizer == .adam }.count
        }
        let data = folder.appendingPathComponent("data")
        let seed = try XCTUnwrap((UInt64(0)..<64).first { seed in
            configuration.zooSeed = seed
            let plan = ExperimentRunner(configuration: configuration, folder: folder, dataset: nil, command: "test", log: { _ in }, detail: { _ in })
                .zooPlan(data)
            return configuration.tasks.contains { adamRunsToLearn(plan, $0) < 2 }
        }, "some zoo seed draws an SGD run among two")
        configuration.zooSeed = seed
        let runner = ExperimentRunner(configuration: configuration, folder: folder, dataset: nil, command: "test", log: { _ in }, detail: { _ in })
        XCTAssertThrowsError(try runner.run()) { error in
            XCTAssertTrue("\(error)".contains("--runs"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("zoo").path), "no zoo was created")

        configuration.zooSeed = try XCTUnwrap((UInt64(0)..<64).first { seed in
            configuration.zooSeed = seed
            let plan = ExperimentRunner(configuration: configuration, folder: folder, dataset: nil, command: "test", log: { _ in }, detail: { _ in })
                .zooPlan(data)
            return configuration.tasks.allSatisfy { adamRunsToLearn(plan, $0) == 2 }
        })
        let accepted = ExperimentRunner(configuration: configuration, folder: folder, dataset: nil, command: "test", log: { _ in }, detail: { _ in })
        XCTAssertNoThrow(try accepted.requireRunsForTheLearnedOptimizer(accepted.zooPlan(data)))
    }
}
