import Formats
import Foundation
import TestSupport
import XCTest

/// Reads the shared nnU-Net model folder, writes it back, and validates raw datasets.
final class NNUNetTests: XCTestCase {
    func testModelFolderCheckpointHas188KeysOver68Tensors() throws {
        let folder = try NNUNetModelFolder.open(try SharedFixtures.url("fixtures/nnunet_model"))
        XCTAssertEqual(folder.folds, [0])
        XCTAssertEqual(folder.plans.datasetName, "Dataset501_SCTCord")
        let configuration = try folder.plans.configuration("2d")
        XCTAssertEqual(configuration.patchSize, [72, 56])
        XCTAssertEqual(configuration.architecture.featuresPerStage, [8, 16, 32, 64])
        XCTAssertEqual(configuration.normalizationSchemes, ["ZScoreNormalization"])
        XCTAssertEqual(folder.dataset.channelNames, ["MRI"])

        let checkpoint = try folder.checkpoint(fold: 0)
        XCTAssertEqual(checkpoint.networkWeights.count, 188)
        XCTAssertEqual(Set(checkpoint.networkWeights.map { ObjectIdentifier($0.tensor) }).count, 68)
        XCTAssertEqual(checkpoint.trainerName, "nnUNetTrainer_10epochs")
        XCTAssertEqual(checkpoint.configuration, "2d")
        XCTAssertEqual(checkpoint.currentEpoch, 10)
        XCTAssertEqual(checkpoint.mirroringAxes, [0, 1])

        let canonical = try NNUNetStateDictAliases.collapse(checkpoint.networkWeights)
        XCTAssertEqual(canonical.count, 68)
        XCTAssertFalse(canonical.contains { $0.name.contains("all_modules") || $0.name.hasPrefix("decoder.encoder.") })
        let expanded = NNUNetStateDictAliases.expand(canonical)
        XCTAssertEqual(expanded.map(\.name), checkpoint.networkWeights.map(\.name), "same keys in PyTorch's order")
    }

    func testNumpyScalarsInTheCheckpointAreDecodedAsNumbers() throws {
        let value = try TorchCheckpoint.read(try SharedFixtures.url("fixtures/nnunet_model/fold_0/checkpoint_final.pth"))
        let dice = try XCTUnwrap(value["logging"]?["mean_fg_dice"]?.elements)
        XCTAssertEqual(dice.count, 10)
        XCTAssertNotNil(dice[0].doubleValue)
        XCTAssertNotNil(value["_best_ema"]?.doubleValue)
        XCTAssertEqual(value["init_args"]?["device"], .object(type: "torch.device", value: .string("cpu")))
    }

    func testWrittenModelFolderReadsBackBitIdentical() throws {
        let source = try NNUNetModelFolder.open(try SharedFixtures.url("fixtures/nnunet_model"))
        let original = try source.checkpoint(fold: 0)
        let canonical = try NNUNetStateDictAliases.collapse(original.networkWeights)
        let checkpoint = NNUNetCheckpoint(networkWeights: NNUNetStateDictAliases.expand(canonical),
                                          trainerName: original.trainerName, configuration: "2d",
                                          currentEpoch: 10, mirroringAxes: original.mirroringAxes)
        let target = try temporaryFolder().appendingPathComponent("model")
        try NNUNetModelFolder.write(to: target, plans: source.plans, dataset: source.dataset, checkpoint: checkpoint)

        let written = try NNUNetModelFolder.open(target)
        XCTAssertEqual(written.plans, source.plans)
        XCTAssertEqual(written.dataset, source.dataset)
        let back = try written.checkpoint(fold: 0)
        XCTAssertEqual(back.networkWeights.map(\.name), original.networkWeights.map(\.name))
        for (a, b) in zip(back.networkWeights, original.networkWeights) {
            XCTAssertEqual(a.tensor.bytes, b.tensor.bytes, a.name)
            XCTAssertEqual(a.tensor.shape, b.tensor.shape, a.name)
        }
        XCTAssertEqual(Set(back.networkWeights.map { ObjectIdentifier($0.tensor) }).count, 68)
        XCTAssertEqual(back.trainerName, original.trainerName)
        XCTAssertEqual(back.mirroringAxes, [0, 1])
        let value = try TorchCheckpoint.read(NNUNetModelFolderTestPaths.checkpoint(target))
        XCTAssertEqual(value["init_args"]?["plans"]?["dataset_name"], .string("Dataset501_SCTCord"))
        XCTAssertEqual(value["optimizer_state"]?["param_groups"]?.elements?.first?["params"]?.elements?.count, 68)
    }

    func testPlansResolveInheritance() throws {
        let text = #"""
        {"dataset_name": "D", "plans_name": "P", "transpose_forward": [0, 1, 2], "transpose_backward": [0, 1, 2],
         "configurations": {
           "base": {"patch_size": [8, 8], "spacing": [1.0, 1.0], "batch_size": 2, "normalization_schemes": ["ZScoreNormalization"],
                    "architecture": {"network_class_name": "N", "arch_kwargs": {"n_stages": 1, "features_per_stage": [4],
                    "kernel_sizes": [[3, 3]], "strides": [[1, 1]], "n_conv_per_stage": [2], "n_conv_per_stage_decoder": [],
                    "conv_bias": true, "conv_op": "torch.nn.modules.conv.Conv2d", "norm_op": "I", "nonlin": "L"}}},
           "child": {"inherits_from": "base", "batch_size": 7},
           "loop": {"inherits_from": "loop"}}}
        """#
        let plans = try NNUNetPlans(json: try JSONValue(parsing: Array(text.utf8)))
        let child = try plans.configuration("child")
        XCTAssertEqual(child.batchSize, 7)
        XCTAssertEqual(child.patchSize, [8, 8])
        XCTAssertEqual(child.architecture.spatialDimensions, 2)
        XCTAssertThrowsError(try plans.configuration("loop"))
        XCTAssertThrowsError(try plans.configuration("absent"))
    }

    // MARK: - Raw datasets

    private func writeDataset(_ url: URL, cases: [String] = ["CASE_001", "CASE_002"]) throws {
        let description = try NNUNetDatasetDescription(channelNames: ["MRI"], labels: ["background", "cord"],
                                                       trainingCaseCount: cases.count)
        let affine = Affine.scaling([0.8, 0.8, 2])
        let training = try cases.map { identifier in
            NNUNetRawDataset.CaseVolumes(
                identifier: identifier,
                channels: [try NIfTIVolume(dims: [4, 3, 2], affine: affine, values: (0..<24).map { Float($0) * 1.5 })],
                label: try NIfTIVolume(dims: [4, 3, 2], affine: affine, values: (0..<24).map { Float($0 % 2) }))
        }
        try NNUNetRawDataset.write(to: url, description: description, training: training)
    }

    func testWritesAndReadsAValidDataset() throws {
        let url = try temporaryFolder().appendingPathComponent("Dataset042_Test")
        try writeDataset(url)
        let dataset = try NNUNetRawDataset.open(url)
        XCTAssertEqual(dataset.trainingCases.map(\.identifier), ["CASE_001", "CASE_002"])
        XCTAssertNoThrow(try dataset.validate())
        let label = try NIfTIReader.read(try XCTUnwrap(dataset.trainingCases[0].label))
        XCTAssertEqual(label.datatype, .uint8)
        XCTAssertEqual(label.values.filter { $0 == 1 }.count, 12)
    }

    func testLayoutErrorsNameTheCase() throws {
        let url = try temporaryFolder().appendingPathComponent("Dataset043_Bad")
        try writeDataset(url, cases: ["CASE_001", "CASE_002", "CASE_003"])
        let fileManager = FileManager.default
        try fileManager.removeItem(at: url.appendingPathComponent("labelsTr/CASE_002.nii.gz"))
        try fileManager.removeItem(at: url.appendingPathComponent("imagesTr/CASE_003_0000.nii.gz"))
        try Data("x".utf8).write(to: url.appendingPathComponent("imagesTr/CASE_001_0001.nii.gz"))
        try Data("x".utf8).write(to: url.appendingPathComponent("imagesTr/notes.txt"))
        XCTAssertThrowsError(try NNUNetRawDataset.open(url)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("case CASE_002: missing labelsTr/CASE_002.nii.gz"), text)
            XCTAssertTrue(text.contains("case CASE_003: labelsTr/CASE_003.nii.gz has no images"), text)
            XCTAssertTrue(text.contains("case CASE_001: imagesTr/CASE_001_0001.nii.gz is channel 1"), text)
            XCTAssertTrue(text.contains("imagesTr/notes.txt: unexpected file"), text)
            XCTAssertTrue(text.contains("numTraining 3"), text)
        }
    }

    func testGeometryAndLabelErrorsNameTheCase() throws {
        let url = try temporaryFolder().appendingPathComponent("Dataset044_Geometry")
        try writeDataset(url)
        let shifted = try NIfTIVolume(dims: [4, 3, 2], affine: Affine.scaling([0.8, 0.8, 2], origin: [5, 0, 0]),
                                      values: [Float](repeating: 0, count: 24))
        try NIfTIWriter.write(shifted, to: url.appendingPathComponent("labelsTr/CASE_001.nii.gz"), as: .uint8)
        let small = try NIfTIVolume(dims: [2, 3, 2], affine: Affine.scaling([0.8, 0.8, 2]), values: [Float](repeating: 2, count: 12))
        try NIfTIWriter.write(small, to: url.appendingPathComponent("labelsTr/CASE_002.nii.gz"), as: .uint8)
        XCTAssertThrowsError(try NNUNetRawDataset.open(url).validate()) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("case CASE_001: label affine differs"), text)
            XCTAssertTrue(text.contains("case CASE_002: label has shape [2, 3, 2]"), text)
            XCTAssertTrue(text.contains("case CASE_002: label holds values [2.0]"), text)
        }
    }

    func testRefusesNonConsecutiveLabels() throws {
        let text = #"{"channel_names": {"0": "CT"}, "labels": {"background": 0, "liver": 2}, "numTraining": 0, "file_ending": ".nii.gz"}"#
        XCTAssertThrowsError(try NNUNetDatasetDescription(json: try JSONValue(parsing: Array(text.utf8)))) { error in
            XCTAssertTrue("\(error)".contains("consecutive"), "\(error)")
        }
    }
}

private enum NNUNetModelFolderTestPaths {
    static func checkpoint(_ folder: URL) -> URL {
        folder.appendingPathComponent("fold_0").appendingPathComponent("checkpoint_final.pth")
    }
}
