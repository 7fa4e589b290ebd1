import NeuralNetwork
import TensorEngine

/// The learned optimiser's network: an MLP applied to each parameter's feature row
/// (`UpdateFeatures`), returning its move in units of the distilled moves' RMS.
final class UpdateRuleNetwork: Module {
    let layers: ModuleList<Linear>

    init(features: Int, configuration: LearnedOptimizerConfiguration, seed: UInt64) {
        var rng = SeededGenerator(seed: seed)
        let widths = [features] + [Int](repeating: configuration.width, count: configuration.depth)
        var linears = zip(widths, widths.dropFirst()).map { input, output in
            Linear(inFeatures: input, outFeatures: output, std: (2 / Float(input)).squareRoot(), rng: &rng)
        }
        // The last layer starts near zero: the untrained rule barely moves a network.
        linears.append(Linear(inFeatures: configuration.width, outFeatures: 1, std: 1e-3, rng: &rng))
        layers = ModuleList(linears)
        super.init()
        registerChild("layers", layers)
    }

    /// Moves for rows `x` [N, features] → [N, 1].
    func callAsFunction(_ x: Tensor) throws -> Tensor {
        var h = x
        for (index, layer) in layers.elements.enumerated() {
            h = try layer(h)
            if index < layers.count - 1 { h = h.gelu() }
        }
        return h
    }
}
