/// Sum and mean over axes, with broadcasting-aware backward.

/// Sums over `axes`, keeping them as extent-1 axes. Each run of adjacent reduced axes is
/// reduced in one pass viewed as (outer, reduced, inner).
func sumKernel(_ input: Tensor, axes: Set<Int>) -> Tensor {
    var dims = input.shape.dims
    var current = input.storage
    var axis = 0
    while axis < dims.count {
        guard axes.contains(axis) else { axis += 1; continue }
        var end = axis
        while end + 1 < dims.count && axes.contains(end + 1) { end += 1 }
        let outer = dims[..<axis].reduce(1, *)
        let reduced = dims[axis...end].reduce(1, *)
        let inner = dims[(end + 1)...].reduce(1, *)
        current = sumMiddle(current, outer: outer, reduced: reduced, inner: inner)
        for a in axis...end { dims[a] = 1 }
        axis = end + 1
    }
    return Tensor(storage: current === input.storage ? current.copy() : current, shape: Shape(dims))
}

/// out[o, i] = Σ_r in[o, r, i], accumulated in Double for accuracy.
private func sumMiddle(_ input: Storage, outer: Int, reduced: Int, inner: Int) -> Storage {
    let result = Storage(count: outer * inner)
    let src = input.pointer, dst = result.pointer
    if inner == 1 {
        parallelFor(outer, grain: max(1, (1 << 15) / max(reduced, 1))) { range in
            for o in range {
                var acc = 0.0
                let row = src + o * reduced
                for r in 0..<reduced { acc += Double(row[r]) }
                dst[o] = Float(acc)
            }
        }
        return result
    }
    parallelFor(outer * inner, grain: max(1, (1 << 15) / max(reduced, 1))) { range in
        var acc = [Double](repeating: 0, count: inner)
        var position = range.lowerBound
        while position < range.upperBound {
            let o = position / inner, i0 = position % inner
            let i1 = min(inner, i0 + (range.upperBound - position))
            for i in i0..<i1 { acc[i] = 0 }
            let base = src + o * reduced * inner
            for r in 0..<reduced {
                let row = base + r * inner
                for i in i0..<i1 { acc[i] += Double(row[i]) }
            }
            for i in i0..<i1 { dst[o * inner + i] = Float(acc[i]) }
            position += i1 - i0
        }
    }
    return result
}

extension Tensor {
    private func resolvedAxes(_ axes: [Int]?, op: String) throws -> Set<Int> {
        guard let axes else { return Set(0..<rank) }
        var result = Set<Int>()
        for a in axes {
            guard let axis = shape.axis(a) else {
                throw TensorError.invalidShape(op: op, shape: shape, reason: "axis \(a) out of range")
            }
            result.insert(axis)
        }
        return result
    }

    private static func droppingAxes(_ shape: Shape, _ axes: Set<Int>) -> Shape {
        Shape(shape.dims.enumerated().filter { !axes.contains($0.offset) }.map(\.element))
    }

    /// Sum over `axes` (all axes when nil); reduced axes are removed unless `keepDims`.
    public func sum(axes: [Int]? = nil, keepDims: Bool = false) throws -> Tensor {
        let set = try resolvedAxes(axes, op: "sum")
        let kept = sumKernel(self, axes: set)
        let outShape = keepDims ? kept.shape : Tensor.droppingAxes(shape, set)
        let inputShape = shape
        return Tensor.record(kept.storage, outShape, op: "sum", inputs: [self]) { g in
            let expanded = Tensor(storage: g.storage, shape: kept.shape)
            return [expanded.broadcastCopy(to: inputShape)]
        }
    }

    /// Mean over `axes` (all axes when nil); reduced axes are removed unless `keepDims`.
    public func mean(axes: [Int]? = nil, keepDims: Bool = false) throws -> Tensor {
        let set = try resolvedAxes(axes, op: "mean")
        let n = set.reduce(1) { $0 * shape.dims[$1] }
        return try sum(axes: axes, keepDims: keepDims) * (1 / Float(max(n, 1)))
    }

    /// A contiguous copy of this tensor broadcast to `target` (outside the tape).
    func broadcastCopy(to target: Shape) -> Tensor {
        let zero = Tensor.zeros([])
        return Tensor(storage: broadcastMap(self, zero, into: target) { a, _ in a }, shape: target)
    }
}
