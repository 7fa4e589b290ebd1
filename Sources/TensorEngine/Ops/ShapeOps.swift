/// Reshape, permute, slice and concatenate.
extension Tensor {
    /// The same values under another shape with the same element count; one extent may be -1.
    public func reshaped(_ dims: [Int]) throws -> Tensor {
        var resolved = dims
        if let hole = dims.firstIndex(of: -1) {
            let known = dims.enumerated().filter { $0.offset != hole }.reduce(1) { $0 * $1.element }
            guard known > 0, count % known == 0 else {
                throw TensorError.invalidShape(op: "reshape", shape: shape, reason: "cannot infer -1 in \(dims)")
            }
            resolved[hole] = count / known
        }
        guard resolved.allSatisfy({ $0 >= 0 }), resolved.reduce(1, *) == count else {
            throw TensorError.shapeMismatch(op: "reshape", lhs: shape, rhs: Shape(resolved.map { max($0, 0) }),
                                            reason: "element counts differ")
        }
        let inputShape = shape
        return Tensor.record(storage, Shape(resolved), op: "reshape", inputs: [self]) { g in
            [Tensor(storage: g.storage, shape: inputShape)]
        }
    }

    /// Reorders axes: output axis i is input axis `order[i]`.
    public func permuted(_ order: [Int]) throws -> Tensor {
        guard order.count == rank, Set(order) == Set(0..<rank) else {
            throw TensorError.invalidArgument(op: "permute", reason: "\(order) is not a permutation of the \(rank) axes of \(shape)")
        }
        let result = permuteKernel(self, order)
        var inverse = [Int](repeating: 0, count: rank)
        for (i, axis) in order.enumerated() { inverse[axis] = i }
        return Tensor.record(result.storage, result.shape, op: "permute", inputs: [self]) { g in
            [permuteKernel(g, inverse)]
        }
    }

    /// Swaps two axes.
    public func transposed(_ a: Int = -2, _ b: Int = -1) throws -> Tensor {
        guard let x = shape.axis(a), let y = shape.axis(b) else {
            throw TensorError.invalidShape(op: "transpose", shape: shape, reason: "axes \(a), \(b) out of range")
        }
        var order = Array(0..<rank)
        order.swapAt(x, y)
        return try permuted(order)
    }

    /// The sub-range `range` along `axis`.
    public func sliced(axis: Int, _ range: Range<Int>) throws -> Tensor {
        guard let ax = shape.axis(axis) else {
            throw TensorError.invalidShape(op: "slice", shape: shape, reason: "axis \(axis) out of range")
        }
        guard range.lowerBound >= 0, range.upperBound <= shape.dims[ax] else {
            throw TensorError.invalidShape(op: "slice", shape: shape, reason: "range \(range) outside axis \(ax)")
        }
        let outer = shape.dims[..<ax].reduce(1, *), inner = shape.dims[(ax + 1)...].reduce(1, *)
        let full = shape.dims[ax], part = range.count
        var dims = shape.dims
        dims[ax] = part
        let result = Storage(uninitializedCount: outer * part * inner)
        for o in 0..<outer {
            (result.pointer + o * part * inner).update(from: pointer + (o * full + range.lowerBound) * inner, count: part * inner)
        }
        let inputShape = shape
        return Tensor.record(result, Shape(dims), op: "slice", inputs: [self]) { g in
            let gx = Tensor.zeros(inputShape)
            for o in 0..<outer {
                (gx.pointer + (o * full + range.lowerBound) * inner).update(from: g.pointer + o * part * inner, count: part * inner)
            }
            return [gx]
        }
    }

    /// Joins tensors along `axis`; all other extents must agree.
    public static func concatenate(_ tensors: [Tensor], axis: Int) throws -> Tensor {
        guard let first = tensors.first else { throw TensorError.invalidArgument(op: "concatenate", reason: "no tensors") }
        guard let ax = first.shape.axis(axis) else {
            throw TensorError.invalidShape(op: "concatenate", shape: first.shape, reason: "axis \(axis) out of range")
        }
        for t in tensors.dropFirst() {
            var a = first.shape.dims, b = t.shape.dims
            guard a.count == b.count else {
                throw TensorError.shapeMismatch(op: "concatenate", lhs: first.shape, rhs: t.shape, reason: "ranks differ")
            }
            a[ax] = 0; b[ax] = 0
            guard a == b else {
                throw TensorError.shapeMismatch(op: "concatenate", lhs: first.shape, rhs: t.shape, reason: "extents differ off axis \(ax)")
            }
        }
        let outer = first.shape.dims[..<ax].reduce(1, *), inner = first.shape.dims[(ax + 1)...].reduce(1, *)
        let parts = tensors.map { $0.shape.dims[ax] }
        let total = parts.reduce(0, +)
        var dims = first.shape.dims
        dims[ax] = total
        let result = Storage(uninitializedCount: outer * total * inner)
        var offset = 0
        for (t, part) in zip(tensors, parts) {
            for o in 0..<outer {
                (result.pointer + (o * total + offset) * inner).update(from: t.pointer + o * part * inner, count: part * inner)
            }
            offset += part
        }
        return record(result, Shape(dims), op: "concatenate", inputs: tensors) { g in
            var start = 0
            return zip(tensors, parts).map { t, part in
                defer { start += part }
                guard t.requiresGrad else { return nil }
                let gt = Tensor.zeros(t.shape)
                for o in 0..<outer {
                    (gt.pointer + o * part * inner).update(from: g.pointer + (o * total + start) * inner, count: part * inner)
                }
                return gt
            }
        }
    }
}

/// Copies `input` with its axes reordered (output axis i = input axis order[i]).
func permuteKernel(_ input: Tensor, _ order: [Int]) -> Tensor {
    let dims = order.map { input.shape.dims[$0] }
    let outShape = Shape(dims)
    let inStrides = input.shape.strides
    let strides = order.map { inStrides[$0] }
    let result = Storage(uninitializedCount: input.count)
    let rank = dims.count
    guard rank > 0 else {
        result.pointer[0] = input.pointer[0]
        return Tensor(storage: result, shape: outShape)
    }
    let inner = dims[rank - 1], innerStride = strides[rank - 1]
    let rows = input.count / max(inner, 1)
    let src = input.pointer, dst = result.pointer
    parallelFor(rows, grain: max(1, (1 << 14) / max(inner, 1))) { range in
        for row in range {
            var rem = row, offset = 0
            for axis in stride(from: rank - 2, through: 0, by: -1) {
                offset += (rem % dims[axis]) * strides[axis]
                rem /= dims[axis]
            }
            let out = dst + row * inner
            for j in 0..<inner { out[j] = src[offset + j * innerStride] }
        }
    }
    return Tensor(storage: result, shape: outShape)
}
