/// Broadcasting elementwise kernels shared by the binary ops.

/// For one operand of a broadcast: its element stride along each output axis (0 where the
/// operand has extent 1 there or lacks the axis).
func broadcastStrides(of shape: Shape, to output: Shape) -> [Int] {
    let offset = output.rank - shape.rank
    let own = shape.strides
    return (0..<output.rank).map { axis in
        axis < offset || shape.dims[axis - offset] == 1 ? 0 : own[axis - offset]
    }
}

/// out[i] = f(a[ia], b[ib]) over the broadcast of a and b.
@inline(__always)
func broadcastMap(_ a: Tensor, _ b: Tensor, into out: Shape,
                  _ f: (Float, Float) -> Float) -> Storage {
    let result = Storage(uninitializedCount: out.count)
    let pa = a.pointer, pb = b.pointer, po = result.pointer
    if a.shape == out && b.shape == out {
        parallelFor(out.count, grain: 1 << 15) { r in for i in r { po[i] = f(pa[i], pb[i]) } }
        return result
    }
    if b.count == 1 && a.shape == out {
        let v = pb[0]
        parallelFor(out.count, grain: 1 << 15) { r in for i in r { po[i] = f(pa[i], v) } }
        return result
    }
    if a.count == 1 && b.shape == out {
        let v = pa[0]
        parallelFor(out.count, grain: 1 << 15) { r in for i in r { po[i] = f(v, pb[i]) } }
        return result
    }
    let rank = out.rank
    guard rank > 0 else {
        po[0] = f(pa[0], pb[0])
        return result
    }
    let sa = broadcastStrides(of: a.shape, to: out), sb = broadcastStrides(of: b.shape, to: out)
    let inner = out.dims[rank - 1], ia = sa[rank - 1], ib = sb[rank - 1]
    let rows = out.count / max(inner, 1)
    let outerDims = Array(out.dims.dropLast())
    parallelFor(rows, grain: max(1, (1 << 14) / max(inner, 1))) { range in
        for row in range {
            var rem = row, offA = 0, offB = 0
            for axis in stride(from: rank - 2, through: 0, by: -1) {
                let d = outerDims[axis]
                let idx = rem % d
                rem /= d
                offA += idx * sa[axis]
                offB += idx * sb[axis]
            }
            let o = po + row * inner
            for j in 0..<inner { o[j] = f(pa[offA + j * ia], pb[offB + j * ib]) }
        }
    }
    return result
}

/// Sums `gradient` (shaped like a broadcast output) down to `shape`, undoing broadcasting.
func reduceToShape(_ gradient: Tensor, _ shape: Shape) -> Tensor {
    if gradient.shape == shape { return gradient }
    let offset = gradient.rank - shape.rank
    var axes: [Int] = Array(0..<offset)
    for axis in 0..<shape.rank where shape.dims[axis] == 1 && gradient.shape.dims[axis + offset] != 1 {
        axes.append(axis + offset)
    }
    let summed = sumKernel(gradient, axes: Set(axes))
    return Tensor(storage: summed.storage, shape: shape)
}
