import NeuralNetwork
import TensorEngine

/// The learned optimiser's network: a move, in units of the distilled moves' RMS, for every
/// feature row (`UpdateFeatures`) of one or more networks.
protocol UpdateRule: Module {
    /// Moves for rows `x` [networks × parameters, features] → [·, 1], the networks' rows one
    /// network after another. A rule whose parameters read only themselves accepts any rows.
    func callAsFunction(_ x: Tensor, networks: Int) throws -> Tensor
}

extension RuleScope {
    /// A new rule of this scope, its weights drawn from `seed`; `graph` is read only by the channel graph.
    func makeRule(features: Int, configuration: LearnedOptimizerConfiguration, graph: () throws -> ChannelGraph,
                  seed: UInt64) throws -> any UpdateRule {
        switch self {
        case .parameter: ParameterwiseRule(features: features, configuration: configuration, seed: seed)
        case .channelGraph: ChannelGraphRule(features: features, configuration: configuration, graph: try graph(), seed: seed)
        }
    }
}
