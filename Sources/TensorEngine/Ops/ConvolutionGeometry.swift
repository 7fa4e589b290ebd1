/// Shapes of a 2D or 3D convolution, with 2D treated as 3D of depth 1 so one kernel serves both.
struct ConvolutionGeometry {
    let batch: Int, inChannels: Int, outChannels: Int
    /// Input extents (depth, height, width); depth is 1 for 2D.
    let input: (Int, Int, Int)
    let kernel: (Int, Int, Int)
    let stride: (Int, Int, Int)
    let padding: (Int, Int, Int)
    let output: (Int, Int, Int)
    /// Spatial rank of the caller's tensors (2 or 3).
    let spatialRank: Int

    var inputPlane: Int { input.0 * input.1 * input.2 }
    var outputPlane: Int { output.0 * output.1 * output.2 }
    var kernelVolume: Int { kernel.0 * kernel.1 * kernel.2 }
    /// Rows of the im2col matrix: one per (input channel, kernel offset).
    var patchSize: Int { inChannels * kernelVolume }
    /// Whether output rows have the input's row length and step through it one row at a time
    /// (stride 1 in y and x, "same" padding along x), so a column row is a shifted input stretch.
    var keepsRowLength: Bool { stride.1 == 1 && stride.2 == 1 && output.2 == input.2 }
    /// Caller-facing output shape [N, C_out, spatial...].
    var outputShape: Shape {
        let spatial = [output.0, output.1, output.2].suffix(spatialRank)
        return Shape([batch, outChannels] + spatial)
    }

    /// Lifts a 2-element spatial list to 3 by prepending `fill`.
    static func lift(_ values: [Int], rank: Int, fill: Int) -> (Int, Int, Int) {
        let v = rank == 2 ? [fill] + values : values
        return (v[0], v[1], v[2])
    }

    /// Validates a convolution's operands and derives its geometry.
    static func make(op: String, input x: Shape, weight: Shape, stride: [Int], padding: [Int]) throws -> ConvolutionGeometry {
        let spatialRank = x.rank - 2
        guard spatialRank == 2 || spatialRank == 3 else {
            throw TensorError.invalidShape(op: op, shape: x, reason: "input must be [N, C, H, W] or [N, C, D, H, W]")
        }
        guard weight.rank == x.rank else {
            throw TensorError.shapeMismatch(op: op, lhs: x, rhs: weight, reason: "weight rank must equal input rank")
        }
        guard weight[1] == x[1] else {
            throw TensorError.shapeMismatch(op: op, lhs: x, rhs: weight, reason: "input has \(x[1]) channels, weight expects \(weight[1])")
        }
        guard stride.count == spatialRank, padding.count == spatialRank,
              stride.allSatisfy({ $0 > 0 }), padding.allSatisfy({ $0 >= 0 }) else {
            throw TensorError.invalidArgument(op: op, reason: "stride \(stride) and padding \(padding) need \(spatialRank) entries, stride > 0, padding ≥ 0")
        }
        let size = lift(Array(x.dims.suffix(spatialRank)), rank: spatialRank, fill: 1)
        let kernel = lift(Array(weight.dims.suffix(spatialRank)), rank: spatialRank, fill: 1)
        let s = lift(stride, rank: spatialRank, fill: 1), p = lift(padding, rank: spatialRank, fill: 0)
        func out(_ n: Int, _ k: Int, _ s: Int, _ p: Int) -> Int { (n + 2 * p - k) / s + 1 }
        let o = (out(size.0, kernel.0, s.0, p.0), out(size.1, kernel.1, s.1, p.1), out(size.2, kernel.2, s.2, p.2))
        guard o.0 > 0, o.1 > 0, o.2 > 0, size.0 + 2 * p.0 >= kernel.0, size.1 + 2 * p.1 >= kernel.1, size.2 + 2 * p.2 >= kernel.2 else {
            throw TensorError.shapeMismatch(op: op, lhs: x, rhs: weight, reason: "kernel larger than the padded input")
        }
        return ConvolutionGeometry(batch: x[0], inChannels: x[1], outChannels: weight[0], input: size, kernel: kernel,
                                   stride: s, padding: p, output: o, spatialRank: spatialRank)
    }
}

/// Moves the channel axis to the front: [N, C, P] → [C, N·P].
func channelsFirst(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, batch: Int, channels: Int, plane: Int) {
    parallelFor(channels, grain: 1) { range in
        for c in range {
            for n in 0..<batch {
                (dst + (c * batch + n) * plane).update(from: src + (n * channels + c) * plane, count: plane)
            }
        }
    }
}

/// Inverse of `channelsFirst`: [C, N·P] → [N, C, P], adding `bias[c]` when given.
func channelsLast(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, batch: Int, channels: Int, plane: Int,
                  bias: UnsafePointer<Float>? = nil) {
    parallelFor(channels, grain: 1) { range in
        for c in range {
            let b = bias?[c] ?? 0
            for n in 0..<batch {
                let s = src + (c * batch + n) * plane, d = dst + (n * channels + c) * plane
                if b == 0 { d.update(from: s, count: plane) } else { for i in 0..<plane { d[i] = s[i] + b } }
            }
        }
    }
}

/// Per-channel sums of a [N, C, P] tensor (the bias gradient of a convolution), accumulated
/// in Double, parallel over channels.
func channelSums(_ g: Tensor, channels: Int) -> Tensor {
    let batch = g.shape[0], plane = g.count / max(batch * channels, 1)
    let result = Tensor.zeros([channels])
    let p = g.pointer, out = result.pointer
    parallelFor(channels, grain: max(1, (1 << 16) / max(batch * plane, 1))) { range in
        for c in range {
            var acc = 0.0
            for n in 0..<batch { acc += vectorSum(p + (n * channels + c) * plane, plane) }
            out[c] = Float(acc)
        }
    }
    return result
}
