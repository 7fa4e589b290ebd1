import TensorEngine

/// Named parameters that share optimiser hyperparameters (PyTorch's param_groups).
public struct ParameterGroup {
    /// The parameters with their dotted names; optimiser state is keyed by these names.
    public var parameters: [(name: String, tensor: Tensor)]
    /// Weight decay for this group (L2 for SGD and Adam, decoupled for AdamW).
    public var weightDecay: Float
    /// Multiplier on the optimiser's learning rate for this group.
    public var learningRateScale: Float

    public init(_ parameters: [(name: String, tensor: Tensor)], weightDecay: Float = 0, learningRateScale: Float = 1) {
        self.parameters = parameters
        self.weightDecay = weightDecay
        self.learningRateScale = learningRateScale
    }

    /// Splits parameters into a decayed group and an undecayed one. By default biases,
    /// norm parameters and embeddings (names containing "bias", "norm", "ln", "embedding",
    /// or any 1-element or 1-D tensor) are not decayed, as in G.pt and minGPT.
    public static func decayAndNoDecay(_ parameters: [(name: String, tensor: Tensor)], weightDecay: Float,
                                       exempt: ((String, Tensor) -> Bool)? = nil) -> [ParameterGroup] {
        let isExempt = exempt ?? { name, tensor in
            let leaf = name.split(separator: ".").map(String.init)
            return tensor.rank <= 1 || leaf.contains { $0.hasPrefix("ln") || $0.contains("norm") || $0.contains("embedding") }
        }
        let decayed = parameters.filter { !isExempt($0.name, $0.tensor) }
        let exempted = parameters.filter { isExempt($0.name, $0.tensor) }
        return [ParameterGroup(decayed, weightDecay: weightDecay), ParameterGroup(exempted, weightDecay: 0)]
    }
}

/// An optimiser updates parameters in place from their accumulated gradients.
public protocol Optimizer: AnyObject {
    /// The base learning rate, changed by schedules between steps.
    var learningRate: Float { get set }
    /// The parameter groups.
    var groups: [ParameterGroup] { get }
    /// Applies one update. Throws, before changing anything, if any gradient is non-finite.
    func step() throws
    /// A copy of the per-parameter state the next step reads.
    func moments() -> OptimizerMoments
    /// Sets the state to `moments` (as `moments()` returns them) after `steps` steps, so the
    /// next step is the one a run saved there would have taken.
    func restore(_ moments: OptimizerMoments, steps: Int) throws
}

extension Optimizer {
    /// Clears the gradients of every parameter in every group.
    public func zeroGrad() {
        for group in groups { for p in group.parameters { p.tensor.zeroGrad() } }
    }

    /// Throws `TensorError.nonFinite` naming the first parameter whose gradient has a NaN or
    /// infinity, so a diverged loss never reaches the weights.
    func checkGradientsFinite() throws {
        for group in groups {
            for p in group.parameters where !(p.tensor.grad?.allFinite ?? true) {
                throw TensorError.nonFinite(what: "gradient of \(p.name)")
            }
        }
    }
}
