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
    parallelFor(v.outer * v.inner, grain: max(1, 4096 / max(v.extent, 1))) { range in
        for position in range {
            let base = v.base(position / v.inner, position % v.inner)
            var peak = -Float.infinity
            for c in 0..<v.extent { peak = max(peak, x[base + c * v.inner]) }
            // Exponentials in a loop of their own, which vectorises; the sum would keep it scalar.
            for c in 0..<v.extent { y[base + c * v.inner] = vectorExp(x[base + c * v.inner] - peak) }
            var total: Float = 0
            for c in 0..<v.extent { total += y[base + c * v.inner] }
            let scale = 1 / total
            for c in 0..<v.extent { y[base + c * v.inner] *= scale }
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
