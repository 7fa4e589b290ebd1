/// Transposed convolution with kernel = stride (nnU-Net's upsampling), 2D and 3D. Output
/// windows do not overlap, so the op is one GEMM plus a scatter.
extension Tensor {
    /// PyTorch's `conv_transpose2d`/`conv_transpose3d` for kernel == stride: input
    /// [N, C_in, (D,) H, W], weight [C_in, C_out, (kD,) kH, kW], bias [C_out].
    public func transposedConvolution(weight: Tensor, bias: Tensor? = nil, stride: [Int]) throws -> Tensor {
        let op = "transposed_convolution"
        let spatialRank = rank - 2
        guard spatialRank == 2 || spatialRank == 3 else {
            throw TensorError.invalidShape(op: op, shape: shape, reason: "input must be [N, C, H, W] or [N, C, D, H, W]")
        }
        guard weight.rank == rank, weight.shape[0] == shape[1] else {
            throw TensorError.shapeMismatch(op: op, lhs: shape, rhs: weight.shape, reason: "weight must be [C_in=\(shape[1]), C_out, kernel...]")
        }
        guard Array(weight.shape.dims.suffix(spatialRank)) == stride else {
            throw TensorError.invalidArgument(op: op, reason: "kernel \(Array(weight.shape.dims.suffix(spatialRank))) must equal stride \(stride)")
        }
        let inC = shape[1], outC = weight.shape[1], batch = shape[0]
        if let bias, bias.shape != Shape([outC]) {
            throw TensorError.shapeMismatch(op: op, lhs: weight.shape, rhs: bias.shape, reason: "bias must be [\(outC)]")
        }
        let size = ConvolutionGeometry.lift(Array(shape.dims.suffix(spatialRank)), rank: spatialRank, fill: 1)
        let k = ConvolutionGeometry.lift(stride, rank: spatialRank, fill: 1)
        let plane = size.0 * size.1 * size.2, kernelVolume = k.0 * k.1 * k.2
        let columns = batch * plane, rows = outC * kernelVolume
        let outShape = Shape([batch, outC] + zip(shape.dims.suffix(spatialRank), stride).map { $0 * $1 })
        let scatter = KernelScatter(batch: batch, channels: outC, size: size, kernel: k)

        let inputT = Storage(uninitializedCount: inC * columns)
        channelsFirst(pointer, inputT.pointer, batch: batch, channels: inC, plane: plane)
        let product = Storage(uninitializedCount: rows * columns)
        sgemm(transposeA: true, transposeB: false, m: rows, n: columns, k: inC,
              a: weight.pointer, lda: rows, b: inputT.pointer, ldb: columns, c: product.pointer, ldc: columns)
        let result = Storage(uninitializedCount: outShape.count)
        scatter.scatter(product.pointer, into: result.pointer, bias: bias?.pointer)
        let inputs = [self, weight] + (bias.map { [$0] } ?? [])
        return Tensor.record(result, outShape, op: op, inputs: inputs) { grad in
            let gradT = Storage(uninitializedCount: rows * columns)
            scatter.gather(grad.pointer, into: gradT.pointer)
            var gx: Tensor?, gw: Tensor?
            if weight.requiresGrad {
                gw = Tensor.uninitialized(weight.shape)
                sgemm(transposeA: false, transposeB: true, m: inC, n: rows, k: columns,
                      a: inputT.pointer, lda: columns, b: gradT.pointer, ldb: columns, c: gw!.pointer, ldc: rows)
            }
            if self.requiresGrad {
                let gxT = Storage(uninitializedCount: inC * columns)
                sgemm(transposeA: false, transposeB: false, m: inC, n: columns, k: rows,
                      a: weight.pointer, lda: rows, b: gradT.pointer, ldb: columns, c: gxT.pointer, ldc: columns)
                gx = Tensor.uninitialized(self.shape)
                channelsLast(gxT.pointer, gx!.pointer, batch: batch, channels: inC, plane: plane)
            }
            let gb = bias.flatMap { $0.requiresGrad ? channelSums(grad, channels: outC) : nil }
            return [gx, gw, gb]
        }
    }
}

/// Index map between the GEMM layout [C_out·kD·kH·kW, N·D·H·W] and the upsampled output
/// [N, C_out, D·kD, H·kH, W·kW] of a kernel = stride transposed convolution.
private struct KernelScatter {
    let batch: Int, channels: Int
    let size: (Int, Int, Int), kernel: (Int, Int, Int)

    /// Visits every (GEMM row, GEMM column block start, output offset) pair along input rows;
    /// `body(rowPointerOffset, outputOffset, count, outputStride)` handles one run.
    private func forEachRun(_ body: (Int, Int, Int, Int) -> Void, channels range: Range<Int>) {
        let (d, h, w) = size, (kd, kh, kw) = kernel
        let plane = d * h * w, columns = batch * plane
        let outPlane = plane * kd * kh * kw, outH = h * kh, outW = w * kw
        for c in range {
            for kz in 0..<kd { for ky in 0..<kh { for kx in 0..<kw {
                let row = ((c * kd + kz) * kh + ky) * kw + kx
                for n in 0..<batch {
                    for z in 0..<d { for y in 0..<h {
                        let src = row * columns + n * plane + (z * h + y) * w
                        let dst = (n * channels + c) * outPlane + ((z * kd + kz) * outH + y * kh + ky) * outW + kx
                        body(src, dst, w, kw)
                    } }
                }
            } } }
        }
    }

    /// Writes GEMM results into the output, adding the per-channel bias.
    func scatter(_ src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>?) {
        parallelFor(channels, grain: 1) { range in
            for c in range {
                let b = bias?[c] ?? 0
                forEachRun({ s, d, count, step in
                    for i in 0..<count { dst[d + i * step] = src[s + i] + b }
                }, channels: c..<(c + 1))
            }
        }
    }

    /// Reads an output-shaped gradient back into the GEMM layout.
    func gather(_ src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>) {
        parallelFor(channels, grain: 1) { range in
            forEachRun({ s, d, count, step in
                for i in 0..<count { dst[s + i] = src[d + i * step] }
            }, channels: range)
        }
    }
}
