import Foundation
@testable import Segmentation
import TestSupport
import XCTest

/// Each step of nnU-Net's inference against nnU-Net's own functions on small arrays
/// (`Tests/Fixtures/nnunet_parity/steps.json`, written by scripts/parity/make_step_fixtures.py
/// with nnunetv2 2.8.1).
final class NNUNetInferenceStepTests: XCTestCase {
    private static let fixtures: [String: Any]? = {
        let url = SharedFixtures.repositoryRoot.appendingPathComponent("Tests/Fixtures/nnunet_parity/steps.json")
        return (try? Data(contentsOf: url)).flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
    }()

    private func fixture(_ key: String) throws -> Any {
        try XCTUnwrap(Self.fixtures?[key], "steps.json lacks \(key)")
    }

    private func array(_ value: Any?) throws -> (shape: [Int], values: [Float]) {
        let tensor = try XCTUnwrap(value as? [String: Any])
        let shape = try XCTUnwrap(tensor["shape"] as? [Int])
        let values = try XCTUnwrap(tensor["data"] as? [NSNumber]).map { $0.floatValue }
        return (shape, values)
    }

    private func order(_ value: Any?) throws -> SplineResize.Order {
        try XCTUnwrap(SplineResize.Order(rawValue: try XCTUnwrap(value as? Int)))
    }

    /// Largest difference, relative to the largest magnitude of the whole expected array.
    private func relativeError(_ actual: [Float], _ expected: [Float]) -> Float {
        let scale = max(expected.map(abs).max() ?? 0, 1e-12)
        return zip(actual, expected).map { abs($0 - $1) }.max().map { $0 / scale } ?? .infinity
    }

    /// resample_data_or_seg_to_shape: cubic splines with clipping over the whole grid, slices
    /// across a low-resolution axis with nearest neighbour along it, linear logits on the way back.
    func testResamplingMatchesNNUNet() throws {
        let cases = try XCTUnwrap(try fixture("resampling") as? [[String: Any]])
        XCTAssertEqual(cases.count, 7)
        for item in cases {
            let name = item["name"] as? String ?? "?"
            let input = try array(item["input"]), output = try array(item["output"])
            let current = try XCTUnwrap(item["current_spacing"] as? [Double]), new = try XCTUnwrap(item["new_spacing"] as? [Double])
            let newShape = try XCTUnwrap(item["new_shape"] as? [Int])
            let shape = Array(input.shape.dropFirst())
            XCTAssertEqual(Resampling.shape(shape, spacing: current, to: new), newShape, name)
            let resampling = NNUNetResampling(order: try order(item["order"]), orderZ: try order(item["order_z"]))
            let result = resampling.resample(input.values, channels: input.shape[0], from: shape, to: newShape,
                                             currentSpacing: current, newSpacing: new)
            XCTAssertEqual(result.count, output.values.count, name)
            XCTAssertLessThan(relativeError(result, output.values), 1e-5, "\(name): resampling differs from nnU-Net's")
            if name.hasPrefix("cubic") || name.hasPrefix("separate") {
                // The linear resampling used before for images is far from nnU-Net's splines here.
                let linear = Resampling.linear(input.values, channels: input.shape[0], from: shape, to: newShape)
                XCTAssertGreaterThan(relativeError(linear, output.values), 1e-2, "\(name): linear should not pass")
            }
        }
    }

    /// The plans' rules for a separate low-resolution axis (`determine_do_sep_z_and_axis`).
    func testSeparateAxisRules() {
        let automatic = NNUNetResampling(order: .cubic, orderZ: .nearest)
        XCTAssertEqual(automatic.separateAxis(current: [4, 1, 1], new: [4, 0.84, 0.84]), 0)
        XCTAssertEqual(automatic.separateAxis(current: [1, 0.84, 0.84], new: [1, 4, 1]), 1, "the new spacing decides next")
        XCTAssertNil(automatic.separateAxis(current: [1, 1, 1], new: [1, 0.84, 0.84]), "isotropic: one resize")
        XCTAssertNil(automatic.separateAxis(current: [0.24, 1.25, 1.25], new: [1, 1, 1]), "two coarse axes: no separate axis")
        XCTAssertNil(automatic.separateAxis(current: [3, 1, 1], new: [3, 1, 1]), "a ratio of exactly 3 is not anisotropic")
        XCTAssertNil(NNUNetResampling(order: .cubic, orderZ: .nearest, forceSeparateZ: false).separateAxis(current: [5, 1, 1], new: [5, 1, 1]))
        XCTAssertEqual(NNUNetResampling(order: .cubic, orderZ: .nearest, forceSeparateZ: true).separateAxis(current: [1, 2, 1], new: [1, 1, 1]), 1)
    }

    /// crop_to_nonzero's box and hole-filled mask, and z-score statistics over the crop or the mask.
    func testCropAndNormalisationMatchNNUNet() throws {
        let crop = try XCTUnwrap(try fixture("crop") as? [String: Any])
        let input = try array(crop["input"])
        let shape = Array(input.shape.dropFirst())
        let region = try XCTUnwrap(NonzeroRegion(image: input.values, channels: 1, shape: shape))
        let box = try XCTUnwrap(crop["bbox"] as? [[Int]])
        XCTAssertEqual(region.lower, box.map { $0[0] })
        XCTAssertEqual(region.upper, box.map { $0[1] })
        let mask = region.crop(region.mask, channels: 1, grid: shape)
        XCTAssertEqual(mask, try array(crop["mask"]).values.map { $0 > 0 }, "the enclosed hole is filled, the open notch is not")
        let cropped = region.crop(input.values, channels: 1, grid: shape)
        XCTAssertLessThan(relativeError(NNUNetModel.zScoreNormalized(cropped, inside: nil),
                                        try array(crop["zscore"]).values), 1e-5)
        XCTAssertLessThan(relativeError(NNUNetModel.zScoreNormalized(cropped, inside: mask),
                                        try array(crop["zscore_inside_mask"]).values), 1e-5)
        let uncropped = region.uncrop(cropped, channels: 1, grid: shape, fill: { _ in Float(0) })
        XCTAssertEqual(uncropped, input.values, "outside the box every voxel was zero")
        XCTAssertNil(NonzeroRegion(image: [0, 0, 0, 0], channels: 1, shape: [1, 2, 2]), "an all-zero image has no region")
    }

    /// compute_gaussian (σ = patch/8, scaled to its maximum) and compute_steps_for_sliding_window.
    func testGaussianAndWindowStartsMatchNNUNet() throws {
        let gaussian = try XCTUnwrap(try fixture("gaussian") as? [String: Any])
        let patch = try XCTUnwrap(gaussian["patch"] as? [Int])
        let predictor = SlidingWindowPredictor(patchSize: [1] + patch, network: { $0 })
        XCTAssertLessThan(relativeError(predictor.gaussianImportance(), try array(gaussian["map"]).values), 1e-6)
        let windows = try XCTUnwrap(try fixture("window_starts") as? [String: Any])
        let sliding = SlidingWindowPredictor(patchSize: [1, 72, 56], network: { $0 })
        for (size, starts) in try XCTUnwrap(windows["cases"] as? [String: [[Int]]]) {
            let extents = size.split(separator: "x").compactMap { Int($0) }
            XCTAssertEqual(sliding.windowStarts(size: extents[0], patch: 72), starts[0], size)
            XCTAssertEqual(sliding.windowStarts(size: extents[1], patch: 56), starts[1], size)
        }
    }
}
