import Foundation

/// An n-dimensional, row-major, contiguous Float32 array that can take part in reverse-mode
/// automatic differentiation.
///
/// A tensor is a reference: optimisers update parameters in place, and the tape keeps the
/// tensors an op needs for its backward pass. Ops never mutate their inputs.
public final class Tensor: @unchecked Sendable {
    /// The dimensions.
    public let shape: Shape
    /// The values, row-major.
    public let storage: Storage
    /// Whether `backward()` computes a gradient for this tensor.
    public var requiresGrad: Bool
    /// When true, a non-leaf tensor keeps its gradient after `backward()` as a leaf does.
    public var retainsGrad = false
    /// The accumulated gradient; filled by `backward()` and cleared by `zeroGrad()`.
    public internal(set) var grad: Tensor?
    /// How this tensor was computed; nil for leaves and for results computed without grad.
    var node: TapeNode?

    /// Wraps existing storage; `storage.count` must equal `shape.count`.
    public init(storage: Storage, shape: Shape, requiresGrad: Bool = false) {
        precondition(storage.count == shape.count, "storage holds \(storage.count) values, shape \(shape) needs \(shape.count)")
        self.storage = storage
        self.shape = shape
        self.requiresGrad = requiresGrad
    }

    /// A tensor holding `values` in row-major order.
    public convenience init(shape: Shape, values: [Float], requiresGrad: Bool = false) throws {
        guard values.count == shape.count else {
            throw TensorError.invalidShape(op: "Tensor(shape:values:)", shape: shape,
                                           reason: "needs \(shape.count) values, got \(values.count)")
        }
        self.init(storage: Storage(copying: values), shape: shape, requiresGrad: requiresGrad)
    }

    /// A rank-0 tensor.
    public convenience init(scalar: Float, requiresGrad: Bool = false) {
        self.init(storage: Storage(copying: [scalar]), shape: [], requiresGrad: requiresGrad)
    }

    /// Number of elements.
    @inline(__always) public var count: Int { storage.count }
    /// Number of axes.
    @inline(__always) public var rank: Int { shape.rank }
    /// Start of the values, for kernels.
    @inline(__always) public var pointer: UnsafeMutablePointer<Float> { storage.pointer }
    /// The values as a Swift array (a copy).
    public var scalars: [Float] { Array(storage.buffer) }
    /// The single value of a one-element tensor.
    public var item: Float {
        precondition(count == 1, "item needs exactly one element, shape is \(shape)")
        return storage.pointer[0]
    }

    /// True when this tensor was produced by an op that recorded a backward step.
    public var isLeaf: Bool { node == nil }

    /// A tensor sharing this one's values but cut off from the tape.
    public func detached() -> Tensor { Tensor(storage: storage, shape: shape) }

    /// A deep copy, cut off from the tape.
    public func copy() -> Tensor { Tensor(storage: storage.copy(), shape: shape) }

    /// Forgets the accumulated gradient.
    public func zeroGrad() { grad = nil }

    /// Replaces the gradient; used by gradient clipping and by tests.
    public func setGrad(_ gradient: Tensor?) {
        if let gradient { precondition(gradient.shape == shape, "gradient shape \(gradient.shape) differs from \(shape)") }
        grad = gradient
    }

    /// Whether every element is finite.
    public var allFinite: Bool {
        let p = pointer
        for i in 0..<count where !p[i].isFinite { return false }
        return true
    }

    /// Copies `source`'s values into this tensor in place (same shape), outside the tape.
    public func assign(_ source: Tensor) throws {
        guard source.shape == shape else {
            throw TensorError.shapeMismatch(op: "assign", lhs: shape, rhs: source.shape, reason: "shapes must be equal")
        }
        if source.storage !== storage { pointer.update(from: source.pointer, count: count) }
    }
}

extension Tensor {
    /// All zeros.
    public static func zeros(_ shape: Shape, requiresGrad: Bool = false) -> Tensor {
        Tensor(storage: Storage(count: shape.count), shape: shape, requiresGrad: requiresGrad)
    }

    /// A tensor whose values are unspecified, for kernels that overwrite every element.
    static func uninitialized(_ shape: Shape) -> Tensor {
        Tensor(storage: Storage(uninitializedCount: shape.count), shape: shape)
    }

    /// Every element equal to `value`.
    public static func full(_ shape: Shape, value: Float, requiresGrad: Bool = false) -> Tensor {
        let t = zeros(shape, requiresGrad: requiresGrad)
        t.pointer.update(repeating: value, count: t.count)
        return t
    }

    /// All ones.
    public static func ones(_ shape: Shape, requiresGrad: Bool = false) -> Tensor {
        full(shape, value: 1, requiresGrad: requiresGrad)
    }

    /// Samples from N(mean, std²) with a seeded generator: the same seed gives the same values
    /// on every run and machine.
    public static func normal(_ shape: Shape, mean: Float = 0, std: Float = 1, seed: UInt64,
                              requiresGrad: Bool = false) -> Tensor {
        var rng = SeededGenerator(seed: seed)
        return normal(shape, mean: mean, std: std, using: &rng, requiresGrad: requiresGrad)
    }

    /// Samples from N(mean, std²) drawing from `rng`.
    public static func normal(_ shape: Shape, mean: Float = 0, std: Float = 1,
                              using rng: inout SeededGenerator, requiresGrad: Bool = false) -> Tensor {
        let t = zeros(shape, requiresGrad: requiresGrad)
        for i in 0..<t.count { t.pointer[i] = mean + std * rng.nextNormal() }
        return t
    }

    /// Samples uniformly from [low, high) with a seeded generator.
    public static func uniform(_ shape: Shape, low: Float = 0, high: Float = 1, seed: UInt64,
                               requiresGrad: Bool = false) -> Tensor {
        var rng = SeededGenerator(seed: seed)
        return uniform(shape, low: low, high: high, using: &rng, requiresGrad: requiresGrad)
    }

    /// Samples uniformly from [low, high) drawing from `rng`.
    public static func uniform(_ shape: Shape, low: Float = 0, high: Float = 1,
                               using rng: inout SeededGenerator, requiresGrad: Bool = false) -> Tensor {
        let t = zeros(shape, requiresGrad: requiresGrad)
        for i in 0..<t.count { t.pointer[i] = low + (high - low) * rng.nextUnitFloat() }
        return t
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let preview = scalars.prefix(8).map { String(format: "%.4g", Double($0)) }.joined(separator: ", ")
        return "Tensor\(shape)[\(preview)\(count > 8 ? ", …" : "")]"
    }
}
