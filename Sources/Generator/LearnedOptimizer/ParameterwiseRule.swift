import NeuralNetwork
import TensorEngine

/// The rule of `RuleScope.parameter`: an MLP applied to each parameter's feature row
/// (`UpdateFeatures`) on its own, returning its move in units of the distilled moves' RMS.
final class ParameterwiseRule: Module, UpdateRule {
    let layers: ModuleList<Linear>

    init(features: Int, configuration: LearnedOptimizerConfiguration, seed: UInt64) {
        var rng = SeededGenerator(seed: seed)
        layers = ModuleList(multilayerPerceptron(input: features, configuration: configuration, rng: &rng))
        super.init()
        registerChild("layers", layers)
    }

    func callAsFunction(_ x: Tensor, networks: Int) throws -> Tensor {
        try layers.elements.applied(to: x)
    }
}

/// `configuration.depth` hidden layers of `configuration.width` after `input` features, then one
/// output that starts near zero: an untrained rule barely moves a network.
func multilayerPerceptron(input: Int, configuration: LearnedOptimizerConfiguration, rng: inout SeededGenerator) -> [Linear] {
    let widths = [input] + [Int](repeating: configuration.width, count: configuration.depth)
    return zip(widths, widths.dropFirst()).map { input, output in
        Linear(inFeatures: input, outFeatures: output, std: (2 / Float(input)).squareRoot(), rng: &rng)
    } + [Linear(inFeatures: configuration.width, outFeatures: 1, std: 1e-3, rng: &rng)]
}

extension Array where Element == Linear {
    /// The layers in order, GELU between them.
    func applied(to x: Tensor) throws -> Tensor {
        var h = x
        for (index, layer) in enumerated() {
            h = try layer(h)
            if index < count - 1 { h = h.gelu() }
        }
        return h
    }
}
