import TensorEngine
import TestSupport
import XCTest

/// Every differentiable op agrees with central finite differences on small random inputs.
final class GradientCheckTests: XCTestCase {
    private func random(_ shape: Shape, _ seed: UInt64, scale: Float = 1) -> Tensor {
        Tensor.normal(shape, std: scale, seed: seed)
    }

    func testConvolution2DAnd3D() throws {
        try assertGradientsMatchFiniteDifferences([random([2, 2, 5, 4], 1), random([3, 2, 3, 3], 2), random([3], 3)], "conv2d") {
            try $0[0].convolution(weight: $0[1], bias: $0[2], stride: [2, 1], padding: [1, 1])
        }
        try assertGradientsMatchFiniteDifferences([random([1, 2, 4, 3, 4], 4), random([2, 2, 3, 3, 3], 5), random([2], 6)], "conv3d") {
            try $0[0].convolution(weight: $0[1], bias: $0[2], stride: [1, 2, 1], padding: [1, 1, 0])
        }
    }

    /// Row-length-preserving layers take the contiguous-stretch im2col/col2im; these cover its
    /// edges: a 5-wide kernel (two wrapped positions per row), an unpadded y axis, a strided depth,
    /// and, with more output channels than the direct kernels take (`ShiftedConvolutionTests`),
    /// images smaller than the kernel.
    func testRowLengthPreservingConvolutions() throws {
        try assertGradientsMatchFiniteDifferences([random([2, 2, 5, 4], 20), random([2, 2, 3, 5], 21), random([2], 22)], "conv2d 3×5 same") {
            try $0[0].convolution(weight: $0[1], bias: $0[2], stride: [1, 1], padding: [0, 2])
        }
        try assertGradientsMatchFiniteDifferences([random([1, 2, 5, 3, 4], 23), random([2, 2, 3, 3, 3], 24), random([2], 25)], "conv3d depth stride 2") {
            try $0[0].convolution(weight: $0[1], bias: $0[2], stride: [2, 1, 1], padding: [1, 1, 1])
        }
        try assertGradientsMatchFiniteDifferences([random([1, 1, 2, 1], 26), random([1, 1, 3, 3], 27)], "conv2d smaller than kernel") {
            try $0[0].convolution(weight: $0[1], stride: [1, 1], padding: [1, 1])
        }
        // Padding wider than the image: some kernel rows see no input at all.
        try assertGradientsMatchFiniteDifferences([random([1, 1, 1, 2], 28), random([1, 1, 5, 5], 29)], "conv2d padding beyond the image") {
            try $0[0].convolution(weight: $0[1], stride: [1, 1], padding: [2, 2])
        }
        try assertGradientsMatchFiniteDifferences([random([1, 1, 2, 1], 30), random([17, 1, 3, 3], 31)], "im2col: smaller than kernel") {
            try $0[0].convolution(weight: $0[1], stride: [1, 1], padding: [1, 1])
        }
        try assertGradientsMatchFiniteDifferences([random([1, 1, 1, 2], 32), random([17, 1, 5, 5], 33)], "im2col: padding beyond the image") {
            try $0[0].convolution(weight: $0[1], stride: [1, 1], padding: [2, 2])
        }
    }

    func testPerTokenLinear() throws {
        try assertGradientsMatchFiniteDifferences([random([3, 4, 5], 40), random([4, 5, 2], 41)], "per-token linear") {
            try $0[0].perTokenLinear($0[1])
        }
        // The same map as the transpose → batched matmul → transpose it replaces, at sizes
        // large enough to take the threaded path.
        let x = random([16, 24, 64], 42), w = random([24, 64, 48], 43)
        let direct = try x.perTokenLinear(w)
        let composed = try x.permuted([1, 0, 2]).matmul(w).permuted([1, 0, 2])
        assertClose(direct, composed, rtol: 1e-5, atol: 1e-5)
        XCTAssertThrowsError(try x.perTokenLinear(random([23, 64, 48], 44)))
    }

    func testTransposedConvolution() throws {
        try assertGradientsMatchFiniteDifferences([random([2, 3, 2, 3], 7), random([3, 2, 2, 2], 8), random([2], 9)], "convT2d") {
            try $0[0].transposedConvolution(weight: $0[1], bias: $0[2], stride: [2, 2])
        }
        try assertGradientsMatchFiniteDifferences([random([1, 2, 2, 1, 2], 10), random([2, 3, 2, 2, 1], 11), random([3], 12)], "convT3d") {
            try $0[0].transposedConvolution(weight: $0[1], bias: $0[2], stride: [2, 2, 1])
        }
    }

    func testNormalizations() throws {
        try assertGradientsMatchFiniteDifferences([random([2, 3, 4, 3], 13), random([3], 14), random([3], 15)], "instance norm") {
            try $0[0].instanceNorm(weight: $0[1], bias: $0[2])
        }
        try assertGradientsMatchFiniteDifferences([random([3, 6], 16), random([6], 17), random([6], 18)], "layer norm") {
            try $0[0].layerNorm(weight: $0[1], bias: $0[2])
        }
    }

    func testActivationsAndElementwise() throws {
        // Keep inputs away from the kinks of leaky ReLU / ReLU, where differences are one-sided.
        let x = random([4, 5], 19)
        for i in 0..<x.count where abs(x.pointer[i]) < 0.05 { x.pointer[i] = 0.3 }
        try assertGradientsMatchFiniteDifferences([x.copy()], "leaky relu") { $0[0].leakyReLU(slope: 0.01) }
        try assertGradientsMatchFiniteDifferences([x.copy()], "gelu") { $0[0].gelu() }
        try assertGradientsMatchFiniteDifferences([x.copy()], "tanh") { $0[0].tanh() }
        try assertGradientsMatchFiniteDifferences([x.copy()], "sigmoid") { $0[0].sigmoid() }
        try assertGradientsMatchFiniteDifferences([x.copy()], "exp") { $0[0].exp() }
        try assertGradientsMatchFiniteDifferences([Tensor.uniform([6], low: 0.5, high: 2, seed: 20)], "log, sqrt") {
            try $0[0].log() + $0[0].sqrt()
        }
        try assertGradientsMatchFiniteDifferences([random([2, 3, 4], 21), random([3, 1], 22)], "broadcast arithmetic") {
            try ($0[0] * $0[1] + $0[1]) - $0[0] * 2
        }
        try assertGradientsMatchFiniteDifferences([random([3, 4], 23), Tensor.uniform([4], low: 1, high: 2, seed: 24)], "division") {
            try $0[0] / $0[1]
        }
    }

    func testReductionsAndShapes() throws {
        try assertGradientsMatchFiniteDifferences([random([2, 3, 4], 25)], "sum/mean") {
            try $0[0].sum(axes: [1]) + $0[0].mean(axes: [1, 2], keepDims: true).sum(axes: [2])
        }
        try assertGradientsMatchFiniteDifferences([random([2, 3, 4], 26)], "permute/reshape/slice") {
            try $0[0].permuted([2, 0, 1]).reshaped([4, 6]).sliced(axis: 1, 1..<5)
        }
        try assertGradientsMatchFiniteDifferences([random([2, 3], 27), random([2, 2], 28)], "concatenate") {
            try Tensor.concatenate([$0[0], $0[1], $0[0]], axis: 1)
        }
        try assertGradientsMatchFiniteDifferences([random([2, 5], 29)], "softmax") { try $0[0].softmax(axis: 0) }
    }

    func testLinearAlgebraAndAttention() throws {
        try assertGradientsMatchFiniteDifferences([random([2, 3, 4], 30), random([4, 5], 31)], "matmul shared") { try $0[0].matmul($0[1]) }
        try assertGradientsMatchFiniteDifferences([random([2, 3, 4], 32), random([2, 4, 2], 33)], "matmul batched") { try $0[0].matmul($0[1]) }
        try assertGradientsMatchFiniteDifferences([random([2, 3, 4], 34), random([5, 4], 35), random([5], 36)], "linear") {
            try $0[0].linear(weight: $0[1], bias: $0[2])
        }
        try assertGradientsMatchFiniteDifferences([random([2, 3, 12], 37)], "attention, 2 heads") {
            try Tensor.selfAttention(qkv: $0[0], heads: 2)
        }
        XCTAssertThrowsError(try Tensor.selfAttention(qkv: random([2, 3, 12], 38), heads: 3))
    }

    func testLosses() throws {
        let target = try Tensor(shape: [2, 1, 3, 2], values: [0, 1, 1, 0, 1, 1, 0, 0, 1, 0, 1, 1])
        for batchDice in [false, true] {
            try assertGradientsMatchFiniteDifferences([random([2, 2, 3, 2], 40)], "dice+ce batchDice \(batchDice)") {
                try SegmentationLoss.diceCrossEntropy(logits: $0[0], target: target, batchDice: batchDice)
            }
            try assertGradientsMatchFiniteDifferences([random([2, 3, 3, 2], 41)], "soft dice 3 classes \(batchDice)") {
                try SegmentationLoss.softDice(logits: $0[0], target: target, batchDice: batchDice)
            }
        }
        try assertGradientsMatchFiniteDifferences([random([2, 3, 3, 2], 42)], "cross entropy") {
            try SegmentationLoss.crossEntropy(logits: $0[0], target: target)
        }
        try assertGradientsMatchFiniteDifferences([random([3, 4], 43), random([3, 4], 44)], "mse") {
            try SegmentationLoss.meanSquaredError($0[0], $0[1])
        }
    }
}
