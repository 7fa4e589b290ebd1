@testable import Segmentation
import TensorEngine
import XCTest

/// A step split over copies of the network computes the single network's loss and gradients.
final class DataParallelStepTests: XCTestCase {
    func testShardedStepMatchesTheSingleNetworkStep() throws {
        let configuration = PlainConvUNetConfiguration.standard(features: [4, 8, 16], spatialRank: 2)
        let images = Tensor.normal([5, 1, 16, 16], seed: 1)
        let labels = Tensor.zeros([5, 1, 16, 16])
        for i in 0..<labels.count where (i / 16) % 16 > 6 && i % 16 < 9 { labels.pointer[i] = 1 }
        let deepSupervision = DeepSupervisionLoss(configuration: configuration, batchDice: true)

        /// Gradients per parameter; the zero-weight deep-supervision head gets none.
        func step(threads: Int) throws -> (loss: Float, gradients: [[Float]?]) {
            let network = try PlainConvUNet(configuration, seed: 2)
            let parallel = try DataParallelStep(network: network, batchSize: 5, threads: threads)
            let loss = try parallel.lossAndGradients(images: images, deepSupervision: true) {
                try deepSupervision($0, labels: labels)
            }
            return (loss.item, network.parameters().map { $0.grad?.scalars })
        }
        let single = try step(threads: 1), sharded = try step(threads: 3)
        XCTAssertEqual(sharded.loss, single.loss, accuracy: 1e-5 * abs(single.loss))
        XCTAssertEqual(sharded.gradients.map { $0 == nil }, single.gradients.map { $0 == nil })
        XCTAssertGreaterThan(single.gradients.compactMap { $0 }.count, 10)
        // Sharding changes the order of float32 sums (and the BLAS kernel's blocking), so
        // gradients agree to rounding on the scale of the network's largest gradient; a
        // tensor whose true gradient is zero (a bias before InstanceNorm) holds only noise.
        let networkScale = single.gradients.compactMap { $0?.map(abs).max() }.max() ?? 0
        XCTAssertGreaterThan(networkScale, 1e-3)
        for case let (index, (a?, b?)) in zip(sharded.gradients, single.gradients).enumerated() {
            let worst = zip(a, b).map { abs($0 - $1) }.max() ?? 0
            XCTAssertLessThanOrEqual(worst, 1e-4 * networkScale, "parameter \(index)")
        }
    }

    func testWrongBatchSizeIsRejected() throws {
        let network = try PlainConvUNet(.standard(features: [4, 8], spatialRank: 2), seed: 3)
        let parallel = try DataParallelStep(network: network, batchSize: 4, threads: 2)
        XCTAssertThrowsError(try parallel.lossAndGradients(images: Tensor.zeros([3, 1, 8, 8]), deepSupervision: false) { try $0[0].sum() })
    }
}
