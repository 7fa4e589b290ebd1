#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Elementwise functions and activations.
extension Tensor {
    /// Applies `f` elementwise; `derivative(x, y)` gives dy/dx from the input and output.
    @inline(__always)
    func unary(op: String, _ f: (Float) -> Float, derivative: @escaping (Float, Float) -> Float) -> Tensor {
        let result = Storage(uninitializedCount: count)
        let src = pointer, dst = result.pointer
        parallelFor(count, grain: 1 << 15) { r in for i in r { dst[i] = f(src[i]) } }
        return Tensor.record(result, shape, op: op, inputs: [self]) { g in
            let out = Storage(uninitializedCount: g.count)
            let pg = g.pointer, px = self.pointer, py = result.pointer, po = out.pointer
            parallelFor(g.count, grain: 1 << 15) { r in
                for i in r { po[i] = pg[i] * derivative(px[i], py[i]) }
            }
            return [Tensor(storage: out, shape: g.shape)]
        }
    }

    /// e^x.
    public func exp() -> Tensor { unary(op: "exp", { expf($0) }, derivative: { _, y in y }) }
    /// Natural logarithm.
    public func log() -> Tensor { unary(op: "log", { logf($0) }, derivative: { x, _ in 1 / x }) }
    /// Square root.
    public func sqrt() -> Tensor { unary(op: "sqrt", { $0.squareRoot() }, derivative: { _, y in 0.5 / y }) }
    /// x².
    public func square() -> Tensor { unary(op: "square", { $0 * $0 }, derivative: { x, _ in 2 * x }) }
    /// Hyperbolic tangent.
    public func tanh() -> Tensor { unary(op: "tanh", { tanhf($0) }, derivative: { _, y in 1 - y * y }) }
    /// Logistic sigmoid.
    public func sigmoid() -> Tensor {
        unary(op: "sigmoid", { 1 / (1 + expf(-$0)) }, derivative: { _, y in y * (1 - y) })
    }
    /// max(x, 0).
    public func relu() -> Tensor { unary(op: "relu", { max($0, 0) }, derivative: { x, _ in x > 0 ? 1 : 0 }) }

    /// x for x > 0, slope·x otherwise (nnU-Net uses slope 0.01). Written out rather than
    /// through `unary`: it follows every convolution of a U-Net, and a select per element in
    /// the backward pass vectorises where a call to a derivative closure does not.
    public func leakyReLU(slope: Float = 0.01) -> Tensor {
        let result = Storage(uninitializedCount: count)
        let x = pointer, y = result.pointer
        parallelFor(count, grain: 1 << 15) { r in for i in r { y[i] = x[i] > 0 ? x[i] : x[i] * slope } }
        return Tensor.record(result, shape, op: "leaky_relu", inputs: [self]) { grad in
            let gx = Tensor.uninitialized(grad.shape)
            let g = grad.pointer, dx = gx.pointer
            parallelFor(grad.count, grain: 1 << 15) { r in for i in r { dx[i] = x[i] > 0 ? g[i] : g[i] * slope } }
            return [gx]
        }
    }

    /// GELU in its exact form, x·Φ(x) with Φ through erf (PyTorch's approximate="none").
    /// Φ(x) is kept from the forward pass so the backward pass needs no second erf.
    public func gelu() -> Tensor {
        let invSqrt2: Float = 0.707_106_781_186_547_5, invSqrt2Pi: Float = 0.398_942_280_401_432_7
        let result = Storage(uninitializedCount: count), cdf = Storage(uninitializedCount: count)
        let x = pointer, y = result.pointer, phi = cdf.pointer
        parallelFor(count, grain: 1 << 14) { r in
            for i in r {
                phi[i] = 0.5 * (1 + vectorErf(x[i] * invSqrt2))
                y[i] = x[i] * phi[i]
            }
        }
        return Tensor.record(result, shape, op: "gelu", inputs: [self]) { grad in
            let gx = Tensor.uninitialized(grad.shape)
            let g = grad.pointer, dx = gx.pointer, phi = cdf.pointer
            parallelFor(grad.count, grain: 1 << 14) { r in
                for i in r { dx[i] = g[i] * (phi[i] + x[i] * invSqrt2Pi * vectorExp(-0.5 * x[i] * x[i])) }
            }
            return [gx]
        }
    }
}
