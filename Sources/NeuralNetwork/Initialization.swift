import TensorEngine

/// Weight initialisers, all drawing from a `SeededGenerator` so a seed fixes the network.
public enum Initialization {
    /// He/Kaiming normal with negative slope `a` (nnU-Net's `InitWeights_He(1e-2)`):
    /// std = √(2 / (1 + a²)) / √fan_in, where fan_in = shape[1] · receptive field, as PyTorch
    /// computes it (for a transposed convolution, shape[1] is its output channels).
    public static func kaimingNormal(_ shape: Shape, negativeSlope a: Float = 0.01,
                                     using rng: inout SeededGenerator) -> Tensor {
        let fanIn = shape.dims.count > 1 ? shape.dims.dropFirst().reduce(1, *) : shape.count
        let std = (2 / (1 + a * a)).squareRoot() / Float(max(fanIn, 1)).squareRoot()
        return Tensor.normal(shape, std: std, using: &rng)
    }

    /// Normal with the given standard deviation (minGPT uses 0.02 for linear layers).
    public static func normal(_ shape: Shape, std: Float, using rng: inout SeededGenerator) -> Tensor {
        Tensor.normal(shape, std: std, using: &rng)
    }
}
