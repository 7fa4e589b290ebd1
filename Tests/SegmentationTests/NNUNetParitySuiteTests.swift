import Foundation
import Formats
import Segmentation
import TestSupport
import XCTest

/// weightgen's inference against nnU-Net's own (`nnUNetPredictor`, mirroring on) on every volume
/// of the parity suite: spacings, orientations, zero-padded fields of view, negative values and
/// large in-plane sizes (`Tests/Fixtures/nnunet_parity`, written by
/// scripts/parity/make_parity_suite.py from ../shared data; the model is ../shared's).
final class NNUNetParitySuiteTests: XCTestCase {
    /// Agreement weightgen must reach on every volume.
    static let minimumDice = 0.99

    func testEveryVolumeMatchesNNUNet() throws {
        let model = try NNUNetModel(url: try SharedFixtures.url("fixtures/nnunet_model"))
        let suite = SharedFixtures.repositoryRoot.appendingPathComponent("Tests/Fixtures/nnunet_parity")
        let manifest = try XCTUnwrap(try JSONSerialization.jsonObject(
            with: Data(contentsOf: suite.appendingPathComponent("manifest.json"))) as? [String: Any])
        let cases = try XCTUnwrap(manifest["cases"] as? [[String: Any]])
        XCTAssertGreaterThanOrEqual(cases.count, 10)
        for item in cases {
            let name = try XCTUnwrap(item["name"] as? String)
            let folder = suite.appendingPathComponent(name)
            let image = try NIfTIReader.read(folder.appendingPathComponent("image.nii.gz"))
            let reference = try NIfTIReader.read(folder.appendingPathComponent("nnunet_seg.nii.gz"))
            let referenceForeground = try NIfTIReader.read(folder.appendingPathComponent("nnunet_foreground.nii.gz"))
            let prediction = try model.predictProbabilities(image)
            let comparison = ParityComparison(prediction: prediction, nnUNetLabels: reference.values,
                                              nnUNetForeground: referenceForeground.values)
            print(String(format: "parity %-24@ Dice %.4f  foreground voxels %d vs nnU-Net %d  max |Δp| %.4f",
                         name as NSString, comparison.dice, comparison.foreground, comparison.nnUNetForeground,
                         comparison.largestProbabilityDifference))
            XCTAssertEqual(prediction.labelMap.dims, image.dims, name)
            XCTAssertGreaterThanOrEqual(comparison.dice, Self.minimumDice, "\(name): segmentation differs from nnU-Net's")
            // Probabilities agree up to the half-precision sums nnU-Net keeps its windows in.
            XCTAssertLessThan(comparison.largestProbabilityDifference, 0.1, "\(name): probabilities differ from nnU-Net's")
        }
    }
}

/// Dice between two foreground masks and the largest foreground-probability difference.
struct ParityComparison {
    let dice: Double
    let foreground: Int
    let nnUNetForeground: Int
    let largestProbabilityDifference: Float

    init(prediction: NNUNetPrediction, nnUNetLabels: [Float], nnUNetForeground: [Float]) {
        let labels = prediction.labelMap.values
        let both = zip(labels, nnUNetLabels).filter { $0 > 0 && $1 > 0 }.count
        foreground = labels.filter { $0 > 0 }.count
        self.nnUNetForeground = nnUNetLabels.filter { $0 > 0 }.count
        dice = foreground + self.nnUNetForeground == 0 ? 1 : 2 * Double(both) / Double(foreground + self.nnUNetForeground)
        let voxels = labels.count
        largestProbabilityDifference = (0..<voxels).map { abs((1 - prediction.probabilities[$0]) - nnUNetForeground[$0]) }.max() ?? 0
    }
}
