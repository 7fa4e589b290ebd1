import NeuralNetwork
import TensorEngine

/// The rule of `RuleScope.channelGraph`: one round of message passing over the network's
/// `ChannelGraph`. Each parameter's feature row is encoded; the encodings are averaged over each
/// channel node; each parameter then reads its own encoding beside the means of its two
/// channels, and an MLP returns its move. A parameter thus reads the parameters of its channels,
/// in its tensor and in the layers before and after, while the rule stays
/// permutation-equivariant by construction.
final class ChannelGraphRule: Module, UpdateRule {
    let encoder: Linear
    let layers: ModuleList<Linear>
    let graph: ChannelGraph

    init(features: Int, configuration: LearnedOptimizerConfiguration, graph: ChannelGraph, seed: UInt64) {
        var rng = SeededGenerator(seed: seed)
        encoder = Linear(inFeatures: features, outFeatures: configuration.width, std: (2 / Float(features)).squareRoot(), rng: &rng)
        layers = ModuleList(multilayerPerceptron(input: 3 * configuration.width, configuration: configuration, rng: &rng))
        self.graph = graph
        super.init()
        registerChild("encoder", encoder)
        registerChild("layers", layers)
    }

    func callAsFunction(_ x: Tensor, networks: Int) throws -> Tensor {
        guard x.shape[0] == networks * graph.firstAxisNode.count else {
            throw GeneratorError.incompatible("\(x.shape[0]) feature rows are not \(networks) networks of \(graph.firstAxisNode.count) parameters")
        }
        let encoded = try encoder(x).gelu()
        let read = try Tensor.concatenate([encoded, try graph.batch(networks: networks).nodeMeans(encoded)], axis: 1)
        return try layers.elements.applied(to: read)
    }
}
