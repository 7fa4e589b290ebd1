/// Matrix products through BLAS.
extension Tensor {
    /// Batched matrix product: [..., M, K] × [..., K, N] → [..., M, N]. The batch axes must be
    /// equal, or `b` may be a plain [K, N] matrix shared by every batch entry.
    public func matmul(_ b: Tensor) throws -> Tensor {
        let a = self
        guard a.rank >= 2, b.rank >= 2 else {
            throw TensorError.shapeMismatch(op: "matmul", lhs: a.shape, rhs: b.shape, reason: "both operands need rank ≥ 2")
        }
        let m = a.shape[-2], k = a.shape[-1], n = b.shape[-1]
        guard b.shape[-2] == k else {
            throw TensorError.shapeMismatch(op: "matmul", lhs: a.shape, rhs: b.shape, reason: "inner extents \(k) and \(b.shape[-2]) differ")
        }
        let batchA = Array(a.shape.dims.dropLast(2)), batchB = Array(b.shape.dims.dropLast(2))
        guard batchB.isEmpty || batchA == batchB else {
            throw TensorError.shapeMismatch(op: "matmul", lhs: a.shape, rhs: b.shape, reason: "batch axes differ")
        }
        let batch = batchA.reduce(1, *)
        let shared = batchB.isEmpty
        let out = Shape(batchA + [m, n])
        let result = Storage(uninitializedCount: out.count)
        if shared {
            sgemm(transposeA: false, transposeB: false, m: batch * m, n: n, k: k,
                  a: a.pointer, lda: k, b: b.pointer, ldb: n, c: result.pointer, ldc: n)
        } else {
            batchedGemm(batch: batch, transposeA: false, transposeB: false, m: m, n: n, k: k,
                        a: a.pointer, b: b.pointer, c: result.pointer)
        }
        return Tensor.record(result, out, op: "matmul", inputs: [a, b]) { g in
            var ga: Tensor?, gb: Tensor?
            if a.requiresGrad {
                ga = Tensor.uninitialized(a.shape)
                if shared {
                    sgemm(transposeA: false, transposeB: true, m: batch * m, n: k, k: n,
                          a: g.pointer, lda: n, b: b.pointer, ldb: n, c: ga!.pointer, ldc: k)
                } else {
                    batchedGemm(batch: batch, transposeA: false, transposeB: true, m: m, n: k, k: n,
                                a: g.pointer, b: b.pointer, c: ga!.pointer)
                }
            }
            if b.requiresGrad {
                gb = Tensor.uninitialized(b.shape)
                if shared {
                    sgemm(transposeA: true, transposeB: false, m: k, n: n, k: batch * m,
                          a: a.pointer, lda: k, b: g.pointer, ldb: n, c: gb!.pointer, ldc: n)
                } else {
                    batchedGemm(batch: batch, transposeA: true, transposeB: false, m: k, n: n, k: m,
                                a: a.pointer, b: g.pointer, c: gb!.pointer)
                }
            }
            return [ga, gb]
        }
    }
}

/// C[i] = op(A[i]) · op(B[i]) for `batch` contiguous row-major matrices, where op(A) is m×k
/// and op(B) is k×n.
func batchedGemm(batch: Int, transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
                 a: UnsafePointer<Float>, b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>) {
    stridedBatchedGemm(batch: batch, transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                       a: a, lda: transposeA ? m : k, strideA: m * k, b: b, ldb: transposeB ? k : n, strideB: k * n,
                       c: c, ldc: n, strideC: m * n)
}

/// C[i] = op(A[i]) · op(B[i]) where matrix i of each operand starts `stride` elements after
/// matrix i − 1 and its rows are `ld` apart, so interleaved layouts (token t of every sample
/// in [B, T, C]) need no copy. Small products run one per thread; large ones split inside `sgemm`.
func stridedBatchedGemm(batch: Int, transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
                        a: UnsafePointer<Float>, lda: Int, strideA: Int, b: UnsafePointer<Float>, ldb: Int, strideB: Int,
                        c: UnsafeMutablePointer<Float>, ldc: Int, strideC: Int) {
    let run = { (i: Int) in
        sgemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
              a: a + i * strideA, lda: lda, b: b + i * strideB, ldb: ldb, c: c + i * strideC, ldc: ldc)
    }
    if 2 * m * n * k >= 4_000_000 || batch == 1 {
        for i in 0..<batch { run(i) }
    } else {
        parallelFor(batch, grain: 1) { range in for i in range { run(i) } }
    }
}
