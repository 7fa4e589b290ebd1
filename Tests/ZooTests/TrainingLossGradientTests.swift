import Segmentation
import TensorEngine
import TestSupport
import XCTest
@testable import Zoo

/// The training-loss gradient reads every case: single slices in batches, and a volume through
/// a 2D network slice by slice with Dice over the volume.
final class TrainingLossGradientTests: XCTestCase {
    /// Four 32 × 32 phantom slices, as four single-slice cases and stacked into one volume.
    private func phantomSlices() throws -> (slices: [SegmentationCase], volume: SegmentationCase) {
        let phantom = try SpinalCordPhantom(configuration: PhantomConfiguration(seed: 3, size: 32))
        let slices = (0..<4).map { phantom.makeCase(index: $0) }
        let singles = try slices.map {
            try SegmentationCase(identifier: "SLICE_\($0.index)", image: $0.image, label: $0.label(.cord), channels: 1, shape: [1, 32, 32],
                                 spacing: [1, 1, 1])
        }
        let volume = try SegmentationCase(identifier: "VOLUME", image: slices.flatMap(\.image), label: slices.flatMap { $0.label(.cord) },
                                          channels: 1, shape: [4, 32, 32], spacing: [1, 1, 1])
        return (singles, volume)
    }

    /// Both kinds of case: the gradient matches finite differences of the recorded training loss.
    /// A 32 × 32 window covers each slice of the volume once, so its recorded loss (sliding
    /// window, Dice over the volume) is the whole-slice loss the gradient is taken of.
    func testTheGradientMatchesFiniteDifferencesOfTheRecordedLoss() throws {
        let (slices, volume) = try phantomSlices()
        for cases in [slices, [volume]] {
            let evaluator = CheckpointEvaluator(training: cases, validation: [], test: { [] }, patchSize: [1, 32, 32])
            let network = try PlainConvUNet(.standard(features: [4, 8, 16], spatialRank: 2), seed: 5)
            let layout = ParameterLayout(network)
            let gradient = try evaluator.trainingLossGradient(network, layout: layout)
            XCTAssertGreaterThan(gradient.map(abs).max() ?? 0, 0, "\(cases[0].identifier) contributes to the gradient")
            try assertGradientMatchesCentralDifferences(gradient, at: try layout.flatten(network),
                                                        tensors: ["encoder.stages.0.0.convs.0.conv.weight", "decoder.seg_layers.1.bias",
                                                                  "encoder.stages.2.0.convs.1.norm.weight"],
                                                        layout: layout.entries.map { ($0.name, $0.offset, $0.count) }) { probe in
                try network.loadStateDict(layout.stateDict(probe))
                return try evaluator.selectionMetrics(network).trainLoss
            }
        }
    }

    /// A case is cropped about its centre to sizes the downsampling divides; one smaller than it is refused by name.
    func testTheCropIsCentredAndATooSmallCaseIsNamed() throws {
        let network = try PlainConvUNet(.standard(features: [4, 8, 16], spatialRank: 2), seed: 0)
        let image = (0..<(2 * 11 * 6)).map(Float.init)
        let item = try SegmentationCase(identifier: "ODD", image: image, label: nil, channels: 1, shape: [2, 11, 6], spacing: [1, 1, 1])
        let crop = try CentreCrop(item, network: network)
        XCTAssertEqual(crop.extent, [2, 8, 4])
        XCTAssertEqual(crop.start, [0, 1, 1])
        let (input, target) = try crop.tensors(item)
        XCTAssertEqual(input.shape, Shape([2, 1, 8, 4]))
        XCTAssertEqual(target.shape, Shape([2, 8, 4]))
        XCTAssertEqual(input.scalars[0], Float(1 * 6 + 1), "the first kept voxel is (0, 1, 1)")
        XCTAssertEqual(input.scalars[8 * 4], Float(66 + 1 * 6 + 1), "the second slice starts at (1, 1, 1)")
        let small = try SegmentationCase(identifier: "TINY", image: [Float](repeating: 0, count: 9), label: nil, channels: 1,
                                         shape: [1, 3, 3], spacing: [1, 1, 1])
        XCTAssertThrowsError(try CentreCrop(small, network: network)) { XCTAssertTrue("\($0)".contains("TINY"), "\($0)") }
    }
}
