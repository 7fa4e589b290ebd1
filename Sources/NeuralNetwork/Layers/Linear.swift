import TensorEngine

/// y = x·Wᵀ + b with PyTorch's parameter names and layout (`weight` [out, in], `bias` [out]).
public final class Linear: Module {
    public let weight: Tensor
    public let bias: Tensor?

    /// Weights are drawn from N(0, `std`²) (minGPT's 0.02 by default), bias zero.
    public init(inFeatures: Int, outFeatures: Int, bias: Bool = true, std: Float = 0.02, rng: inout SeededGenerator) {
        weight = Initialization.normal([outFeatures, inFeatures], std: std, using: &rng)
        self.bias = bias ? Tensor.zeros([outFeatures]) : nil
        super.init()
        registerParameter("weight", weight)
        if let b = self.bias { registerParameter("bias", b) }
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor { try x.linear(weight: weight, bias: bias) }
}
