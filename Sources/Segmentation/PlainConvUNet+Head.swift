import NeuralNetwork
import TensorEngine

/// The network split before its last decoder stage: the part below (encoder, lower decoder
/// stages, last transposed convolution) produces the stage's input, the concatenation of the
/// upsampled features and the first encoder stage's skip; the head (last decoder stage and
/// full-resolution segmentation layer) maps it to logits. When only the head trains, the input
/// can be computed once per patch and cached (`CachedHeadTrainer`).
extension PlainConvUNet {
    /// Canonical name prefixes of the head's parameters.
    public var headParameterPrefixes: [String] {
        let last = decoderStages.count - 1
        return ["decoder.stages.\(last).", "decoder.seg_layers.\(last)."]
    }

    /// The names among `names` that lie outside the head.
    public func namesOutsideHead(_ names: [String]) -> [String] {
        let prefixes = headParameterPrefixes
        return names.filter { name in !prefixes.contains { name.hasPrefix($0) } }
    }

    /// Whether every parameter that requires a gradient lies in the head, so that training
    /// on cached head inputs computes the same gradients as training through the network.
    /// Decided by identity, building no names: a head zoo's evaluator asks it at every forward.
    public var onlyHeadTrains: Bool {
        let last = decoderStages.count - 1
        let head = Set((decoderStages[last].parameters() + segmentationLayers[last].parameters()).map(ObjectIdentifier.init))
        return parameters().allSatisfy { !$0.requiresGrad || head.contains(ObjectIdentifier($0)) }
    }

    /// The input of the last decoder stage for `x`, [N, 2·features[0], spatial...].
    public func headInput(_ x: Tensor) throws -> Tensor {
        let skips = try encoderOutputs(x)
        var lower = skips[skips.count - 1]
        let last = decoderStages.count - 1
        for s in 0..<last {
            let up = try transposedConvolutions[s](lower)
            lower = try decoderStages[s](try Tensor.concatenate([up, skips[skips.count - s - 2]], axis: 1))
        }
        return try Tensor.concatenate([try transposedConvolutions[last](lower), skips[0]], axis: 1)
    }

    /// Full-resolution logits from a head input (as `headInput` returns it).
    public func head(_ input: Tensor) throws -> Tensor {
        let last = decoderStages.count - 1
        return try segmentationLayers[last](try decoderStages[last](input))
    }
}
