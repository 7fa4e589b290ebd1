import Foundation
import NeuralNetwork
import TensorEngine

/// Conv → InstanceNorm → LeakyReLU, nnU-Net's `ConvDropoutNormReLU` (no dropout).
public final class ConvNormReLU: Module {
    public let conv: Convolution
    public let norm: InstanceNorm
    public let negativeSlope: Float

    init(inChannels: Int, outChannels: Int, kernel: [Int], stride: [Int], configuration c: PlainConvUNetConfiguration,
         rng: inout SeededGenerator) {
        conv = Convolution(inChannels: inChannels, outChannels: outChannels, kernel: kernel, stride: stride,
                           bias: c.convBias, rng: &rng)
        norm = InstanceNorm(channels: outChannels, eps: c.normEps)
        negativeSlope = c.negativeSlope
        super.init()
        registerChild("conv", conv)
        registerChild("norm", norm)
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        try norm(conv(x)).leakyReLU(slope: negativeSlope)
    }
}

/// `StackedConvBlocks`: n conv blocks, the first carrying the stride.
public final class StackedConvBlocks: Module {
    public let convs: ModuleList<ConvNormReLU>

    init(count: Int, inChannels: Int, outChannels: Int, kernel: [Int], firstStride: [Int],
         configuration c: PlainConvUNetConfiguration, rng: inout SeededGenerator) {
        convs = ModuleList()
        for i in 0..<count {
            convs.append(ConvNormReLU(inChannels: i == 0 ? inChannels : outChannels, outChannels: outChannels,
                                      kernel: kernel, stride: i == 0 ? firstStride : kernel.map { _ in 1 },
                                      configuration: c, rng: &rng))
        }
        super.init()
        registerChild("convs", convs)
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        try convs.elements.reduce(x) { try $1($0) }
    }
}

/// An encoder stage: nnU-Net wraps each stack in an `nn.Sequential`, hence the child "0".
public final class EncoderStage: Module {
    public let blocks: StackedConvBlocks

    init(_ blocks: StackedConvBlocks) {
        self.blocks = blocks
        super.init()
        registerChild("0", blocks)
    }
}

/// nnU-Net's `PlainConvUNet` with its parameter names, initialisation (He normal, a = 0.01,
/// zero biases, except the segmentation heads' foreground biases: see
/// `initialForegroundProbability`) and optional deep supervision. Its canonical parameter
/// names are the state_dict keys without nnU-Net's aliases (`all_modules`, `decoder.encoder`).
public final class PlainConvUNet: Module {
    /// The foreground probability an untrained network predicts where its head's input is
    /// neutral: each segmentation head's foreground biases start at log(p / (1 − p)) instead of
    /// nnU-Net's 0 (RetinaNet's prior initialisation, Lin et al. 2017). With zero biases a
    /// random start may predict foreground almost everywhere; on rare structures the first
    /// steps then push every logit towards background, and with SGD momentum 0.99 a network
    /// as narrow as `tiny` (4 channels at full resolution) can silence all of its last
    /// channels and stay all-background (docs/EXPERIMENTS.md, "Collapse to background").
    public static let initialForegroundProbability: Float = 0.01

    public let configuration: PlainConvUNetConfiguration
    public let encoderStages: ModuleList<EncoderStage>
    public let decoderStages: ModuleList<StackedConvBlocks>
    public let transposedConvolutions: ModuleList<TransposedConvolution>
    public let segmentationLayers: ModuleList<Convolution>

    /// Builds the network, drawing initial weights from `seed`.
    public init(_ c: PlainConvUNetConfiguration, seed: UInt64) throws {
        try c.validate()
        configuration = c
        var rng = SeededGenerator(seed: seed)
        encoderStages = ModuleList()
        var channels = c.inputChannels
        for s in 0..<c.stageCount {
            encoderStages.append(EncoderStage(StackedConvBlocks(
                count: c.convsPerStage[s], inChannels: channels, outChannels: c.featuresPerStage[s],
                kernel: c.kernelSizes[s], firstStride: c.strides[s], configuration: c, rng: &rng)))
            channels = c.featuresPerStage[s]
        }
        decoderStages = ModuleList()
        transposedConvolutions = ModuleList()
        segmentationLayers = ModuleList()
        for s in 1..<c.stageCount {
            let below = c.featuresPerStage[c.stageCount - s], skip = c.featuresPerStage[c.stageCount - s - 1]
            transposedConvolutions.append(TransposedConvolution(
                inChannels: below, outChannels: skip, stride: c.strides[c.stageCount - s], bias: c.convBias, rng: &rng))
            decoderStages.append(StackedConvBlocks(
                count: c.convsPerStageDecoder[s - 1], inChannels: 2 * skip, outChannels: skip,
                kernel: c.kernelSizes[c.stageCount - s - 1], firstStride: c.kernelSizes[0].map { _ in 1 },
                configuration: c, rng: &rng))
            let head = Convolution(inChannels: skip, outChannels: c.numClasses, kernel: c.kernelSizes[0].map { _ in 1 },
                                   bias: true, rng: &rng)
            let p = Self.initialForegroundProbability
            for k in 1..<c.numClasses { head.bias!.pointer[k] = log(p / (1 - p)) }
            segmentationLayers.append(head)
        }
        super.init()
        let encoder = Module()
        encoder.registerChild("stages", encoderStages)
        let decoder = Module()
        decoder.registerChild("stages", decoderStages)
        decoder.registerChild("transpconvs", transposedConvolutions)
        decoder.registerChild("seg_layers", segmentationLayers)
        registerChild("encoder", encoder)
        registerChild("decoder", decoder)
    }

    /// Logits of the full-resolution head, [N, classes, spatial...].
    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        try forward(x, deepSupervision: false)[0]
    }

    /// Logits per decoder level, highest resolution first (all levels with deep supervision,
    /// otherwise only the last).
    public func forward(_ x: Tensor, deepSupervision: Bool) throws -> [Tensor] {
        let skips = try encoderOutputs(x)
        var outputs: [Tensor] = []
        var lower = skips[skips.count - 1]
        for s in 0..<decoderStages.count {
            let up = try transposedConvolutions[s](lower)
            let joined = try Tensor.concatenate([up, skips[skips.count - s - 2]], axis: 1)
            lower = try decoderStages[s](joined)
            if deepSupervision || s == decoderStages.count - 1 {
                outputs.append(try segmentationLayers[s](lower))
            }
        }
        return outputs.reversed()
    }

    /// Every encoder stage's output for `x`, highest resolution first (the decoder's skips).
    func encoderOutputs(_ x: Tensor) throws -> [Tensor] {
        guard x.rank == configuration.spatialRank + 2, x.shape[1] == configuration.inputChannels else {
            throw TensorError.invalidShape(op: "PlainConvUNet", shape: x.shape,
                                           reason: "expected [N, \(configuration.inputChannels), \(configuration.spatialRank) spatial axes]")
        }
        var skips: [Tensor] = []
        var h = x
        for stage in encoderStages.elements {
            h = try stage.blocks(h)
            skips.append(h)
        }
        return skips
    }
}
