import Foundation
@testable import Segmentation
import TensorEngine
import XCTest

/// Dice, surface distances and the distance transform on hand-made and random masks, checked
/// against known values and brute force.
final class MetricsTests: XCTestCase {
    /// A mask of `shape` with label 1 on the axis-aligned box `[lower, upper)` per axis.
    private func box(_ shape: [Int], from lower: [Int], to upper: [Int]) -> [UInt8] {
        let geometry = try! GridGeometry(shape: shape, spacing: shape.map { _ in 1 })
        let strides = geometry.strides
        return (0..<geometry.voxelCount).map { index in
            let inside = shape.indices.allSatisfy { axis in
                let coordinate = (index / strides[axis]) % shape[axis]
                return coordinate >= lower[axis] && coordinate < upper[axis]
            }
            return inside ? 1 : 0
        }
    }

    func testDiceAndCounts() {
        let prediction: [UInt8] = [1, 1, 1, 0, 0, 2]
        let reference: [UInt8] = [1, 1, 0, 1, 0, 2]
        let counts = OverlapCounts(prediction: prediction, reference: reference, label: 1)
        XCTAssertEqual(counts, OverlapCounts(truePositives: 2, falsePositives: 1, falseNegatives: 1))
        XCTAssertEqual(counts.dice, 4.0 / 6.0, accuracy: 1e-12)
        XCTAssertEqual(OverlapCounts(prediction: prediction, reference: reference, label: 2).dice, 1)
        XCTAssertEqual(OverlapCounts(prediction: [0, 0], reference: [0, 0], label: 1).dice, 1, "empty vs empty is 1")
        XCTAssertEqual(OverlapCounts(prediction: [1, 0], reference: [0, 0], label: 1).dice, 0)
    }

    func testSquaresOffsetByKVoxelsAreKTimesSpacingApart() throws {
        for (k, spacing) in [(1, 1.0), (3, 0.5), (2, 0.8)] {
            let geometry = try GridGeometry(shape: [32, 32], spacing: [spacing, spacing])
            let reference = box([32, 32], from: [8, 8], to: [20, 20])
            let prediction = box([32, 32], from: [8, 8 + k], to: [20, 20 + k])
            let distances = try XCTUnwrap(SurfaceDistances(prediction: prediction, reference: reference, label: 1,
                                                           geometry: geometry))
            XCTAssertEqual(distances.hausdorff95, Double(k) * spacing, accuracy: 1e-9, "k = \(k)")
            XCTAssertEqual(distances.hausdorff, Double(k) * spacing, accuracy: 1e-9)
        }
    }

    func testAnisotropicSpacingScalesEachAxis() throws {
        let geometry = try GridGeometry(shape: [8, 24, 24], spacing: [3, 0.5, 0.7])
        let reference = box([8, 24, 24], from: [2, 6, 6], to: [6, 16, 16])
        let shiftedAlongSlices = box([8, 24, 24], from: [3, 6, 6], to: [7, 16, 16])
        let shiftedAlongColumns = box([8, 24, 24], from: [2, 6, 8], to: [6, 16, 18])
        let slices = try XCTUnwrap(SurfaceDistances(prediction: shiftedAlongSlices, reference: reference, label: 1,
                                                    geometry: geometry))
        XCTAssertEqual(slices.hausdorff95, 3, accuracy: 1e-9)
        let columns = try XCTUnwrap(SurfaceDistances(prediction: shiftedAlongColumns, reference: reference, label: 1,
                                                     geometry: geometry))
        XCTAssertEqual(columns.hausdorff95, 1.4, accuracy: 1e-9)
    }

    func testIdenticalMasksHaveZeroDistanceAndEmptyMasksNone() throws {
        let geometry = try GridGeometry(shape: [16, 16], spacing: [1, 1])
        let mask = box([16, 16], from: [3, 4], to: [9, 12])
        let same = try XCTUnwrap(SurfaceDistances(prediction: mask, reference: mask, label: 1, geometry: geometry))
        XCTAssertEqual([same.hausdorff95, same.hausdorff, same.averageSymmetric], [0, 0, 0])
        let empty = [UInt8](repeating: 0, count: 256)
        XCTAssertNil(SurfaceDistances(prediction: empty, reference: mask, label: 1, geometry: geometry))
        XCTAssertNil(SurfaceDistances(prediction: empty, reference: empty, label: 1, geometry: geometry))
    }

    func testSurfaceIsTheFaceConnectedBorderAndSingletonAxesAreIgnored() throws {
        let mask = box([6, 6], from: [1, 1], to: [5, 5]).map { $0 == 1 }
        let surface = SurfaceDistances.surface(of: mask, geometry: try GridGeometry(shape: [6, 6], spacing: [1, 1]))
        XCTAssertEqual(surface.filter { $0 }.count, 12, "a 4×4 square has a 12-voxel outline")
        XCTAssertFalse(surface[2 * 6 + 2], "interior voxel")
        let slice = SurfaceDistances.surface(of: mask, geometry: try GridGeometry(shape: [1, 6, 6], spacing: [3, 1, 1]))
        XCTAssertEqual(slice, surface, "a one-slice volume has the 2D outline")
        let full = SurfaceDistances.surface(of: [Bool](repeating: true, count: 9), geometry: try GridGeometry(shape: [3, 3], spacing: [1, 1]))
        XCTAssertEqual(full.filter { $0 }.count, 8, "the grid border counts as background")
    }

    /// Brute-force squared distances from every voxel to the nearest feature.
    private func bruteForceSquaredDistances(_ features: [Bool], _ geometry: GridGeometry) -> [Double] {
        let strides = geometry.strides
        func coordinates(_ index: Int) -> [Double] {
            geometry.shape.indices.map { Double((index / strides[$0]) % geometry.shape[$0]) * geometry.spacing[$0] }
        }
        let featurePoints = features.indices.filter { features[$0] }.map(coordinates)
        return features.indices.map { index in
            let point = coordinates(index)
            return featurePoints.map { zip($0, point).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) }.min() ?? .infinity
        }
    }

    func testDistanceTransformMatchesBruteForce() throws {
        var rng = SeededGenerator(seed: 3)
        for (shape, spacing) in [([13, 17], [0.7, 1.3]), ([5, 9, 7], [2.5, 0.6, 1.0]), ([1, 11, 6], [3, 1, 0.5])] {
            let geometry = try GridGeometry(shape: shape, spacing: spacing)
            for density in [0.02, 0.2, 0.7] {
                let features = (0..<geometry.voxelCount).map { _ in rng.nextUnitDouble() < density }
                let fast = EuclideanDistanceTransform.squaredDistances(to: features, geometry: geometry)
                let slow = bruteForceSquaredDistances(features, geometry)
                for (a, b) in zip(fast, slow) {
                    if b.isInfinite { XCTAssertTrue(a.isInfinite) } else { XCTAssertEqual(a, b, accuracy: 1e-9 * max(1, b)) }
                }
            }
        }
        let none = EuclideanDistanceTransform.squaredDistances(to: [false, false], geometry: try GridGeometry(shape: [2], spacing: [1]))
        XCTAssertTrue(none.allSatisfy(\.isInfinite))
    }

    func testSurfaceDistancesMatchBruteForceOnRandomMasks() throws {
        var rng = SeededGenerator(seed: 5)
        let geometry = try GridGeometry(shape: [14, 18], spacing: [0.9, 0.6])
        for _ in 0..<10 {
            let prediction = (0..<geometry.voxelCount).map { _ in UInt8(rng.nextUnitDouble() < 0.3 ? 1 : 0) }
            let reference = (0..<geometry.voxelCount).map { _ in UInt8(rng.nextUnitDouble() < 0.3 ? 1 : 0) }
            let predictionSurface = SurfaceDistances.surface(of: prediction.map { $0 == 1 }, geometry: geometry)
            let referenceSurface = SurfaceDistances.surface(of: reference.map { $0 == 1 }, geometry: geometry)
            func directed(_ from: [Bool], _ to: [Bool]) -> [Double] {
                let squared = bruteForceSquaredDistances(to, geometry)
                return from.indices.filter { from[$0] }.map { squared[$0].squareRoot() }.sorted()
            }
            let forward = directed(predictionSurface, referenceSurface), backward = directed(referenceSurface, predictionSurface)
            let metrics = try XCTUnwrap(SurfaceDistances(prediction: prediction, reference: reference, label: 1, geometry: geometry))
            XCTAssertEqual(metrics.hausdorff95, max(SurfaceDistances.percentile(95, ofSorted: forward),
                                                    SurfaceDistances.percentile(95, ofSorted: backward)), accuracy: 1e-9)
            XCTAssertEqual(metrics.hausdorff, max(forward.last!, backward.last!), accuracy: 1e-9)
            XCTAssertEqual(metrics.averageSymmetric, (forward + backward).reduce(0, +) / Double(forward.count + backward.count),
                           accuracy: 1e-9)
        }
    }

    func testPercentileInterpolatesLikeNumPy() {
        let values = (0...10).map(Double.init)
        XCTAssertEqual(SurfaceDistances.percentile(95, ofSorted: values), 9.5, accuracy: 1e-12)
        XCTAssertEqual(SurfaceDistances.percentile(95, ofSorted: [0, 4]), 3.8, accuracy: 1e-12)
        XCTAssertEqual(SurfaceDistances.percentile(95, ofSorted: [2]), 2)
    }

    func testCaseAndDatasetEvaluation() throws {
        let geometry = try GridGeometry(shape: [10, 10], spacing: [1, 1])
        let reference = box([10, 10], from: [2, 2], to: [6, 6])
        let perfect = try CaseEvaluation(identifier: "a", prediction: reference, reference: reference, geometry: geometry)
        let shifted = try CaseEvaluation(identifier: "b", prediction: box([10, 10], from: [2, 4], to: [6, 8]),
                                         reference: reference, geometry: geometry)
        let missed = try CaseEvaluation(identifier: "c", prediction: [UInt8](repeating: 0, count: 100), reference: reference,
                                        geometry: geometry)
        XCTAssertEqual(perfect.dice, 1)
        XCTAssertEqual(shifted.dice, 0.5)
        XCTAssertEqual(shifted.classes[0].hausdorff95, 2)
        XCTAssertEqual(missed.dice, 0)
        XCTAssertNil(missed.classes[0].hausdorff95)

        let summary = try DatasetEvaluation(cases: [perfect, shifted, missed])
        XCTAssertEqual(summary.meanDice, 0.5, accuracy: 1e-12)
        let dice = summary.classes[0].dice
        XCTAssertEqual([dice.count, Int(dice.median * 10), Int(dice.minimum), Int(dice.maximum)], [3, 5, 0, 1])
        XCTAssertEqual(summary.classes[0].hausdorff95?.mean, 1)
        XCTAssertEqual(summary.classes[0].casesWithoutSurfaceDistance, 1)

        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: JSONEncoder().encode(summary)) as? [String: Any])
        XCTAssertEqual(json["mean_dice"] as? Double, 0.5)
        let firstCase = try XCTUnwrap((json["cases"] as? [[String: Any]])?.first)
        XCTAssertEqual(firstCase["case"] as? String, "a")
        XCTAssertEqual(firstCase["dice"] as? Double, 1)
        XCTAssertEqual(try JSONDecoder().decode(DatasetEvaluation.self, from: JSONEncoder().encode(summary)), summary)
    }

    func testMismatchedInputsAreClearErrors() throws {
        let geometry = try GridGeometry(shape: [4, 4], spacing: [1, 1])
        XCTAssertThrowsError(try CaseEvaluation(identifier: "case_7", prediction: [UInt8](repeating: 0, count: 16),
                                                reference: [UInt8](repeating: 0, count: 12), geometry: geometry)) { error in
            XCTAssertTrue("\(error)".contains("case_7"), "\(error)")
        }
        XCTAssertThrowsError(try GridGeometry(shape: [4, 4], spacing: [1]))
        XCTAssertThrowsError(try GridGeometry(shape: [4, 0], spacing: [1, 1]))
        XCTAssertThrowsError(try DatasetEvaluation(cases: []))
    }

    /// A batch's pooled foreground Dice is `OverlapCounts.dice` of the concatenated argmax and
    /// labels for one foreground class, the mean over foreground classes present with three, and
    /// 1 where no foreground is present anywhere; its argmax is `argmax`'s.
    func testPooledForegroundDiceIsTheDiceOfTheWholeBatch() throws {
        var rng = SeededGenerator(seed: 11)
        let samples = 3, voxels = 50
        for classes in [2, 3] {
            let logits = (0..<(samples * classes * voxels)).map { _ in Float(rng.next() % 1000) / 100 - 5 }
            let labels = (0..<(samples * voxels)).map { _ in UInt8(rng.next() % UInt64(classes)) }
            let predicted = (0..<samples).flatMap { n in
                argmax(Array(logits[(n * classes * voxels)..<((n + 1) * classes * voxels)]), classes: classes)
            }
            let perClass = (1..<classes).map { OverlapCounts(prediction: predicted, reference: labels, label: UInt8($0)).dice }
            let dice = pooledForegroundDice(logits: try Tensor(shape: [samples, classes, 5, 10], values: logits),
                                            labels: try Tensor(shape: [samples, 5, 10], values: labels.map(Float.init)))
            XCTAssertEqual(dice, perClass.reduce(0, +) / Double(perClass.count), accuracy: 1e-12, "\(classes) classes")
        }
        // Background predicted and labelled everywhere: no foreground, Dice 1 (as OverlapCounts).
        let background = try Tensor(shape: [2, 2, 4], values: [Float](repeating: 1, count: 4) + [Float](repeating: -1, count: 4)
                                        + [Float](repeating: 1, count: 4) + [Float](repeating: -1, count: 4))
        XCTAssertEqual(pooledForegroundDice(logits: background, labels: Tensor.zeros([2, 4])), 1)
        // One sample all right, one all wrong: pooled, 2·4 / (2·4 + 4) = 2/3, where the per-sample mean would be 1/2.
        let halfRight = try Tensor(shape: [2, 2, 4], values: [Float](repeating: -1, count: 4) + [Float](repeating: 1, count: 4)
                                       + [Float](repeating: -1, count: 4) + [Float](repeating: 1, count: 4))
        let labels = try Tensor(shape: [2, 4], values: [1, 1, 1, 1, 0, 0, 0, 0])
        XCTAssertEqual(pooledForegroundDice(logits: halfRight, labels: labels), 2.0 / 3, accuracy: 1e-12)
    }
}
