/// Broadcasting arithmetic between tensors and with scalars.

extension Tensor {
    private static func outputShape(_ a: Tensor, _ b: Tensor, op: String) throws -> Shape {
        guard let shape = Shape.broadcast(a.shape, b.shape) else {
            throw TensorError.shapeMismatch(op: op, lhs: a.shape, rhs: b.shape, reason: "not broadcastable")
        }
        return shape
    }

    /// Elementwise sum with broadcasting.
    public static func + (a: Tensor, b: Tensor) throws -> Tensor {
        let out = try outputShape(a, b, op: "add")
        let (sa, sb) = (a.shape, b.shape)
        return record(broadcastMap(a, b, into: out, +), out, op: "add", inputs: [a, b]) { g in
            [a.requiresGrad ? reduceToShape(g, sa) : nil, b.requiresGrad ? reduceToShape(g, sb) : nil]
        }
    }

    /// Elementwise difference with broadcasting.
    public static func - (a: Tensor, b: Tensor) throws -> Tensor {
        let out = try outputShape(a, b, op: "sub")
        let (sa, sb) = (a.shape, b.shape)
        return record(broadcastMap(a, b, into: out, -), out, op: "sub", inputs: [a, b]) { g in
            [a.requiresGrad ? reduceToShape(g, sa) : nil, b.requiresGrad ? reduceToShape(-g, sb) : nil]
        }
    }

    /// Elementwise product with broadcasting.
    public static func * (a: Tensor, b: Tensor) throws -> Tensor {
        let out = try outputShape(a, b, op: "mul")
        return record(broadcastMap(a, b, into: out, *), out, op: "mul", inputs: [a, b]) { g in
            [a.requiresGrad ? reduceToShape(mapped(g, b, *), a.shape) : nil,
             b.requiresGrad ? reduceToShape(mapped(g, a, *), b.shape) : nil]
        }
    }

    /// Elementwise quotient with broadcasting.
    public static func / (a: Tensor, b: Tensor) throws -> Tensor {
        let out = try outputShape(a, b, op: "div")
        return record(broadcastMap(a, b, into: out, /), out, op: "div", inputs: [a, b]) { g in
            let ga = a.requiresGrad ? reduceToShape(mapped(g, b, /), a.shape) : nil
            var gb: Tensor?
            if b.requiresGrad {
                let quotient = mapped(mapped(g, a, *), b) { v, d in -v / (d * d) }
                gb = reduceToShape(quotient, b.shape)
            }
            return [ga, gb]
        }
    }

    /// Negation.
    public static prefix func - (a: Tensor) -> Tensor { a * -1 }

    /// Multiplication by a constant.
    public static func * (a: Tensor, s: Float) -> Tensor {
        a.unary(op: "scale", { $0 * s }, derivative: { _, _ in s })
    }

    /// Multiplication by a constant.
    public static func * (s: Float, a: Tensor) -> Tensor { a * s }

    /// Addition of a constant.
    public static func + (a: Tensor, s: Float) -> Tensor {
        a.unary(op: "shift", { $0 + s }, derivative: { _, _ in 1 })
    }

    /// Subtraction of a constant.
    public static func - (a: Tensor, s: Float) -> Tensor { a + (-s) }
}

/// Broadcasting map outside the tape, for backward passes.
func mapped(_ a: Tensor, _ b: Tensor, _ f: (Float, Float) -> Float) -> Tensor {
    let out = Shape.broadcast(a.shape, b.shape)!
    return Tensor(storage: broadcastMap(a, b, into: out, f), shape: out)
}
