import Foundation
import NeuralNetwork
import Segmentation
import TensorEngine
import XCTest
@testable import Zoo

/// A zoo created to keep the optimiser state with its checkpoints: what it records, how it is
/// read back and checked, and what a zoo without it says.
final class OptimizerStateRecordingTests: PhantomZooTestCase {
    private func plan(runs: Int, content: CheckpointContent) -> ZooPlan {
        var plan = ZooFixture.plan(dataset: dataset, runs: runs)
        plan.checkpointContent = content
        return plan
    }

    /// Each checkpoint keeps the moments the run's next step reads: the same as training the
    /// run's recipe again to that iteration and asking its optimiser.
    func testEachCheckpointKeepsTheMomentsItsNextStepReads() throws {
        let zoo = try Zoo.create(at: newFolder(), plan: plan(runs: 4, content: .parametersAndOptimizerState))
        _ = try ZooBuilder(zoo: zoo, workers: 2).build()
        XCTAssertTrue(try zoo.verify().isSound)
        let data = try TaskData(zoo: zoo, task: "cord")
        let assembly = try zoo.assembly(try zoo.planArchitectureID())
        var optimizers: Set<String> = []
        for run in try zoo.runs(status: .done) {
            let read = try zoo.parametersAndOptimizerStates(of: run)
            let checkpoints = read.map { (record: $0.record, values: $0.values) }, states = read.map(\.state)
            XCTAssertEqual(try zoo.parameters(of: run).map(\.values), checkpoints.map(\.values), "the same parameters as read alone")
            optimizers.insert(run.optimizer)
            let isAdam = run.hyperparameters.optimizer != .sgd
            for (checkpoint, state) in zip(checkpoints, states) {
                XCTAssertEqual(state.first.count, checkpoint.values.count)
                XCTAssertEqual(state.second != nil, isAdam, "Adam keeps a second moment, SGD none")
                if checkpoint.record.iteration == 0 {
                    XCTAssertTrue(state.first.allSatisfy { $0 == 0 }, "nothing stepped before the first iteration")
                }
            }
            // Trained again independently to the middle checkpoint: the optimiser's own moments there.
            let middle = checkpoints[checkpoints.count / 2]
            let network = try assembly.initialNetwork(seed: UInt64(bitPattern: run.seed))
            var expected: OptimizerMoments?
            try data.train(network, hyperparameters: run.hyperparameters, patchSize: zoo.plan.patchSize, seed: UInt64(bitPattern: run.seed),
                           snapshotIterations: [middle.record.iteration]) { expected = $0.optimizer.moments() }
            let moments = try XCTUnwrap(expected)
            let state = states[checkpoints.count / 2]
            assertCloseRelative(state.first, try assembly.layout.flatten(moments.first), "first moment of run \(run.runIndex)")
            if let second = moments.second {
                assertCloseRelative(try XCTUnwrap(state.second), try assembly.layout.flatten(second), "second moment of run \(run.runIndex)")
            }
        }
        XCTAssertGreaterThan(optimizers.count, 0)
        // Adam keeps two rows beside the parameters, SGD one.
        let statistics = try zoo.statistics()
        XCTAssertEqual(statistics.checkpointContent, .parametersAndOptimizerState)
        XCTAssertTrue((1.95...3.05).contains(statistics.storageRatio), "\(statistics.storageRatio)")
    }

    /// A run resumed from a checkpoint with its recorded state and its own seed retraces the
    /// run to its next checkpoint; on another seed it goes elsewhere.
    func testARunResumedWithItsStateRetracesIt() throws {
        let zoo = try Zoo.create(at: newFolder(), plan: plan(runs: 2, content: .parametersAndOptimizerState))
        _ = try ZooBuilder(zoo: zoo, workers: 2).build()
        let evaluator = try TaskEvaluator(zoo: zoo, task: "cord")
        let assembly = try zoo.assembly(try zoo.planArchitectureID())
        for run in try zoo.runs(status: .done) {
            let read = try zoo.parametersAndOptimizerStates(of: run)
            let checkpoints = read.map { (record: $0.record, values: $0.values) }, states = read.map(\.state)
            let (from, to) = (checkpoints[1], checkpoints[2])
            func resumed(seed: UInt64) throws -> [Float] {
                var trained: [Float] = []
                let resumption = RunResumption(iteration: from.record.iteration, moments: try states[1].moments(in: assembly.layout),
                                               until: to.record.iteration)
                try evaluator.train(try assembly.network(from.values), hyperparameters: run.hyperparameters, patchSize: zoo.plan.patchSize,
                                    seed: seed, resuming: resumption, snapshotIterations: [to.record.iteration]) {
                    trained = try assembly.layout.flatten($0.network)
                }
                return trained
            }
            let move = zip(to.values, from.values).map { $0 - $1 }
            let retraced = zip(try resumed(seed: UInt64(bitPattern: run.seed)), to.values).map { $0 - $1 }
            let elsewhere = zip(try resumed(seed: 99), to.values).map { $0 - $1 }
            let size = rms(move)
            XCTAssertLessThanOrEqual(rms(retraced), 1e-3 * size, "run \(run.runIndex) resumed on its own order")
            XCTAssertGreaterThan(rms(elsewhere), 1e-2 * size, "run \(run.runIndex) resumed on another order")
        }
        XCTAssertThrowsError(try evaluator.train(try assembly.network(try zoo.parameters(of: try XCTUnwrap(zoo.runs().first))[0].values),
                                                 hyperparameters: try XCTUnwrap(zoo.runs().first).hyperparameters, patchSize: zoo.plan.patchSize,
                                                 seed: 1, resuming: RunResumption(iteration: 5, moments: OptimizerMoments(first: [:], second: [:]), until: 10_000),
                                                 snapshotIterations: []) { _ in }) {
            XCTAssertTrue("\($0)".contains("does not lie within a run"), "\($0)")
        }
    }

    private func rms(_ values: [Float]) -> Double {
        (values.reduce(0) { $0 + Double($1 * $1) } / Double(max(values.count, 1))).squareRoot()
    }

    /// A corrupted state is found by `verify` and by reading, naming the file; a zoo that keeps
    /// none says so and how to create one that does.
    func testACorruptedOrAbsentStateIsAClearError() throws {
        // The state tensors follow the parameters in the file: its last bytes are a state's.
        let (zoo, run) = try builtZooWithACorruptedRun(plan(runs: 1, content: .parametersAndOptimizerState))
        XCTAssertNoThrow(try zoo.parameters(of: run), "the parameters are intact")
        XCTAssertThrowsError(try zoo.parametersAndOptimizerStates(of: run)) {
            XCTAssertTrue("\($0)".contains("CRC-32") && "\($0)".contains(run.file), "\($0)")
        }
        let report = try zoo.verify()
        XCTAssertTrue(report.problems.contains { $0.contains("optimiser state") && $0.contains(run.file) }, "\(report.problems)")

        let plain = try Zoo.create(at: newFolder(), plan: plan(runs: 1, content: .parameters))
        _ = try ZooBuilder(zoo: plain, workers: 1).build()
        XCTAssertThrowsError(try plain.parametersAndOptimizerStates(of: try XCTUnwrap(plain.runs().first))) {
            XCTAssertTrue("\($0)".contains("keeps no optimiser state") && "\($0)".contains("parameters-and-optimizer-state"), "\($0)")
        }
    }

    /// A plan's stored text is unchanged where it keeps parameters alone (zoos created before
    /// the choice existed open as they were), and the choice survives a round trip.
    func testThePlanStoresTheChoiceOnlyWhereItIsMade() throws {
        let plain = try plan(runs: 1, content: .parameters).storedText()
        XCTAssertFalse(plain.contains("checkpointContent"))
        let decoded = try JSONDecoder().decode(ZooPlan.self, from: Data(plain.utf8))
        XCTAssertEqual(decoded.checkpointContent, .parameters)
        let keeping = plan(runs: 1, content: .parametersAndOptimizerState)
        XCTAssertEqual(try JSONDecoder().decode(ZooPlan.self, from: Data(try keeping.storedText().utf8)), keeping)
    }

    /// Several processes opening a zoo created before optimiser states existed bring its index up
    /// to date once: the second to take the migration lock finds the work done.
    func testAnOlderZooOpenedByManyAtOnceIsMigratedOnce() throws {
        let folder = newFolder()
        let zoo = try Zoo.create(at: folder, plan: plan(runs: 1, content: .parameters))
        _ = try ZooBuilder(zoo: zoo, workers: 1).build()
        try zoo.database.queue.write { db in
            try db.execute(sql: "ALTER TABLE checkpoints DROP COLUMN optimizer_state_crc32")
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier LIKE 'v2%'")
        }
        let failures = NSLock()
        var errors: [String] = []
        DispatchQueue.concurrentPerform(iterations: 6) { _ in
            do {
                let opened = try Zoo.open(folder)
                _ = try opened.parameters(of: try XCTUnwrap(opened.runs().first))
            } catch {
                failures.lock(); errors.append("\(error)"); failures.unlock()
            }
        }
        XCTAssertEqual(errors, [])
        XCTAssertTrue(try Zoo.open(folder).verify().isSound)
    }

    /// Each value within 1e-3 of the RMS of the whole vector: training again on another thread count rounds differently.
    private func assertCloseRelative(_ actual: [Float], _ expected: [Float], _ message: String) {
        XCTAssertEqual(actual.count, expected.count, message)
        let scale = (expected.reduce(0) { $0 + Double($1 * $1) } / Double(max(expected.count, 1))).squareRoot()
        let worst = zip(actual, expected).map { Double(abs($0 - $1)) }.max() ?? 0
        XCTAssertLessThanOrEqual(worst, 1e-3 * max(scale, 1e-30), "\(message): largest difference \(worst), RMS \(scale)")
    }
}
