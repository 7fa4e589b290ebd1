import TensorEngine

/// A 2D or 3D convolution layer with PyTorch's parameter names `weight` [out, in, k...] and `bias`.
public final class Convolution: Module {
    public let weight: Tensor
    public let bias: Tensor?
    public let stride: [Int]
    public let padding: [Int]

    /// `kernel` has 2 or 3 entries; padding defaults to (k − 1) / 2 ("same" for odd kernels).
    public init(inChannels: Int, outChannels: Int, kernel: [Int], stride: [Int]? = nil, padding: [Int]? = nil,
                bias: Bool = true, rng: inout SeededGenerator) {
        self.stride = stride ?? kernel.map { _ in 1 }
        self.padding = padding ?? kernel.map { ($0 - 1) / 2 }
        let w = Initialization.kaimingNormal(Shape([outChannels, inChannels] + kernel), using: &rng)
        weight = w
        self.bias = bias ? Tensor.zeros([outChannels]) : nil
        super.init()
        registerParameter("weight", w)
        if let b = self.bias { registerParameter("bias", b) }
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        try x.convolution(weight: weight, bias: bias, stride: stride, padding: padding)
    }
}

/// A transposed convolution with kernel = stride (nnU-Net's decoder upsampling); weight is
/// [in, out, k...] as in PyTorch.
public final class TransposedConvolution: Module {
    public let weight: Tensor
    public let bias: Tensor?
    public let stride: [Int]

    public init(inChannels: Int, outChannels: Int, stride: [Int], bias: Bool = true, rng: inout SeededGenerator) {
        self.stride = stride
        let w = Initialization.kaimingNormal(Shape([inChannels, outChannels] + stride), using: &rng)
        weight = w
        self.bias = bias ? Tensor.zeros([outChannels]) : nil
        super.init()
        registerParameter("weight", w)
        if let b = self.bias { registerParameter("bias", b) }
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        try x.transposedConvolution(weight: weight, bias: bias, stride: stride)
    }
}
