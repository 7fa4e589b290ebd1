import Zoo

/// The parameters a learned optimiser learns to move, and the weight distillation gives each:
/// all but those the network's output does not depend on (`NetworkAssembly.cancelledByNorm`),
/// whose moves are rounding noise no rule could predict and, in the zoo's per-tensor units, the
/// largest of all. The parameter scope draws half its rows uniformly over them and half over
/// their tensors first, so small tensors such as norms and biases are learned too.
struct LearnedParameters {
    /// Flat indices of the learned parameters.
    let indices: [Int]
    /// Their tensors (layout entries).
    let tensors: [ParameterLayout.Entry]
    /// Per parameter of the layout, the root of its share under those two draws relative to a
    /// uniform draw (0 for a parameter not learned): what the channel graph's whole networks
    /// and every error figure weigh it by.
    let weights: [Float]

    /// The learned parameters of `assembly`'s layout, whose parameters lie in tensors `tensorOf`.
    init(tensorOf: [Int], assembly: NetworkAssembly) {
        let entries = assembly.layout.entries, cancelled = assembly.cancelledByNorm
        indices = tensorOf.indices.filter { !cancelled[tensorOf[$0]] }
        tensors = entries.indices.filter { !cancelled[$0] }.map { entries[$0] }
        let parameterCount = Float(indices.count), tensorCount = Float(tensors.count)
        weights = tensorOf.map { cancelled[$0] ? 0 : (0.5 + 0.5 * parameterCount / (tensorCount * Float(entries[$0].count))).squareRoot() }
    }
}
