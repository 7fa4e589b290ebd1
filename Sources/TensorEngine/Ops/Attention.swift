/// Multi-head scaled dot-product attention, composed from taped ops.
extension Tensor {
    /// softmax(q·kᵀ/√d)·v for q, k, v of shape [batch, heads, tokens, d] (no mask, as G.pt).
    public static func scaledDotProductAttention(query q: Tensor, key k: Tensor, value v: Tensor) throws -> Tensor {
        guard q.rank == 4, q.shape == k.shape, k.shape == v.shape else {
            throw TensorError.shapeMismatch(op: "attention", lhs: q.shape, rhs: k.shape,
                                            reason: "query, key and value must share one [batch, heads, tokens, d] shape (value is \(v.shape))")
        }
        let scale = 1 / Float(q.shape[-1]).squareRoot()
        let scores = try q.matmul(k.transposed()) * scale
        return try scores.softmax(axis: -1).matmul(v)
    }
}
