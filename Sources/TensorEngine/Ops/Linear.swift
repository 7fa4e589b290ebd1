/// Fully connected layer kernel: y = x·Wᵀ + b over the last axis.
extension Tensor {
    /// `x` [..., in], `weight` [out, in] (PyTorch layout), `bias` [out] → [..., out].
    public func linear(weight: Tensor, bias: Tensor? = nil) throws -> Tensor {
        guard rank >= 1, weight.rank == 2, weight.shape[1] == shape[-1] else {
            throw TensorError.shapeMismatch(op: "linear", lhs: shape, rhs: weight.shape, reason: "weight must be [out, \(rank >= 1 ? shape[-1] : 0)]")
        }
        let inFeatures = weight.shape[1], outFeatures = weight.shape[0], rows = count / max(inFeatures, 1)
        if let bias, bias.shape != Shape([outFeatures]) {
            throw TensorError.shapeMismatch(op: "linear", lhs: weight.shape, rhs: bias.shape, reason: "bias must be [\(outFeatures)]")
        }
        let outShape = Shape(shape.dims.dropLast() + [outFeatures])
        let result = Storage(uninitializedCount: rows * outFeatures)
        if let bias {
            for r in 0..<rows { (result.pointer + r * outFeatures).update(from: bias.pointer, count: outFeatures) }
        }
        sgemm(transposeA: false, transposeB: true, m: rows, n: outFeatures, k: inFeatures,
              a: pointer, lda: inFeatures, b: weight.pointer, ldb: inFeatures,
              beta: bias == nil ? 0 : 1, c: result.pointer, ldc: outFeatures)
        let inputs = [self, weight] + (bias.map { [$0] } ?? [])
        return Tensor.record(result, outShape, op: "linear", inputs: inputs) { g in
            var gx: Tensor?, gw: Tensor?, gb: Tensor?
            if self.requiresGrad {
                gx = Tensor.uninitialized(self.shape)
                sgemm(transposeA: false, transposeB: false, m: rows, n: inFeatures, k: outFeatures,
                      a: g.pointer, lda: outFeatures, b: weight.pointer, ldb: inFeatures, c: gx!.pointer, ldc: inFeatures)
            }
            if weight.requiresGrad {
                gw = Tensor.uninitialized(weight.shape)
                sgemm(transposeA: true, transposeB: false, m: outFeatures, n: inFeatures, k: rows,
                      a: g.pointer, lda: outFeatures, b: self.pointer, ldb: inFeatures, c: gw!.pointer, ldc: inFeatures)
            }
            if let bias, bias.requiresGrad {
                gb = Tensor(storage: sumKernel(Tensor(storage: g.storage, shape: [rows, outFeatures]), axes: [0]).storage,
                            shape: bias.shape)
            }
            return [gx, gw, gb]
        }
    }
}
