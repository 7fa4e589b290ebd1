import TensorEngine

/// What an optimiser's next step reads of each parameter's history, keyed by parameter name:
/// Adam's first and second moment estimates with their bias corrected (the next step moves by
/// `first / (sqrt(second) + eps)` times the rate), or SGD's momentum buffer (no second moment).
/// A parameter that has not been stepped yet has no entry: its moments are zero.
public struct OptimizerMoments {
    public let first: [String: Tensor]
    /// Nil for an optimiser that keeps no second moment.
    public let second: [String: Tensor]?

    public init(first: [String: Tensor], second: [String: Tensor]?) {
        self.first = first
        self.second = second
    }
}
