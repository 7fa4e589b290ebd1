@testable import Segmentation
import TensorEngine
import XCTest

/// nnU-Net's deep-supervision weighting and target downsampling.
final class DeepSupervisionTests: XCTestCase {
    func testWeightsAndDownsampledTargets() throws {
        let configuration = PlainConvUNetConfiguration.standard(features: [2, 4, 8, 16], spatialRank: 2)
        let loss = DeepSupervisionLoss(configuration: configuration, batchDice: true)
        XCTAssertEqual(loss.scales, [[1, 1], [2, 2], [4, 4]])
        XCTAssertEqual(loss.weights[0], 2.0 / 3, accuracy: 1e-6)
        XCTAssertEqual(loss.weights[1], 1.0 / 3, accuracy: 1e-6)
        XCTAssertEqual(loss.weights[2], 0)

        let labels = try Tensor(shape: [1, 1, 4, 4], values: (0..<16).map { Float($0 % 3 == 0 ? 1 : 0) })
        let outputs = [Tensor.normal([1, 2, 4, 4], seed: 1), Tensor.normal([1, 2, 2, 2], seed: 2), Tensor.normal([1, 2, 1, 1], seed: 3)]
        // Nearest-exact at scale 2 reads input rows/columns 1 and 3.
        let half = try Tensor(shape: [1, 1, 2, 2], values: [5, 7, 13, 15].map { Float($0 % 3 == 0 ? 1 : 0) })
        let expected = try SegmentationLoss.diceCrossEntropy(logits: outputs[0], target: labels, batchDice: true).item * 2 / 3
            + SegmentationLoss.diceCrossEntropy(logits: outputs[1], target: half, batchDice: true).item / 3
        XCTAssertEqual(try loss(outputs, labels: labels).item, expected, accuracy: 1e-6)
    }
}
