import TensorEngine

/// Affine instance normalisation over each (sample, channel) map; parameters `weight`, `bias`.
public final class InstanceNorm: Module {
    public let weight: Tensor
    public let bias: Tensor
    public let eps: Float

    public init(channels: Int, eps: Float = 1e-5) {
        weight = Tensor.ones([channels])
        bias = Tensor.zeros([channels])
        self.eps = eps
        super.init()
        registerParameter("weight", weight)
        registerParameter("bias", bias)
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor { try x.instanceNorm(weight: weight, bias: bias, eps: eps) }
}

/// Layer normalisation over the last axis; parameters `weight`, `bias`.
public final class LayerNorm: Module {
    public let weight: Tensor
    public let bias: Tensor
    public let eps: Float

    public init(features: Int, eps: Float = 1e-5) {
        weight = Tensor.ones([features])
        bias = Tensor.zeros([features])
        self.eps = eps
        super.init()
        registerParameter("weight", weight)
        registerParameter("bias", bias)
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor { try x.layerNorm(weight: weight, bias: bias, eps: eps) }
}
