import TensorEngine

/// Multi-head self-attention without a mask (G.pt's transformer attends to every token).
public final class MultiHeadAttention: Module {
    public let heads: Int
    public let qkv: Linear
    public let proj: Linear

    public init(width: Int, heads: Int, rng: inout SeededGenerator) {
        precondition(width % heads == 0, "width \(width) must be divisible by heads \(heads)")
        self.heads = heads
        qkv = Linear(inFeatures: width, outFeatures: 3 * width, rng: &rng)
        proj = Linear(inFeatures: width, outFeatures: width, rng: &rng)
        super.init()
        registerChild("qkv", qkv)
        registerChild("proj", proj)
    }

    /// `x` is [batch, tokens, width].
    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        guard x.rank == 3 else {
            throw TensorError.invalidShape(op: "attention", shape: x.shape, reason: "input must be [batch, tokens, width]")
        }
        return try proj(Tensor.selfAttention(qkv: qkv(x), heads: heads))
    }
}

/// A pre-LayerNorm transformer block (minGPT): x + attn(ln1(x)), then + mlp(ln2(x)) with a
/// 4× GELU MLP.
public final class TransformerBlock: Module {
    public let ln1: LayerNorm
    public let attn: MultiHeadAttention
    public let ln2: LayerNorm
    public let fc1: Linear
    public let fc2: Linear

    public init(width: Int, heads: Int, mlpRatio: Int = 4, rng: inout SeededGenerator) {
        ln1 = LayerNorm(features: width)
        attn = MultiHeadAttention(width: width, heads: heads, rng: &rng)
        ln2 = LayerNorm(features: width)
        fc1 = Linear(inFeatures: width, outFeatures: mlpRatio * width, rng: &rng)
        fc2 = Linear(inFeatures: mlpRatio * width, outFeatures: width, rng: &rng)
        super.init()
        registerChild("ln1", ln1)
        registerChild("attn", attn)
        registerChild("ln2", ln2)
        registerChild("mlp.fc1", fc1)
        registerChild("mlp.fc2", fc2)
    }

    /// `x` is [batch, tokens, width].
    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        let h = try x + attn(ln1(x))
        return try h + fc2(fc1(ln2(h)).gelu())
    }
}
