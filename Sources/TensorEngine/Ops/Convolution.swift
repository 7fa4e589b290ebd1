/// Convolution (2D and 3D, stride, zero padding, optional bias) as im2col + one BLAS GEMM over
/// the whole batch, so small feature maps still give the GEMM wide matrices.
extension Tensor {
    /// Cross-correlation as PyTorch's `conv2d`/`conv3d`: input [N, C, (D,) H, W], weight
    /// [C_out, C, (kD,) kH, kW], bias [C_out].
    public func convolution(weight: Tensor, bias: Tensor? = nil, stride: [Int], padding: [Int]) throws -> Tensor {
        let g = try ConvolutionGeometry.make(op: "convolution", input: shape, weight: weight.shape, stride: stride, padding: padding)
        if let bias, bias.shape != Shape([g.outChannels]) {
            throw TensorError.shapeMismatch(op: "convolution", lhs: weight.shape, rhs: bias.shape, reason: "bias must be [\(g.outChannels)]")
        }
        let columns = g.batch * g.outputPlane
        let col = Storage(count: g.patchSize * columns)
        im2col(pointer, col.pointer, g)
        let product = Storage(count: g.outChannels * columns)
        sgemm(transposeA: false, transposeB: false, m: g.outChannels, n: columns, k: g.patchSize,
              a: weight.pointer, lda: g.patchSize, b: col.pointer, ldb: columns, c: product.pointer, ldc: columns)
        let result = Storage(count: g.outputShape.count)
        channelsLast(product.pointer, result.pointer, batch: g.batch, channels: g.outChannels, plane: g.outputPlane,
                     bias: bias.map { UnsafePointer($0.pointer) })
        let inputs = [self, weight] + (bias.map { [$0] } ?? [])
        return Tensor.record(result, g.outputShape, op: "convolution", inputs: inputs) { grad in
            let gradT = Storage(count: g.outChannels * columns)
            channelsFirst(grad.pointer, gradT.pointer, batch: g.batch, channels: g.outChannels, plane: g.outputPlane)
            var gx: Tensor?, gw: Tensor?
            if weight.requiresGrad {
                gw = Tensor.zeros(weight.shape)
                sgemm(transposeA: false, transposeB: true, m: g.outChannels, n: g.patchSize, k: columns,
                      a: gradT.pointer, lda: columns, b: col.pointer, ldb: columns, c: gw!.pointer, ldc: g.patchSize)
            }
            if self.requiresGrad {
                let gcol = Storage(count: g.patchSize * columns)
                sgemm(transposeA: true, transposeB: false, m: g.patchSize, n: columns, k: g.outChannels,
                      a: weight.pointer, lda: g.patchSize, b: gradT.pointer, ldb: columns, c: gcol.pointer, ldc: columns)
                gx = Tensor.zeros(self.shape)
                col2im(gcol.pointer, gx!.pointer, g)
            }
            let gb = bias.flatMap { $0.requiresGrad ? channelSums(grad, channels: g.outChannels) : nil }
            return [gx, gw, gb]
        }
    }
}

/// The valid output range along one axis for kernel offset `k`: outputs o with
/// 0 ≤ o·stride − pad + k < size.
@inline(__always)
private func validRange(size: Int, out: Int, k: Int, stride: Int, pad: Int) -> Range<Int> {
    let lo = max(0, (pad - k + stride - 1) / stride)
    let hi = min(out, (size - 1 + pad - k) / stride + 1)
    return lo..<max(lo, hi)
}

/// Unfolds input [N, C, D, H, W] into columns [C·kD·kH·kW, N·oD·oH·oW] (zero where padded).
func im2col(_ x: UnsafePointer<Float>, _ col: UnsafeMutablePointer<Float>, _ g: ConvolutionGeometry) {
    let (kd, kh, kw) = g.kernel, (od, oh, ow) = g.output, (id, ih, iw) = g.input
    let (sd, sh, sw) = g.stride, (pd, ph, pw) = g.padding
    let columns = g.batch * g.outputPlane
    parallelFor(g.patchSize, grain: 1) { rows in
        for row in rows {
            let c = row / g.kernelVolume, offset = row % g.kernelVolume
            let kz = offset / (kh * kw), ky = (offset / kw) % kh, kx = offset % kw
            let zr = validRange(size: id, out: od, k: kz, stride: sd, pad: pd)
            let yr = validRange(size: ih, out: oh, k: ky, stride: sh, pad: ph)
            let xr = validRange(size: iw, out: ow, k: kx, stride: sw, pad: pw)
            let dstRow = col + row * columns
            dstRow.update(repeating: 0, count: columns)
            for n in 0..<g.batch {
                let src = x + (n * g.inChannels + c) * g.inputPlane
                let dstImage = dstRow + n * g.outputPlane
                for z in zr {
                    let iz = z * sd - pd + kz
                    for y in yr {
                        let srcRow = src + (iz * ih + y * sh - ph + ky) * iw
                        let dst = dstImage + (z * oh + y) * ow
                        if sw == 1 {
                            (dst + xr.lowerBound).update(from: srcRow + xr.lowerBound - pw + kx, count: xr.count)
                        } else {
                            for xo in xr { dst[xo] = srcRow[xo * sw - pw + kx] }
                        }
                    }
                }
            }
        }
    }
}

/// Folds column gradients back onto the input: the adjoint of `im2col`. Parallel over
/// input channels, whose rows touch disjoint parts of the input gradient.
func col2im(_ col: UnsafePointer<Float>, _ x: UnsafeMutablePointer<Float>, _ g: ConvolutionGeometry) {
    let (kd, kh, kw) = g.kernel, (od, oh, ow) = g.output, (id, ih, iw) = g.input
    let (sd, sh, sw) = g.stride, (pd, ph, pw) = g.padding
    let columns = g.batch * g.outputPlane
    parallelFor(g.inChannels, grain: 1) { channels in
        for c in channels {
            for offset in 0..<g.kernelVolume {
                let kz = offset / (kh * kw), ky = (offset / kw) % kh, kx = offset % kw
                let zr = validRange(size: id, out: od, k: kz, stride: sd, pad: pd)
                let yr = validRange(size: ih, out: oh, k: ky, stride: sh, pad: ph)
                let xr = validRange(size: iw, out: ow, k: kx, stride: sw, pad: pw)
                let srcRow = col + (c * g.kernelVolume + offset) * columns
                for n in 0..<g.batch {
                    let dstImage = x + (n * g.inChannels + c) * g.inputPlane
                    let srcImage = srcRow + n * g.outputPlane
                    for z in zr {
                        let iz = z * sd - pd + kz
                        for y in yr {
                            let dst = dstImage + (iz * ih + y * sh - ph + ky) * iw - pw + kx
                            let src = srcImage + (z * oh + y) * ow
                            for xo in xr { dst[xo * sw] += src[xo] }
                        }
                    }
                }
            }
        }
    }
}
