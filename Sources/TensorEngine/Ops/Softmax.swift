/// Softmax along an axis, viewed as (outer, classes, inner).
struct AxisView {
    let outer: Int, extent: Int, inner: Int

    init(_ shape: Shape, axis: Int) {
        outer = shape.dims[..<axis].reduce(1, *)
        extent = shape.dims[axis]
        inner = shape.dims[(axis + 1)...].reduce(1, *)
    }

    /// Offset of element `(o, 0, i)`; consecutive classes are `inner` apart.
    @inline(__always) func base(_ o: Int, _ i: Int) -> Int { o * extent * inner + i }
}

/// Numerically stable softmax of `x` along the view's axis into `y`.
func softmaxKernel(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ v: AxisView) {
    if v.inner > 1 { return softmaxAcrossPlanes(x, y, v) }
    parallelFor(v.outer, grain: max(1, 4096 / max(v.extent, 1))) { range in
        for row in range {
            let xs = x + row * v.extent, ys = y + row * v.extent
            var peak = -Float.infinity
            for c in 0..<v.extent { peak = max(peak, xs[c]) }
            // Exponentials in a loop of their own, which vectorises; the sum would keep it scalar.
            for c in 0..<v.extent { ys[c] = vectorExp(xs[c] - peak) }
            var total: Float = 0
            for c in 0..<v.extent { total += ys[c] }
            let scale = 1 / total
            for c in 0..<v.extent { ys[c] *= scale }
        }
    }
}

/// Positions handled together when the classes are planes apart (softmax over channels).
private let planeBlock = 256

/// Softmax over an axis whose entries are `inner` apart: the same arithmetic per position as
/// along a contiguous axis, in loops that run along the planes over a block of positions,
/// so they vectorise where one position at a time would stride across planes.
private func softmaxAcrossPlanes(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ v: AxisView) {
    let blocks = (v.inner + planeBlock - 1) / planeBlock
    parallelFor(v.outer * blocks, grain: max(1, 16 / max(v.extent, 1))) { range in
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * planeBlock) { scratch in
            let peak = scratch.baseAddress!, total = peak + planeBlock
            for job in range {
                let first = (job % blocks) * planeBlock, count = min(planeBlock, v.inner - first)
                let base = v.base(job / blocks, first)
                for i in 0..<count { peak[i] = -Float.infinity; total[i] = 0 }
                for c in 0..<v.extent {
                    let xs = x + base + c * v.inner
                    for i in 0..<count { peak[i] = max(peak[i], xs[i]) }
                }
                for c in 0..<v.extent {
                    let xs = x + base + c * v.inner, ys = y + base + c * v.inner
                    for i in 0..<count { ys[i] = vectorExp(xs[i] - peak[i]) }
                }
                for c in 0..<v.extent {
                    let ys = y + base + c * v.inner
                    for i in 0..<count { total[i] += ys[i] }
                }
                for i in 0..<count { total[i] = 1 / total[i] }
                for c in 0..<v.extent {
                    let ys = y + base + c * v.inner
                    for i in 0..<count { ys[i] *= total[i] }
                }
            }
        }
    }
}

extension Tensor {
    /// Softmax along `axis`.
    public func softmax(axis: Int = -1) throws -> Tensor {
        guard let ax = shape.axis(axis) else {
            throw TensorError.invalidShape(op: "softmax", shape: shape, reason: "axis \(axis) out of range")
        }
        let view = AxisView(shape, axis: ax)
        let result = Storage(uninitializedCount: count)
        softmaxKernel(pointer, result.pointer, view)
        return Tensor.record(result, shape, op: "softmax", inputs: [self]) { grad in
            let gx = Tensor.uninitialized(grad.shape)
            let g = grad.pointer, y = result.pointer, dx = gx.pointer
            parallelFor(view.outer * view.inner, grain: max(1, 4096 / max(view.extent, 1))) { range in
                for position in range {
                    let base = view.base(position / view.inner, position % view.inner)
                    var dot: Float = 0
                    for c in 0..<view.extent { dot += g[base + c * view.inner] * y[base + c * view.inner] }
                    for c in 0..<view.extent {
                        let i = base + c * view.inner
                        dx[i] = y[i] * (g[i] - dot)
                    }
                }
            }
            return [gx]
        }
    }
}
