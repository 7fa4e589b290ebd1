import Foundation
import Segmentation
import TensorEngine
import XCTest
@testable import Zoo

/// A validation check that stops as soon as the network is certain to lie below a floor: it says
/// "below" exactly when the whole measure does, and otherwise gives the whole measure bit for bit.
final class BoundedValidationDiceTests: XCTestCase {
    /// A case of `shape` whose image is seeded noise and whose label is a disc of foreground in
    /// some slices (radius growing with the slice index, none where `radius` gives 0).
    private func makeCase(_ name: String, shape: [Int], seed: UInt64, radius: (Int) -> Int) throws -> SegmentationCase {
        var rng = SeededGenerator(seed: seed)
        let voxels = shape.reduce(1, *)
        let image = (0..<voxels).map { _ in Float(rng.next() % 2001) / 1000 - 1 }
        var label = [UInt8](repeating: 0, count: voxels)
        for z in 0..<shape[0] {
            let r = radius(z)
            for y in 0..<shape[1] {
                for x in 0..<shape[2] where (y - shape[1] / 2) * (y - shape[1] / 2) + (x - shape[2] / 2) * (x - shape[2] / 2) < r * r {
                    label[(z * shape[1] + y) * shape[2] + x] = 1
                }
            }
        }
        return try SegmentationCase(identifier: name, image: image, label: label, channels: 1, shape: shape, spacing: [1, 1, 1])
    }

    /// Validation cases of every kind a check meets: single slices that go through the network
    /// whole, a volume larger than the patch (overlapping windows), one smaller (padded), and a
    /// volume without foreground.
    private func makeEvaluator() throws -> CheckpointEvaluator {
        let validation = [
            try makeCase("slice-a", shape: [1, 16, 16], seed: 1) { _ in 5 },
            try makeCase("slice-b", shape: [1, 16, 16], seed: 2) { _ in 3 },
            try makeCase("large", shape: [5, 20, 24], seed: 3) { z in [2, 6, 0, 4, 3][z] },
            try makeCase("small", shape: [4, 12, 10], seed: 4) { z in [0, 3, 4, 2][z] },
            try makeCase("empty", shape: [2, 16, 16], seed: 5) { _ in 0 },
        ]
        return CheckpointEvaluator(training: [], validation: validation, test: { [] }, patchSize: [1, 16, 16])
    }

    /// Tiny 2D U-Nets whose segmentation biases lean from background to foreground, so that their
    /// Dice spans predicting nothing to predicting everything.
    private func makeNetworks() throws -> [PlainConvUNet] {
        try [-6, -1, 0, 0.5, 1, 6].enumerated().map { index, lean -> PlainConvUNet in
            let network = try PlainConvUNet(UNetPreset.tiny.configuration(spatialRank: 2), seed: UInt64(10 + index))
            for (name, bias) in network.namedParameters() where name.hasPrefix("decoder.seg_layers.") && name.hasSuffix(".bias") {
                bias.pointer[0] = -Float(lean)
                bias.pointer[1] = Float(lean)
            }
            return network
        }
    }

    func testABoundedCheckSaysBelowExactlyWhenTheWholeMeasureIsAndOtherwiseIsIt() throws {
        let evaluator = try makeEvaluator()
        var below = 0, measured = 0
        for network in try makeNetworks() {
            let whole = try evaluator.validationDice(network)
            for floor in stride(from: 0.0, through: 1.0, by: 0.05) + [whole, whole.nextUp] {
                let bounded = try evaluator.validationDice(network, unlessBelow: floor)
                if let bounded {
                    XCTAssertEqual(bounded.bitPattern, whole.bitPattern, "floor \(floor): a complete bounded check is the whole measure")
                    XCTAssertGreaterThanOrEqual(whole, floor)
                    measured += 1
                } else {
                    XCTAssertLessThan(whole, floor, "a bounded check said below \(floor) of a network at \(whole)")
                    below += 1
                }
            }
        }
        XCTAssertGreaterThan(below, 0)
        XCTAssertGreaterThan(measured, 0)
    }

    /// Measured a part at a time, the bound never falls below the mean it ends at, and ends there;
    /// a case without foreground counts only once something is predicted in it.
    func testThePartlyMeasuredMeansBoundHoldsAtEveryPartAndEndsAtTheMean() {
        var rng = SeededGenerator(seed: 7)
        for _ in 0..<200 {
            let cases = Int(rng.next() % 4) + 1
            // Each case a few parts, each part's counts random; some cases without foreground.
            let parts: [[OverlapCounts]] = (0..<cases).map { _ in
                let noForeground = rng.next() % 4 == 0
                return (0..<(Int(rng.next() % 4) + 1)).map { _ in
                    OverlapCounts(truePositives: noForeground ? 0 : Int(rng.next() % 5), falsePositives: Int(rng.next() % 3),
                                  falseNegatives: noForeground ? 0 : Int(rng.next() % 5))
                }
            }
            let totals = parts.map { counts in
                OverlapCounts(truePositives: counts.map(\.truePositives).reduce(0, +), falsePositives: counts.map(\.falsePositives).reduce(0, +),
                              falseNegatives: counts.map(\.falseNegatives).reduce(0, +))
            }
            let counted = totals.filter { $0.truePositives + $0.falsePositives + $0.falseNegatives > 0 }
            let mean = counted.isEmpty ? 0 : counted.map(\.dice).reduce(0, +) / Double(counted.count)
            var dice = PartlyMeasuredDice(referenceForeground: totals.map { $0.truePositives + $0.falseNegatives })
            XCTAssertGreaterThanOrEqual(dice.upperBound, mean)
            // Parts in an interleaved order, as a check over several cases might take them.
            let order = parts.indices.flatMap { c in parts[c].indices.map { (c, $0) } }.sorted { ($0.1, $0.0) < ($1.1, $1.0) }
            for (c, p) in order {
                dice.add(parts[c][p], toCase: c)
                XCTAssertGreaterThanOrEqual(dice.upperBound, mean - 1e-12 * mean)
            }
            XCTAssertEqual(dice.upperBound, mean, accuracy: 1e-12)
        }
        // One case of 10 foreground voxels, the first part (8 of them) missed: at best 2·2 / (2·2 + 8).
        var missed = PartlyMeasuredDice(referenceForeground: [10])
        missed.add(OverlapCounts(truePositives: 0, falsePositives: 0, falseNegatives: 8), toCase: 0)
        XCTAssertEqual(missed.upperBound, 4.0 / 12.0, accuracy: 1e-15)
    }

    /// A 2D network's check takes a volume a few slices at a time, most reference foreground first.
    func testAVolumesSlicesComeMostForegroundFirstAFewAtATime() throws {
        let item = try makeCase("large", shape: [5, 20, 24], seed: 3) { z in [2, 6, 0, 4, 3][z] }
        let parts = CaseParts(item, slicesPerPart: 2).parts
        XCTAssertEqual(parts.map(\.shape), [[2, 20, 24], [2, 20, 24], [1, 20, 24]])
        let sliceVoxels = 20 * 24
        // Slice 1 (radius 6), then 3 (4), then 4 (3), 0 (2) and 2 (none).
        for (part, slices) in zip(parts, [[1, 3], [4, 0], [2]]) {
            XCTAssertEqual(part.image, slices.flatMap { Array(item.image[($0 * sliceVoxels)..<(($0 + 1) * sliceVoxels)]) })
            XCTAssertEqual(part.label, slices.flatMap { Array(item.label![($0 * sliceVoxels)..<(($0 + 1) * sliceVoxels)]) })
        }
        XCTAssertEqual(CaseParts(item, slicesPerPart: nil).parts.map(\.shape), [[5, 20, 24]], "a 3D network's check takes the case whole")
    }
}
