import TensorEngine

/// An exponential moving average of parameters, keyed by name (G.pt samples with EMA weights).
public final class ExponentialMovingAverage {
    public let decay: Float
    /// The averaged copies, keyed by parameter name.
    public private(set) var shadow: [String: Tensor]
    private let parameters: [(name: String, tensor: Tensor)]

    /// Starts the average at the parameters' current values.
    public init(parameters: [(name: String, tensor: Tensor)], decay: Float) {
        self.decay = decay
        self.parameters = parameters
        shadow = Dictionary(parameters.map { ($0.name, $0.tensor.copy()) }, uniquingKeysWith: { a, _ in a })
    }

    /// shadow ← d · shadow + (1 − d) · parameter, with d = `decay`, or min(`decay`,
    /// (1 + step) / (10 + step)) when `step` is given: the warm-up that keeps a short run's
    /// average from clinging to the initial weights (0.999 still holds 37% of them after 1,000 steps).
    public func update(step: Int? = nil) {
        let d = step.map { min(decay, Float(1 + $0) / Float(10 + $0)) } ?? decay
        for (name, param) in parameters {
            guard let s = shadow[name] else { continue }
            let ps = s.pointer, pp = param.pointer
            for i in 0..<param.count { ps[i] = d * ps[i] + (1 - d) * pp[i] }
        }
    }

    /// Copies the averaged values into `module`'s parameters of the same names.
    public func copy(into module: Module) throws {
        try module.loadStateDict(shadow, strict: false)
    }
}
