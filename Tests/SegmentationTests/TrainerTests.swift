import NeuralNetwork
import Segmentation
import TensorEngine
import XCTest

/// The trainer learns a simple segmentation, reports progress, snapshots on schedule, and
/// stops with a clear error on a non-finite loss.
final class TrainerTests: XCTestCase {
    /// Noisy bright discs of random radius and position on a 32×32 grid.
    static func discCases(count: Int, seed: UInt64) throws -> [SegmentationCase] {
        var rng = SeededGenerator(seed: seed)
        return try (0..<count).map { index in
            let size = 32
            let cy = 8 + 16 * rng.nextUnitDouble(), cx = 8 + 16 * rng.nextUnitDouble(), r = 3 + 5 * rng.nextUnitDouble()
            var image = [Float](repeating: 0, count: size * size), label = [UInt8](repeating: 0, count: size * size)
            for y in 0..<size {
                for x in 0..<size {
                    let inside = (Double(y) - cy) * (Double(y) - cy) + (Double(x) - cx) * (Double(x) - cx) <= r * r
                    label[y * size + x] = inside ? 1 : 0
                    image[y * size + x] = (inside ? 1 : 0) + 0.3 * rng.nextNormal()
                }
            }
            return try SegmentationCase(identifier: "DISC_\(index)", image: image, label: label, channels: 1,
                                        shape: [1, size, size], spacing: [1, 1, 1])
        }
    }

    /// A sampler's batch is the batch loader's for the same seed: the loader only runs it ahead on a thread.
    func testASamplersBatchIsTheLoadersForTheSameSeed() throws {
        let cases = try Self.discCases(count: 5, seed: 8)
        let sampler = PatchSampler(patchSize: [1, 16, 16])
        let loader = try BatchLoader(cases: cases, sampler: sampler, batchSize: 6, spatialRank: 2, seed: 11)
        defer { loader.stop() }
        let fromLoader = loader.next()
        var rng = SeededGenerator(seed: 11)
        let direct = sampler.batch(from: cases, size: 6, spatialRank: 2, using: &rng)
        XCTAssertEqual(direct.images.shape.dims, [6, 1, 16, 16])
        XCTAssertEqual(direct.labels.shape.dims, [6, 1, 16, 16])
        XCTAssertEqual(direct.images.scalars, fromLoader.images.scalars)
        XCTAssertEqual(direct.labels.scalars, fromLoader.labels.scalars)
        XCTAssertGreaterThan(direct.labels.scalars.reduce(0, +), 0, "a third of the patches centred on foreground")
    }

    func testTinyUNetLearnsDiscs() throws {
        let network = try PlainConvUNet(.standard(features: [4, 8, 16], spatialRank: 2), seed: 1)
        let configuration = TrainingConfiguration(iterations: 120, batchSize: 8, patchSize: [1, 32, 32], seed: 2)
        let trainer = Trainer(network: network, configuration: configuration,
                              trainingCases: try Self.discCases(count: 24, seed: 3), validationCases: try Self.discCases(count: 6, seed: 4))
        var snapshots: [Int] = []
        var reports = 0
        let summary = try trainer.run(snapshotIterations: [0, 60, 120], onSnapshot: { snapshots.append($0.iteration) },
                                      progress: { _ in reports += 1 })
        XCTAssertEqual(snapshots, [0, 60, 120])
        XCTAssertGreaterThan(reports, 0)
        XCTAssertLessThan(summary.finalLoss, summary.lossHistory[0])
        XCTAssertGreaterThan(try XCTUnwrap(summary.validationDice), 0.8, "discs are easy: Dice after 120 iterations")
    }

    func testThreeDimensionalTrainingAndPrediction() throws {
        var rng = SeededGenerator(seed: 11)
        let cases = try (0..<3).map { index -> SegmentationCase in
            let n = 12
            var image = [Float](repeating: 0, count: n * n * n), label = [UInt8](repeating: 0, count: n * n * n)
            for i in 0..<(n * n * n) {
                let z = i / (n * n), y = (i / n) % n, x = i % n
                let inside = (z - 6) * (z - 6) + (y - 6) * (y - 6) + (x - 5 - index) * (x - 5 - index) <= 9
                label[i] = inside ? 1 : 0
                image[i] = (inside ? 1 : 0) + 0.2 * rng.nextNormal()
            }
            return try SegmentationCase(identifier: "BALL_\(index)", image: image, label: label, channels: 1,
                                        shape: [n, n, n], spacing: [1, 1, 1])
        }
        let network = try PlainConvUNet(.standard(features: [4, 8], spatialRank: 3), seed: 12)
        let trainer = Trainer(network: network,
                              configuration: TrainingConfiguration(iterations: 4, batchSize: 2, patchSize: [8, 8, 8], seed: 13),
                              trainingCases: cases, validationCases: [cases[0]])
        let summary = try trainer.run()
        XCTAssertEqual(summary.lossHistory.count, 4)
        XCTAssertNotNil(summary.validationDice, "validation runs 3D sliding windows over the 12³ volume")
    }

    func testSameSeedSameRun() throws {
        func run() throws -> [Float] {
            let network = try PlainConvUNet(.standard(features: [4, 8], spatialRank: 2), seed: 5)
            let trainer = Trainer(network: network, configuration: TrainingConfiguration(iterations: 5, batchSize: 4, patchSize: [1, 16, 16], seed: 6),
                                  trainingCases: try Self.discCases(count: 4, seed: 7), validationCases: [])
            return try trainer.run().lossHistory
        }
        XCTAssertEqual(try run(), try run())
    }

    func testNonFiniteLossStopsWithAClearMessage() throws {
        let network = try PlainConvUNet(.standard(features: [4, 8], spatialRank: 2), seed: 8)
        let configuration = TrainingConfiguration(iterations: 50, batchSize: 4, patchSize: [1, 16, 16], learningRate: 1e6,
                                                  gradientClip: .infinity, seed: 9)
        let trainer = Trainer(network: network, configuration: configuration,
                              trainingCases: try Self.discCases(count: 4, seed: 10), validationCases: [])
        XCTAssertThrowsError(try trainer.run()) { error in
            XCTAssertTrue(String(describing: error).contains("loss is"), String(describing: error))
        }
    }

    func testCaseWithNaNVoxelIsRejectedNamingTheCase() {
        XCTAssertThrowsError(try SegmentationCase(identifier: "BAD_01", image: [0, .nan], label: [0, 1], channels: 1,
                                                  shape: [1, 1, 2], spacing: [1, 1, 1])) { error in
            XCTAssertTrue(String(describing: error).contains("BAD_01"))
        }
    }
}
