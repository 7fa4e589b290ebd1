/// Multi-head scaled dot-product self-attention as one op over a packed projection.
extension Tensor {
    /// softmax(q·kᵀ/√d)·v per head, without a mask (as G.pt), for `qkv` of shape
    /// [batch, tokens, 3·width] whose last axis holds (q, k, v) × heads × d, the layout of one
    /// linear layer projecting to all three. Returns [batch, tokens, width] with heads × d in
    /// the last axis, ready for the output projection.
    ///
    /// Each (sample, head) reads its q, k and v in place through the GEMM leading dimension
    /// and keeps its scores in cache from product to softmax to product, so no head-major
    /// copies, separate scale op or batch-wide score tensors go through memory, forward or backward.
    public static func selfAttention(qkv: Tensor, heads: Int) throws -> Tensor {
        guard qkv.rank == 3, heads > 0, qkv.shape[2] % (3 * heads) == 0 else {
            throw TensorError.invalidShape(op: "attention", shape: qkv.shape,
                                           reason: "expected [batch, tokens, 3·width] with width divisible by \(heads) heads")
        }
        let (b, t) = (qkv.shape[0], qkv.shape[1])
        let layout = AttentionLayout(tokens: t, width: qkv.shape[2] / 3, heads: heads)
        let result = Storage(uninitializedCount: b * t * layout.width)
        let probabilities = Storage(uninitializedCount: b * heads * t * t)
        let x = qkv.pointer, y = result.pointer, p = probabilities.pointer
        parallelFor(b * heads, grain: 1) { range in
            for pair in range { layout.forward(pair, qkv: x, probabilities: p + pair * t * t, output: y) }
        }
        return record(result, Shape([b, t, layout.width]), op: "attention", inputs: [qkv]) { grad in
            let gx = Tensor.uninitialized(qkv.shape)
            // Read through `probabilities` so the closure keeps that storage alive.
            let g = grad.pointer, dx = gx.pointer, p = probabilities.pointer
            parallelFor(b * heads, grain: 1) { range in
                let scratch = UnsafeMutablePointer<Float>.allocate(capacity: t * t)
                defer { scratch.deallocate() }
                for pair in range {
                    layout.backward(pair, qkv: x, probabilities: p + pair * t * t, grad: g, scratch: scratch, gradQKV: dx)
                }
            }
            return [gx]
        }
    }
}

/// Where one (sample, head) pair's q, k, v and output live in the packed layouts.
private struct AttentionLayout {
    let tokens: Int, width: Int, heads: Int

    var headWidth: Int { width / heads }
    var scale: Float { 1 / Float(headWidth).squareRoot() }

    /// Offset of the pair's q in [batch, tokens, 3·width]; k and v follow `width` and `2·width` later.
    func query(_ pair: Int) -> Int { (pair / heads) * tokens * 3 * width + (pair % heads) * headWidth }
    /// Offset of the pair's output columns in [batch, tokens, width].
    func output(_ pair: Int) -> Int { (pair / heads) * tokens * width + (pair % heads) * headWidth }

    /// P = softmax(scale · q·kᵀ) (kept for the backward pass), then output = P·v.
    func forward(_ pair: Int, qkv: UnsafePointer<Float>, probabilities p: UnsafeMutablePointer<Float>,
                 output y: UnsafeMutablePointer<Float>) {
        let t = tokens, d = headWidth, ld = 3 * width
        let q = qkv + query(pair), k = q + width, v = q + 2 * width
        gemmBlock(false, true, t, t, d, scale, q, ld, k, ld, 0, p, t)
        for row in 0..<t { softmaxRow(p + row * t, count: t) }
        gemmBlock(false, false, t, d, t, 1, p, t, v, ld, 0, y + output(pair), width)
    }

    /// dv = Pᵀ·dy; dP = dy·vᵀ; dS = P ⊙ (dP − rowsum(dP ⊙ P)); dq = scale · dS·k; dk = scale · dSᵀ·q.
    func backward(_ pair: Int, qkv: UnsafePointer<Float>, probabilities p: UnsafePointer<Float>, grad: UnsafePointer<Float>,
                  scratch dS: UnsafeMutablePointer<Float>, gradQKV: UnsafeMutablePointer<Float>) {
        let t = tokens, d = headWidth, ld = 3 * width
        let q = qkv + query(pair), k = q + width, v = q + 2 * width
        let dy = grad + output(pair)
        let dq = gradQKV + query(pair), dk = dq + width, dv = dq + 2 * width
        gemmBlock(true, false, t, d, t, 1, p, t, dy, width, 0, dv, ld)
        gemmBlock(false, true, t, t, d, 1, dy, width, v, ld, 0, dS, t)
        for row in 0..<t {
            let pr = p + row * t, sr = dS + row * t
            var dot: Float = 0
            for j in 0..<t { dot += sr[j] * pr[j] }
            for j in 0..<t { sr[j] = pr[j] * (sr[j] - dot) }
        }
        gemmBlock(false, false, t, d, t, scale, dS, t, k, ld, 0, dq, ld)
        gemmBlock(true, false, t, d, t, scale, dS, t, q, ld, 0, dk, ld)
    }

    /// Numerically stable softmax of one contiguous row, in place.
    @inline(__always)
    private func softmaxRow(_ row: UnsafeMutablePointer<Float>, count: Int) {
        var peak = -Float.infinity
        for j in 0..<count { peak = max(peak, row[j]) }
        // Exponentials in a loop of their own, which vectorises; the sum would keep it scalar.
        for j in 0..<count { row[j] = vectorExp(row[j] - peak) }
        var total: Float = 0
        for j in 0..<count { total += row[j] }
        let inverse = 1 / total
        for j in 0..<count { row[j] *= inverse }
    }
}
