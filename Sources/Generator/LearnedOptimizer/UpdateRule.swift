import NeuralNetwork
import TensorEngine

/// The learned optimiser's network: a move, in units of the distilled moves' RMS, for every
/// feature row (`UpdateFeatures`) of one or more networks.
protocol UpdateRule: Module {
    /// Moves for rows `x` [networks × parameters, features] → [·, 1], the networks' rows one
    /// network after another. A rule whose parameters read only themselves accepts any rows.
    func callAsFunction(_ x: Tensor, networks: Int) throws -> Tensor
}

/// A new rule of `description`'s scope for rows of `features` values, its weights drawn from
/// `seed`; a channel graph is made from the description's architecture and layout.
func makeUpdateRule(for description: LearnedOptimizerDescription, features: Int, seed: UInt64) throws -> any UpdateRule {
    let configuration = description.configuration
    switch configuration.scope {
    case .parameter: return ParameterwiseRule(features: features, configuration: configuration, seed: seed)
    case .channelGraph:
        let graph = try ChannelGraph(architecture: description.architecture, layout: description.normalizer.layout)
        return ChannelGraphRule(features: features, configuration: configuration, graph: graph, seed: seed)
    }
}
