import Foundation
import Formats
import Segmentation
import XCTest
@testable import Zoo

/// Building a zoo in-process: counts, integrity, metrics, storage, determinism, shards and
/// merge, failed runs, import, and the training-pair stream.
final class ZooBuildTests: PhantomZooTestCase {
    /// A run that collapsed to all-background stays a zoo member: its Dice is recorded as
    /// measured (0, not left out as an empty case would be) and the build reports it.
    func testACollapsedNetworkIsRecordedWithDiceZeroAndReported() throws {
        let zoo = try Zoo.create(at: newFolder(), plan: ZooFixture.plan(dataset: dataset, runs: 1))
        var reported: [EmptyPredictions?] = []
        _ = try ZooBuilder(zoo: zoo, workers: 1).build { reported.append($0.finalEmptyPredictions) }
        XCTAssertEqual(reported.count, 1)
        XCTAssertNotNil(reported.first ?? nil, "a finished run reports its final checkpoint's empty predictions")

        let data = try TaskData(zoo: zoo, task: "cord")
        let network = try PlainConvUNet(try zoo.architecture(try zoo.planArchitectureID()).configuration, seed: 1)
        // A background bias no input can outweigh: the network of a collapsed run.
        for head in network.segmentationLayers.elements { head.bias!.pointer[0] = 1e3 }
        XCTAssertEqual(try data.evaluator.evaluate(network).validationDice, 0)
        let empty = try data.evaluator.validationEmptyPredictions(network)
        XCTAssertGreaterThan(empty.casesWithForeground, 0)
        XCTAssertTrue(empty.collapsed, empty.problem ?? "no empty prediction")
    }

    func testBuildRecordsEveryPlannedCheckpointAndIsSound() throws {
        let plan = ZooFixture.plan(dataset: dataset, tasks: ["cord", "canal"], runs: 3)
        let zoo = try Zoo.create(at: newFolder(), plan: plan)
        let summary = try ZooBuilder(zoo: zoo, workers: 2).build()
        XCTAssertEqual(summary.runsTrained, 6)
        XCTAssertEqual(summary.checkpointsSaved, 24)
        let report = try zoo.verify()
        XCTAssertTrue(report.isSound, "\(report.problems)")
        XCTAssertEqual(report.runsMissing, 0)
        XCTAssertEqual(report.checkpointsChecked, 24)

        for run in try zoo.runs() {
            let checkpoints = try zoo.checkpoints(run: run.id!)
            XCTAssertEqual(checkpoints.first?.iteration, 0)
            XCTAssertEqual(checkpoints.last?.iteration, run.iterations)
            for checkpoint in checkpoints {
                XCTAssertTrue((0...1).contains(checkpoint.testDice) && (0...1).contains(checkpoint.validationDice))
                XCTAssertTrue(checkpoint.trainLoss.isFinite && checkpoint.validationLoss.isFinite && checkpoint.testLoss.isFinite)
            }
            XCTAssertLessThan(checkpoints.last!.trainLoss, checkpoints.first!.trainLoss, "training lowers the training loss")
        }

        let statistics = try zoo.statistics()
        XCTAssertEqual(statistics.tasks.map(\.runsDone), [3, 3])
        XCTAssertEqual(statistics.checkpoints, 24)
        XCTAssertLessThanOrEqual(statistics.storageRatio, 1.05, "bytes per checkpoint within 5 % of parameters × 4")
        XCTAssertGreaterThan(statistics.storageRatio, 1.0)
        XCTAssertNotNil(statistics.tasks[0].best)

        let again = try ZooBuilder(zoo: try Zoo.open(zoo.folder), workers: 2).build()
        XCTAssertEqual(again.runsTrained, 0, "a complete zoo has nothing left to build")
    }

    /// The dataset may be a task's own nnU-Net folder rather than a folder of them.
    func testDatasetFolderOfItsOwn() throws {
        let single = dataset.appendingPathComponent(PhantomTask.canal.datasetName)
        let zoo = try Zoo.create(at: newFolder(), plan: ZooFixture.plan(dataset: single, tasks: ["canal"], runs: 1))
        XCTAssertEqual(try ZooBuilder(zoo: zoo, workers: 1).build().runsTrained, 1)
        XCTAssertEqual(try zoo.task(named: "canal").datasetFolder.path, single.path)
        XCTAssertTrue(try zoo.verify().isSound)
    }

    func testMetricsMatchAnIndependentEvaluation() throws {
        let plan = ZooFixture.plan(dataset: dataset, runs: 1)
        let zoo = try Zoo.create(at: newFolder(), plan: plan)
        _ = try ZooBuilder(zoo: zoo, workers: 1).build()
        let run = try XCTUnwrap(zoo.runs().first)
        let (configuration, layout) = try zoo.architecture(run.architectureId)
        let final = try XCTUnwrap(zoo.parameters(of: run).last)
        let network = try PlainConvUNet(configuration, seed: 0)
        try network.loadStateDict(layout.stateDict(final.values))
        let data = try NNUNetRawDataset.open(try zoo.task(named: "cord").datasetFolder)
        let testIDs = Set(try zoo.cases(task: "cord", role: "test"))
        var dices: [Double] = []
        for item in data.trainingCases where testIDs.contains(item.identifier) {
            let loaded = try SegmentationCase.load(item, classes: 2, reorient: true, allowEmptyLabel: true).zScoreNormalized()
            let prediction = try SlidingWindowPredictor(patchSize: plan.patchSize, network: { try network($0) })
                .segmentation(image: loaded.image, channels: 1, shape: loaded.shape)
            let counts = OverlapCounts(prediction: prediction, reference: loaded.label!, label: 1)
            if counts.truePositives + counts.falsePositives + counts.falseNegatives > 0 { dices.append(counts.dice) }
        }
        let expected = dices.isEmpty ? 0 : dices.reduce(0, +) / Double(dices.count)
        XCTAssertEqual(final.record.testDice, expected, accuracy: 1e-9)
    }

    /// Bit for bit on one BLAS kernel (every run trains single-threaded, so the worker count does
    /// not matter); zoos built on machines with other kernels differ in the last bits.
    func testBuildsAreDeterministicAndShardsMergeIntoTheSameZoo() throws {
        let plan = ZooFixture.plan(dataset: dataset, runs: 4)
        let whole = try Zoo.create(at: newFolder(), plan: plan)
        _ = try ZooBuilder(zoo: whole, workers: 2).build()
        let shards = try (0..<2).map { index -> Zoo in
            let shard = try Zoo.create(at: newFolder(), plan: plan, shard: Shard(parsing: "\(index)/2"))
            _ = try ZooBuilder(zoo: shard, workers: 1).build()
            XCTAssertEqual(try shard.runs().count, 2)
            return shard
        }
        let merged = try Zoo.merged(at: newFolder(), shards: shards)
        XCTAssertEqual(try shards.map { try merged.merge(from: $0) }, [2, 2])
        XCTAssertEqual(try merged.merge(from: shards[0]), 0, "merging again copies nothing")
        XCTAssertTrue(try merged.verify().isSound)
        let comparison = try merged.compare(with: whole)
        XCTAssertTrue(comparison.isIdentical, "the same plan gives bit-identical checkpoints whoever trains them")
        XCTAssertEqual(comparison.matching, try whole.checkpointChecksums().count)
        XCTAssertEqual(comparison.runs, 4)
        let partial = try shards[0].compare(with: whole)
        XCTAssertEqual(partial.onlyInSecond.count, try shards[1].checkpointChecksums().count, "the other shard's checkpoints are missing")
        XCTAssertEqual(partial.onlyInFirst, [])
        XCTAssertEqual(partial.differing, [])
        XCTAssertFalse(partial.isIdentical)

        var other = plan
        other.seed += 1
        let foreign = try Zoo.create(at: newFolder(), plan: other)
        XCTAssertThrowsError(try merged.merge(from: foreign))
        XCTAssertThrowsError(try Zoo.create(at: whole.folder, plan: other), "a different plan cannot reuse a zoo")
    }

    func testAGrownZooHoldsTheRunsOfAZooCreatedAtItsSize() throws {
        let small = try Zoo.create(at: newFolder(), plan: ZooFixture.plan(dataset: dataset, runs: 1))
        _ = try ZooBuilder(zoo: small, workers: 1).build()
        let builtFirst = try ZooFixture.checksums(small)
        let grown = try Zoo.grow(small.folder, toRunsPerTask: 2)
        XCTAssertEqual(grown.plan, ZooFixture.plan(dataset: dataset, runs: 2))
        XCTAssertEqual(try ZooBuilder(zoo: grown, workers: 1).build().runsTrained, 1, "only the new run is trained")
        XCTAssertEqual(try ZooFixture.checksums(grown).filter { builtFirst[$0.key] != nil }, builtFirst, "the first run is kept as it was")
        let whole = try Zoo.create(at: newFolder(), plan: ZooFixture.plan(dataset: dataset, runs: 2))
        _ = try ZooBuilder(zoo: whole, workers: 1).build()
        XCTAssertTrue(try grown.compare(with: whole).isIdentical)
        let report = try grown.verify()
        XCTAssertTrue(report.isSound, "\(report.problems)")
        XCTAssertEqual(report.runsMissing, 0)

        XCTAssertThrowsError(try Zoo.grow(grown.folder, toRunsPerTask: 1), "a zoo never shrinks") {
            XCTAssertTrue("\($0)".contains("never shrinks"), "\($0)")
        }
        let shard = try Zoo.create(at: newFolder(), plan: ZooFixture.plan(dataset: dataset, tasks: ["cord", "canal"], runs: 2),
                                   shard: Shard(parsing: "0/2"))
        XCTAssertThrowsError(try Zoo.grow(shard.folder, toRunsPerTask: 3), "runs of the later task would change shards") {
            XCTAssertTrue("\($0)".contains("move runs between shards"), "\($0)")
        }
        XCTAssertEqual(try Zoo.open(shard.folder).plan.runsPerTask, 2, "a refused growth leaves the plan as it was")
    }

    /// A build restricted to some tasks trains only their missing runs; the rest follow later,
    /// and the zoo ends as one built whole; an unknown task is refused by name.
    func testABuildOfSomeTasksTrainsTheirRunsAlone() throws {
        let plan = ZooFixture.plan(dataset: dataset, tasks: ["cord", "canal"], runs: 1)
        let zoo = try Zoo.create(at: newFolder(), plan: plan)
        XCTAssertThrowsError(try ZooBuilder(zoo: zoo, workers: 1).build(tasks: ["canal", "spleen"])) {
            XCTAssertTrue("\($0)".contains("spleen") && "\($0)".contains("cord, canal"), "\($0)")
        }
        XCTAssertEqual(try ZooBuilder(zoo: zoo, workers: 1).build(tasks: ["canal"]).runsTrained, 1)
        XCTAssertEqual(try zoo.runs(task: "canal", status: .done).count, 1)
        XCTAssertEqual(try zoo.runs(task: "cord").count, 0, "no run of the other task")
        XCTAssertEqual(try ZooBuilder(zoo: zoo, workers: 1).build().runsTrained, 1, "the other task's run follows")
        let whole = try Zoo.create(at: newFolder(), plan: plan)
        _ = try ZooBuilder(zoo: whole, workers: 1).build()
        XCTAssertTrue(try zoo.compare(with: whole).isIdentical)
    }

    func testDivergedRunsAreMarkedFailedAndLeftOutOfPairs() throws {
        let plan = ZooFixture.plan(dataset: dataset, runs: 2, learningRate: .logUniform(1e4, 1e5))
        let zoo = try Zoo.create(at: newFolder(), plan: plan)
        let summary = try ZooBuilder(zoo: zoo, workers: 2).build()
        XCTAssertEqual(summary.runsFailed, 2)
        let failed = try zoo.runs(status: .failed)
        XCTAssertEqual(failed.count, 2)
        XCTAssertTrue(failed.allSatisfy { $0.failure?.contains("diverged") == true || $0.failure?.contains("loss") == true },
                      "\(failed.map(\.failure))")
        XCTAssertTrue(try zoo.verify().isSound)
        XCTAssertEqual(Array(TrainingPairs(zoo: zoo)).count, 0)
        let kept = try failed.map { try zoo.checkpoints(run: $0.id!).count }
        XCTAssertTrue(kept.allSatisfy { $0 >= 1 }, "the checkpoints before the divergence are kept: \(kept)")
        XCTAssertEqual(Array(TrainingPairs(zoo: zoo, includeFailed: true)).count, kept.map { $0 * ($0 - 1) }.reduce(0, +))
    }

    func testPairsStreamEveryOrderedPairOfEachRun() throws {
        let plan = ZooFixture.plan(dataset: dataset, tasks: ["cord", "canal"], runs: 2)
        let zoo = try Zoo.create(at: newFolder(), plan: plan)
        _ = try ZooBuilder(zoo: zoo, workers: 2).build()
        let pairs = Array(TrainingPairs(zoo: zoo, seed: 3))
        XCTAssertEqual(pairs.count, 4 * (4 * 3))
        XCTAssertTrue(pairs.allSatisfy { $0.a.iteration != $0.b.iteration })
        XCTAssertEqual(Set(pairs.map(\.task)), ["cord", "canal"])
        XCTAssertEqual(Array(TrainingPairs(zoo: zoo, tasks: ["canal"])).count, 2 * 12)
        let run = try zoo.runs(task: pairs[0].task).first { $0.runIndex == pairs[0].runIndex }!
        let stored = try zoo.parameters(of: run).first { $0.record.iteration == pairs[0].a.iteration }!
        XCTAssertEqual(stored.values, pairs[0].a.parameters)
        XCTAssertEqual(stored.record.testDice, pairs[0].a.metrics.testDice)
    }

    func testVerifyFindsACorruptedCheckpoint() throws {
        let (zoo, run) = try builtZooWithACorruptedRun(ZooFixture.plan(dataset: dataset, runs: 1))
        let report = try zoo.verify()
        XCTAssertFalse(report.isSound)
        XCTAssertTrue(report.problems.contains { $0.contains("CRC-32") && $0.contains(run.file) }, "\(report.problems)")
    }

    func testLeftoverFilesOfAnInterruptedRunAreRemoved() throws {
        let zoo = try Zoo.create(at: newFolder(), plan: ZooFixture.plan(dataset: dataset, runs: 1))
        let leftover = zoo.folder.appendingPathComponent("runs/cord/run-00000.safetensors")
        try FileManager.default.createDirectory(at: leftover.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data("half a file".utf8).write(to: leftover)
        _ = try ZooBuilder(zoo: zoo, workers: 1).build()
        XCTAssertTrue(try zoo.verify().isSound)
    }

    func testImportAddsAModelWithMeasuredOrGivenMetrics() throws {
        let zoo = try Zoo.create(at: newFolder(), plan: ZooFixture.plan(dataset: dataset, runs: 1))
        _ = try ZooBuilder(zoo: zoo, workers: 1).build()
        let (configuration, _) = try zoo.architecture(try zoo.planArchitectureID())
        let checkpointFolder = newFolder()
        let network = try PlainConvUNet(configuration, seed: 42)
        try UNetCheckpoint.write(network, description: UNetCheckpointDescription(
            architecture: configuration, patchSize: [1, 32, 32], task: "cord", iteration: 7), to: checkpointFolder)
        let model = try ImportedModel(checkpointFolder, zoo: zoo)
        let measured = try zoo.importModel(model, task: "cord")
        let given = try zoo.importModel(model, task: "cord", given: ["test_dice": 0.5, "validation_dice": 0.25])
        XCTAssertEqual(measured.source, .imported)
        XCTAssertEqual([measured.runIndex, given.runIndex], [1, 2])
        let measuredCheckpoint = try zoo.checkpoints(run: measured.id!)[0]
        let givenCheckpoint = try zoo.checkpoints(run: given.id!)[0]
        XCTAssertEqual(measuredCheckpoint.iteration, 7)
        XCTAssertEqual(givenCheckpoint.testDice, 0.5)
        XCTAssertEqual(givenCheckpoint.validationDice, 0.25)
        XCTAssertEqual(givenCheckpoint.trainLoss, measuredCheckpoint.trainLoss, "unstated metrics are measured")
        XCTAssertEqual(try zoo.parameters(of: measured)[0].values, try ParameterLayout(network).flatten(network))
        XCTAssertTrue(try zoo.verify().isSound)
        XCTAssertThrowsError(try zoo.importModel(model, task: "cord", given: ["dice": 1]))
    }
}
