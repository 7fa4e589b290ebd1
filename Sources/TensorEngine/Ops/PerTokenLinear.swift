/// A separate linear map per token position (G.pt's per-token encoders and decoders).
extension Tensor {
    /// y[b, t] = x[b, t] · w[t] for x [B, T, I] and w [T, I, O] → [B, T, O], bias-free. The
    /// products run on token t's rows in place (row stride T·I), with no transposed copy.
    public func perTokenLinear(_ w: Tensor) throws -> Tensor {
        let x = self
        guard x.rank == 3, w.rank == 3, w.shape[0] == x.shape[1], w.shape[1] == x.shape[2] else {
            throw TensorError.shapeMismatch(op: "per_token_linear", lhs: x.shape, rhs: w.shape,
                                            reason: "expected x [B, T, I] and w [T, I, O]")
        }
        let (b, t, i, o) = (x.shape[0], x.shape[1], x.shape[2], w.shape[2])
        let out = Shape([b, t, o])
        let result = Storage(uninitializedCount: out.count)
        stridedBatchedGemm(batch: t, transposeA: false, transposeB: false, m: b, n: o, k: i,
                           a: x.pointer, lda: t * i, strideA: i, b: w.pointer, ldb: o, strideB: i * o,
                           c: result.pointer, ldc: t * o, strideC: o)
        return Tensor.record(result, out, op: "per_token_linear", inputs: [x, w]) { g in
            var gx: Tensor?, gw: Tensor?
            if x.requiresGrad {
                gx = Tensor.uninitialized(x.shape)
                stridedBatchedGemm(batch: t, transposeA: false, transposeB: true, m: b, n: i, k: o,
                                   a: g.pointer, lda: t * o, strideA: o, b: w.pointer, ldb: o, strideB: i * o,
                                   c: gx!.pointer, ldc: t * i, strideC: i)
            }
            if w.requiresGrad {
                gw = Tensor.uninitialized(w.shape)
                stridedBatchedGemm(batch: t, transposeA: true, transposeB: false, m: i, n: o, k: b,
                                   a: x.pointer, lda: t * i, strideA: i, b: g.pointer, ldb: t * o, strideB: o,
                                   c: gw!.pointer, ldc: o, strideC: i * o)
            }
            return [gx, gw]
        }
    }
}
