import Foundation
import Formats
import TensorEngine

/// A trained nnU-Net v2 model folder loaded into a `PlainConvUNet`, with nnU-Net's own
/// inference: (z, y, x) axis order, `transpose_forward`, z-score normalisation, resampling
/// to the configuration spacing, Gaussian sliding windows with mirroring, resampling the
/// logits back, argmax.
public struct NNUNetModel {
    public let folder: NNUNetModelFolder
    public let configurationName: String
    public let configuration: NNUNetConfiguration
    public let network: PlainConvUNet
    /// Mirroring axes allowed by the checkpoint, in patch axes.
    public let mirroringAxes: [Int]

    /// Loads `fold` of the model folder; the configuration defaults to the checkpoint's own.
    public init(url: URL, fold: Int = 0, configuration name: String? = nil) throws {
        folder = try NNUNetModelFolder.open(url)
        let checkpoint = try folder.checkpoint(fold: fold)
        configurationName = name ?? checkpoint.configuration
        configuration = try folder.plans.configuration(configurationName)
        let architecture = configuration.architecture
        guard architecture.networkClassName.hasSuffix("PlainConvUNet") else {
            throw NNUNetModelError.unsupported(url, "network class \(architecture.networkClassName); weightgen runs PlainConvUNet")
        }
        let unet = PlainConvUNetConfiguration(
            inputChannels: folder.dataset.channelNames.count, featuresPerStage: architecture.featuresPerStage,
            kernelSizes: architecture.kernelSizes, strides: architecture.strides,
            convsPerStage: architecture.convolutionsPerStage, convsPerStageDecoder: architecture.convolutionsPerDecoderStage,
            numClasses: folder.dataset.labels.count, convBias: architecture.convolutionBias)
        network = try PlainConvUNet(unet, seed: 0)
        var state: [String: Tensor] = [:]
        for named in try NNUNetStateDictAliases.collapse(checkpoint.networkWeights) {
            state[named.name] = try named.tensor.makeTensor()
        }
        do {
            try network.loadStateDict(state)
        } catch {
            throw NNUNetModelError.unsupported(url, "checkpoint weights do not fit the plans' architecture: \(error)")
        }
        mirroringAxes = checkpoint.mirroringAxes
    }

    /// Patch extent (z, y, x) of the configuration; z is 1 for 2D.
    public var patchSize: [Int] { configuration.patchSize.count == 2 ? [1] + configuration.patchSize : configuration.patchSize }

    /// Predicts a label map for a NIfTI volume, returned on the volume's own grid and affine.
    public func predict(_ volume: NIfTIVolume, mirroring: Bool = true) throws -> NIfTIVolume {
        // NIfTI stores x fastest: read as row-major it is (z, y, x), as SimpleITK gives nnU-Net.
        let input = try SegmentationCase(volume: volume, identifier: "input")
        let shape = input.shape, spacing = input.spacing
        let transposed = transpose(input.image, shape: shape, order: folder.plans.transposeForward)
        let tShape = folder.plans.transposeForward.map { shape[$0] }, tSpacing = folder.plans.transposeForward.map { spacing[$0] }
        let item = try SegmentationCase(identifier: "input", image: transposed, label: nil, channels: 1, shape: tShape,
                                        spacing: tSpacing).zScoreNormalized()
        guard configuration.normalizationSchemes.allSatisfy({ $0 == "ZScoreNormalization" }) else {
            throw NNUNetModelError.unsupported(folder.url, "normalisation \(configuration.normalizationSchemes); weightgen implements ZScoreNormalization")
        }
        let target = configuration.spacing.count == 2 ? [tSpacing[0]] + configuration.spacing : configuration.spacing
        let resampledShape = Resampling.shape(tShape, spacing: tSpacing, to: target)
        let image = Resampling.linear(item.image, channels: 1, from: tShape, to: resampledShape)
        let predictor = SlidingWindowPredictor(patchSize: patchSize,
                                               mirrorAxes: mirroring ? mirroringAxes.map { patchSize[0] == 1 ? $0 + 1 : $0 } : [],
                                               network: { try network($0) })
        let (logits, classes) = try predictor.logits(image: image, channels: 1, shape: resampledShape)
        let restored = Resampling.linear(logits, channels: classes, from: resampledShape, to: tShape)
        let mask = argmax(restored, classes: classes)
        return try volume.labelMap(transpose(mask, shape: tShape, order: folder.plans.transposeBackward))
    }
}

/// A model folder weightgen cannot run.
public enum NNUNetModelError: Error, CustomStringConvertible {
    case unsupported(URL, String)
    public var description: String {
        switch self { case let .unsupported(url, reason): return "\(url.path): \(reason)" }
    }
}

/// Reorders the axes of row-major data of `shape`: output axis i is input axis order[i].
func transpose<T>(_ values: [T], shape: [Int], order: [Int]) -> [T] {
    guard order != Array(0..<shape.count) else { return values }
    let outShape = order.map { shape[$0] }
    var strides = [Int](repeating: 1, count: shape.count)
    for axis in stride(from: shape.count - 2, through: 0, by: -1) { strides[axis] = strides[axis + 1] * shape[axis + 1] }
    return (0..<values.count).map { i in
        var rem = i, source = 0
        for axis in stride(from: outShape.count - 1, through: 0, by: -1) {
            source += (rem % outShape[axis]) * strides[order[axis]]
            rem /= outShape[axis]
        }
        return values[source]
    }
}
