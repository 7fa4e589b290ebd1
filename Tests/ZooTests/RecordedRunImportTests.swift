import Foundation
import Formats
import Segmentation
import XCTest
@testable import Zoo

/// `zoo import --nnunet-run`: runs recorded by nnU-Net's trainer variant, written here in the
/// recorder's layout (manifest.json + one safetensors file per epoch) without Python.
final class RecordedRunImportTests: PhantomZooTestCase {
    private func newZoo() throws -> Zoo {
        try Zoo.create(at: newFolder(), plan: ZooFixture.plan(dataset: dataset, runs: 1))
    }

    private func zooArchitecture(_ zoo: Zoo) throws -> PlainConvUNetConfiguration {
        try TaskData.planArchitecture(of: zoo)
    }

    func testImportsEveryRecordedCheckpointInOrderIgnoringFilesOutsideTheManifest() throws {
        let zoo = try newZoo()
        let networks = try [1, 2, 3].map { try PlainConvUNet(try zooArchitecture(zoo), seed: $0) }
        let recording = try RecordingWriter.write(networks, epochs: [0, 1, 2], to: newFolder())
        // What a kill mid-write leaves: a temporary file and a checkpoint the manifest does not list yet.
        try Data("partial".utf8).write(to: recording.appendingPathComponent(".epoch-0003.safetensors.x1.tmp"))
        try Data("partial".utf8).write(to: recording.appendingPathComponent("epoch-0003.safetensors"))

        let imported = try zoo.importRecordedRuns([try NNUNetRecordedRun(recording.deletingLastPathComponent())], task: "cord",
                                                  metrics: .recorded)
        XCTAssertEqual(imported.count, 1)
        let run = imported[0]
        XCTAssertEqual(run.source, .recorded)
        XCTAssertEqual(run.runIndex, 1, "recorded runs take indices after the plan's")
        XCTAssertEqual(run.seed, 7)
        XCTAssertEqual(run.learningRate, 0.01)
        XCTAssertEqual(run.iterations, 10)
        let stored = try zoo.parameters(of: run)
        XCTAssertEqual(stored.map(\.record.iteration), [0, 5, 10])
        let layout = ParameterLayout(networks[0])
        XCTAssertEqual(stored.map(\.values), try networks.map { try layout.flatten($0) })
        XCTAssertEqual(stored[1].record.validationDice, 0.5, "nnU-Net's pseudo-Dice, as asked")
        XCTAssertEqual(stored[2].record.trainLoss, 0.25)
        XCTAssertTrue(stored[0].record.validationDice.isFinite, "the initial weights, which nnU-Net never scores, are measured")
        XCTAssertTrue(stored.allSatisfy { $0.record.testDice.isFinite }, "test Dice is measured by weightgen")
        XCTAssertTrue(try zoo.verify().problems.isEmpty)
        XCTAssertEqual(try zoo.statistics().tasks[0].runsRecorded, 1)
    }

    func testMeasuredMetricsIgnoreTheRecordedOnes() throws {
        let zoo = try newZoo()
        let networks = try [1, 2].map { try PlainConvUNet(try zooArchitecture(zoo), seed: $0) }
        let recording = try RecordingWriter.write(networks, epochs: [0, 1], to: newFolder())
        let run = try zoo.importRecordedRuns([try NNUNetRecordedRun(recording)], task: "cord")[0]
        XCTAssertNotEqual(try zoo.checkpoints(run: run.id!)[1].validationDice, 0.5)
    }

    func testRefusesARecordingImportedBeforeOrGivenTwice() throws {
        let zoo = try newZoo()
        let networks = try [1, 2].map { try PlainConvUNet(try zooArchitecture(zoo), seed: $0) }
        let recording = try RecordingWriter.write(networks, epochs: [0, 1], to: newFolder())
        XCTAssertThrowsError(try zoo.importRecordedRuns([try NNUNetRecordedRun(recording), try NNUNetRecordedRun(recording)], task: "cord"))
        XCTAssertEqual(try zoo.runs(task: "cord").filter { $0.source == .recorded }.count, 0, "nothing written")
        try zoo.importRecordedRuns([try NNUNetRecordedRun(recording)], task: "cord")
        XCTAssertThrowsError(try zoo.importRecordedRuns([try NNUNetRecordedRun(recording)], task: "cord")) { error in
            XCTAssertTrue("\(error)".contains("imported before"), "\(error)")
        }
        XCTAssertEqual(try zoo.runs(task: "cord").filter { $0.source == .recorded }.count, 1)
    }

    func testRefusesAMismatchingArchitectureNamingTheFileAndKeys() throws {
        let zoo = try newZoo()
        let small = UNetPreset.small.configuration(spatialRank: 2)
        let recording = try RecordingWriter.write([try PlainConvUNet(small, seed: 1)], epochs: [0], to: newFolder())
        XCTAssertThrowsError(try zoo.importRecordedRuns([try NNUNetRecordedRun(recording)], task: "cord")) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("epoch-0000.safetensors"), message)
            XCTAssertTrue(message.contains("unexpected keys: decoder.seg_layers.2.bias, decoder.seg_layers.2.weight"), message)
            XCTAssertTrue(message.contains("shape mismatches: encoder.stages.0.0.convs.0.conv.weight [8, 1, 3, 3] (expected [4, 1, 3, 3])"), message)
        }
        XCTAssertTrue(try zoo.runs().isEmpty)
    }

    func testRefusesAHalfWrittenOrMissingFileAndWritesNothing() throws {
        let zoo = try newZoo()
        let networks = try [1, 2].map { try PlainConvUNet(try zooArchitecture(zoo), seed: $0) }
        let good = try RecordingWriter.write(networks, epochs: [0, 1], to: newFolder())
        let torn = try RecordingWriter.write(networks, epochs: [0, 1], to: newFolder())
        let tornFile = torn.appendingPathComponent("epoch-0001.safetensors")
        try Data(try Data(contentsOf: tornFile).prefix(100)).write(to: tornFile)
        let runs = try [good, torn].map { try NNUNetRecordedRun($0) }
        XCTAssertThrowsError(try zoo.importRecordedRuns(runs, task: "cord")) { error in
            XCTAssertTrue("\(error)".contains("\(tornFile.path): 100 bytes where manifest.json records"), "\(error)")
            XCTAssertTrue("\(error)".contains("half-written"), "\(error)")
        }
        XCTAssertTrue(try zoo.runs().isEmpty, "no run is written when one of them is bad")

        try FileManager.default.removeItem(at: tornFile)
        XCTAssertThrowsError(try zoo.importRecordedRuns([try NNUNetRecordedRun(torn)], task: "cord")) { error in
            XCTAssertTrue("\(error)".contains("\(tornFile.path): listed in manifest.json but missing"), "\(error)")
        }
        XCTAssertThrowsError(try NNUNetRecordedRun(newFolder())) { error in
            XCTAssertTrue("\(error)".contains("no recording manifest"), "\(error)")
        }
    }

    func testRefusesARunThatTrainedOnTheZooTestCases() throws {
        let zoo = try newZoo()
        let testCase = try zoo.cases(task: "cord", role: "test")[0]
        let recording = try RecordingWriter.write([try PlainConvUNet(try zooArchitecture(zoo), seed: 1)], epochs: [0], to: newFolder(),
                                                  trainingCases: [testCase])
        XCTAssertThrowsError(try zoo.importRecordedRuns([try NNUNetRecordedRun(recording)], task: "cord")) { error in
            XCTAssertTrue("\(error)".contains("trained or validated on the zoo's test cases \(testCase)"), "\(error)")
        }
        XCTAssertTrue(try zoo.runs().isEmpty)
    }
}

/// Writes a recording as `nnUNetTrainerZoo` does: `FOLDER/weightgen_zoo/epoch-NNNN.safetensors`
/// with nnU-Net's parameter names, and `manifest.json` listing them with sizes and CRC-32.
enum RecordingWriter {
    /// Returns the `weightgen_zoo` folder; epoch e is recorded at iteration 5e with pseudo-Dice 0.5 and training loss 0.25.
    static func write(_ networks: [PlainConvUNet], epochs: [Int], to folder: URL, trainingCases: [String] = []) throws -> URL {
        let recording = folder.appendingPathComponent(NNUNetRecordedRun.folderName)
        try FileManager.default.createDirectory(at: recording, withIntermediateDirectories: true)
        var checkpoints: [String] = []
        for (network, epoch) in zip(networks, epochs) {
            let tensors = try network.namedParameters().map { NamedTensor($0.name, try StoredTensor($0.tensor)) }
            let bytes = try SafeTensors.encode(SafeTensorsFile(tensors: tensors))
            let name = String(format: "epoch-%04d.safetensors", epoch)
            try Data(bytes).write(to: recording.appendingPathComponent(name))
            let metrics = epoch == 0 ? #""train_loss": null, "validation_loss": null, "pseudo_dice": null"#
                : #""train_loss": 0.25, "validation_loss": 0.3, "pseudo_dice": 0.5"#
            checkpoints.append("""
                {"epoch": \(epoch), "iteration": \(epoch * 5), "file": "\(name)", "bytes": \(bytes.count),
                 "crc32": \(RunFile.checksum(bytes)), \(metrics), "learning_rate": 0.01}
                """)
        }
        let training = trainingCases.map { "\"\($0)\"" }.joined(separator: ", ")
        let manifest = """
            {"format": "weightgen-nnunet-zoo-run", "version": 1, "trainer": "nnUNetTrainerZoo", "dataset": "Dataset101_PhantomCord",
             "plans": "nnUNetPlans", "configuration": "2d", "fold": 0, "seed": 7,
             "hyperparameters": {"optimizer": "sgd-nesterov", "initial_lr": 0.01, "weight_decay": 3e-05, "batch_size": 4},
             "recorded_epochs": \(epochs), "training_cases": [\(training)], "validation_cases": [], "parameters": ["*"],
             "complete": true, "checkpoints": [\(checkpoints.joined(separator: ", "))]}
            """
        try Data(manifest.utf8).write(to: recording.appendingPathComponent(NNUNetRecordedRun.manifestName))
        return recording
    }
}
