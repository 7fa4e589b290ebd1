@testable import TensorEngine
import TestSupport
import XCTest

/// The direct kernels for stride-1 "same" convolutions with few channels compute what im2col +
/// GEMM computes, at every instruction-set level this CPU runs and for every way of sharing the
/// work between threads; finite differences check their gradients through the public op.
final class ShiftedConvolutionTests: XCTestCase {
    private struct Case {
        let name: String
        let input: Shape, weight: Shape, padding: [Int]
    }

    private let cases = [
        // Output channels past one block of 8, input channels not a multiple of anything.
        Case(name: "2D 3×3, 5 → 9 channels", input: [3, 5, 7, 6], weight: [9, 5, 3, 3], padding: [1, 1]),
        Case(name: "3D 3×3×3, 3 → 4 channels", input: [2, 3, 4, 5, 6], weight: [4, 3, 3, 3, 3], padding: [1, 1, 1]),
        // nnU-Net's in-plane kernels on anisotropic data.
        Case(name: "3D 1×3×3", input: [2, 2, 3, 5, 4], weight: [3, 2, 1, 3, 3], padding: [0, 1, 1]),
        Case(name: "2D 5×5 on a 3×4 image", input: [1, 2, 3, 4], weight: [2, 2, 5, 5], padding: [2, 2]),
        Case(name: "2D 1×1, 16 → 16 channels", input: [2, 16, 4, 4], weight: [16, 16, 1, 1], padding: [0, 0]),
        Case(name: "2D 3×3, the head's 16 → 8 on 64×64", input: [2, 16, 64, 64], weight: [8, 16, 3, 3], padding: [1, 1]),
    ]

    func testTheDirectKernelsComputeWhatIm2colAndGEMMCompute() throws {
        let savedThreads = Engine.threadCount
        defer { Engine.threadCount = savedThreads }
        let levels = ConvolutionKernelLevel.allCases.filter { $0 <= .best }
        for (index, c) in cases.enumerated() {
            let seed = UInt64(10 * index)
            let x = Tensor.normal(c.input, seed: seed), w = Tensor.normal(c.weight, seed: seed + 1)
            let bias = Tensor.normal([c.weight[0]], seed: seed + 2)
            let g = try ConvolutionGeometry.make(op: "test", input: c.input, weight: c.weight, stride: c.padding.map { _ in 1 },
                                                 padding: c.padding)
            XCTAssertTrue(ShiftedLayout.applies(to: g), c.name)
            let dy = Tensor.normal(g.outputShape, seed: seed + 3)
            Engine.threadCount = 1
            let reference = (y: Tensor.zeros(g.outputShape), gx: Tensor.zeros(c.input), gw: Tensor.zeros(c.weight))
            im2colConvolutionForward(g, x: x.pointer, weight: w.pointer, bias: bias.pointer, into: reference.y.pointer)
            convolutionBackward(g, x: x.pointer, weight: w.pointer, grad: dy.pointer, gx: reference.gx.pointer, gw: reference.gw.pointer)
            // One thread; two (workers own images, or cut each image's range when the batch is 1); more threads than images.
            for threads in [1, 2, 4] {
                Engine.threadCount = threads
                for level in levels {
                    let label = "\(c.name), \(level), \(threads) threads"
                    let y = Tensor.zeros(g.outputShape), gx = Tensor.zeros(c.input), gw = Tensor.zeros(c.weight)
                    x.shiftedConvolutionForward(g, weight: w.pointer, bias: bias.pointer, into: y.pointer, level: level)
                    shiftedConvolutionBackward(g, x: x.pointer, weight: w.pointer, grad: dy.pointer, gx: gx.pointer, gw: gw.pointer, level: level)
                    // Sums of up to 16·27 (forward) or 4,096·2 (weight gradient) products, in another order than GEMM's.
                    assertClose(y, reference.y, rtol: 1e-5, label + ": output")
                    assertClose(gx, reference.gx, rtol: 1e-5, label + ": input gradient")
                    assertClose(gw, reference.gw, rtol: 1e-5, label + ": weight gradient")
                }
            }
        }
    }

    /// Only stride-1 "same" convolutions with at most 16 channels either side take the direct kernels.
    func testOnlyStrideOneSameConvolutionsWithFewChannelsTakeTheDirectKernels() throws {
        func applies(_ input: Shape, _ weight: Shape, stride: [Int], padding: [Int]) throws -> Bool {
            ShiftedLayout.applies(to: try ConvolutionGeometry.make(op: "test", input: input, weight: weight, stride: stride, padding: padding))
        }
        XCTAssertTrue(try applies([1, 16, 8, 8], [16, 16, 3, 3], stride: [1, 1], padding: [1, 1]))
        XCTAssertFalse(try applies([1, 16, 8, 8], [17, 16, 3, 3], stride: [1, 1], padding: [1, 1]), "17 output channels")
        XCTAssertFalse(try applies([1, 17, 8, 8], [16, 17, 3, 3], stride: [1, 1], padding: [1, 1]), "17 input channels")
        XCTAssertFalse(try applies([1, 4, 8, 8], [4, 4, 3, 3], stride: [2, 2], padding: [1, 1]), "stride 2")
        XCTAssertFalse(try applies([1, 4, 8, 8], [4, 4, 3, 3], stride: [1, 1], padding: [0, 1]), "valid along y")
        XCTAssertFalse(try applies([1, 4, 8, 8], [4, 4, 2, 2], stride: [1, 1], padding: [1, 1]), "even kernel")
    }

    /// The tape's gradients through the direct path, by central differences: both channel
    /// counts past a block boundary, 3D, and a batch smaller than the thread count.
    func testGradientsOfTheDirectPathMatchFiniteDifferences() throws {
        let savedThreads = Engine.threadCount
        defer { Engine.threadCount = savedThreads }
        for threads in [1, 3] {
            Engine.threadCount = threads
            try assertGradientsMatchFiniteDifferences([Tensor.normal([2, 9, 3, 4], seed: 1), Tensor.normal([10, 9, 3, 3], std: 0.3, seed: 2),
                                                       Tensor.normal([10], seed: 3)], "conv2d 9 → 10, \(threads) threads") {
                try $0[0].convolution(weight: $0[1], bias: $0[2], stride: [1, 1], padding: [1, 1])
            }
            try assertGradientsMatchFiniteDifferences([Tensor.normal([1, 2, 3, 3, 4], seed: 4), Tensor.normal([3, 2, 3, 3, 3], std: 0.3, seed: 5),
                                                       Tensor.normal([3], seed: 6)], "conv3d, \(threads) threads") {
                try $0[0].convolution(weight: $0[1], bias: $0[2], stride: [1, 1, 1], padding: [1, 1, 1])
            }
        }
    }
}
