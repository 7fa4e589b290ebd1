import Foundation
import Formats
import TensorEngine

/// A trained nnU-Net v2 model folder loaded into a `PlainConvUNet`, with nnU-Net's own
/// inference (`nnUNetPredictor`): (z, y, x) axis order, `transpose_forward`, cropping to the
/// non-zero region, z-score normalisation, resampling to the configuration spacing as the plans
/// say (cubic splines, separate low-resolution axis), Gaussian sliding windows with mirroring,
/// logits resampled back (linear), softmax, background outside the crop.
public struct NNUNetModel {
    public let folder: NNUNetModelFolder
    public let configurationName: String
    public let configuration: NNUNetConfiguration
    public let network: PlainConvUNet
    /// Mirroring axes allowed by the checkpoint, in patch axes.
    public let mirroringAxes: [Int]
    /// Whether z-score statistics use only the non-zero region (`use_mask_for_norm`).
    public let normalizesInsideMask: Bool
    /// How images go to the configuration spacing (`resampling_fn_data`).
    public let imageResampling: NNUNetResampling
    /// How logits come back to the image's spacing (`resampling_fn_probabilities`).
    public let logitResampling: NNUNetResampling

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
        guard configuration.normalizationSchemes.allSatisfy({ $0 == "ZScoreNormalization" }) else {
            throw NNUNetModelError.unsupported(url, "normalisation \(configuration.normalizationSchemes); weightgen implements ZScoreNormalization")
        }
        let masks = configuration.json["use_mask_for_norm"]?.arrayValue?.compactMap(\.boolValue) ?? []
        normalizesInsideMask = masks.first ?? false
        do {
            imageResampling = try NNUNetResampling(configuration: configuration, function: "resampling_fn_data")
            logitResampling = try NNUNetResampling(configuration: configuration, function: "resampling_fn_probabilities")
        } catch {
            throw NNUNetModelError.unsupported(url, "\(error)")
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
        try predictProbabilities(volume, mirroring: mirroring).labelMap
    }

    /// Predicts class probabilities and the label map for a NIfTI volume, both on its own grid.
    public func predictProbabilities(_ volume: NIfTIVolume, mirroring: Bool = true) throws -> NNUNetPrediction {
        // NIfTI stores x fastest: read as row-major it is (z, y, x), as SimpleITK gives nnU-Net.
        let input = try SegmentationCase(volume: volume, identifier: "input")
        let order = folder.plans.transposeForward
        let shape = order.map { input.shape[$0] }, spacing = order.map { input.spacing[$0] }
        let image = transpose(input.image, shape: input.shape, order: order)
        guard let region = NonzeroRegion(image: image, channels: 1, shape: shape) else {
            throw NNUNetModelError.emptyImage
        }
        let cropped = region.crop(image, channels: 1, grid: shape)
        let normalized = Self.zScoreNormalized(cropped, inside: normalizesInsideMask ? region.crop(region.mask, channels: 1, grid: shape) : nil)
        let target = configuration.spacing.count == 2 ? [spacing[0]] + configuration.spacing : configuration.spacing
        let resampledShape = Resampling.shape(region.shape, spacing: spacing, to: target)
        let resampled = imageResampling.resample(normalized, channels: 1, from: region.shape, to: resampledShape,
                                                 currentSpacing: spacing, newSpacing: target)
        let predictor = SlidingWindowPredictor(patchSize: patchSize,
                                               mirrorAxes: mirroring ? mirroringAxes.map { patchSize[0] == 1 ? $0 + 1 : $0 } : [],
                                               network: { try network($0) })
        let (logits, classes) = try predictor.logits(image: resampled, channels: 1, shape: resampledShape)
        let restored = logitResampling.resample(logits, channels: classes, from: resampledShape, to: region.shape,
                                                currentSpacing: target, newSpacing: spacing)
        // Outside the crop nnU-Net writes background with probability 1.
        let probabilities = region.uncrop(softmax(restored, classes: classes), channels: classes, grid: shape,
                                          fill: { $0 == 0 ? 1 : 0 })
        let backward = folder.plans.transposeBackward
        let restoredProbabilities = (0..<classes).flatMap { k in
            transpose(Array(probabilities[(k * image.count)..<((k + 1) * image.count)]), shape: shape, order: backward)
        }
        let mask = argmax(restoredProbabilities, classes: classes)
        return NNUNetPrediction(labelMap: try volume.labelMap(mask), probabilities: restoredProbabilities, classes: classes)
    }

    /// nnU-Net's `ZScoreNormalization`: (x − mean) / max(std, 1e-8), the statistics over `inside`
    /// voxels only when given (voxels outside keep their value, as nnU-Net leaves them).
    static func zScoreNormalized(_ values: [Float], inside mask: [Bool]?) -> [Float] {
        let selected = mask.map { mask in values.indices.filter { mask[$0] } } ?? Array(values.indices)
        guard !selected.isEmpty else { return values }
        let mean = selected.reduce(0.0) { $0 + Double(values[$1]) } / Double(selected.count)
        let variance = selected.reduce(0.0) { let d = Double(values[$1]) - mean; return $0 + d * d } / Double(selected.count)
        let std = max(variance.squareRoot(), 1e-8)
        var result = values
        for i in selected { result[i] = Float((Double(values[i]) - mean) / std) }
        return result
    }
}

/// Class probabilities and the label map of one volume, on its own grid.
public struct NNUNetPrediction {
    /// uint8 labels on the input's grid and affine.
    public let labelMap: NIfTIVolume
    /// [classes, voxels] probabilities, voxels in the input's memory order.
    public let probabilities: [Float]
    /// Number of classes, background first.
    public let classes: Int
}

/// Softmax over the classes of [classes, voxels] logits.
func softmax(_ logits: [Float], classes: Int) -> [Float] {
    let voxels = logits.count / max(classes, 1)
    var result = logits
    for v in 0..<voxels {
        let peak = (0..<classes).map { logits[$0 * voxels + v] }.max() ?? 0
        var sum = 0.0
        for k in 0..<classes { sum += exp(Double(logits[k * voxels + v] - peak)) }
        for k in 0..<classes { result[k * voxels + v] = Float(exp(Double(logits[k * voxels + v] - peak)) / sum) }
    }
    return result
}

/// A model folder weightgen cannot run.
public enum NNUNetModelError: Error, CustomStringConvertible {
    case unsupported(URL, String)
    /// Every voxel of the image is zero: nnU-Net has no region to crop to.
    case emptyImage
    public var description: String {
        switch self {
        case let .unsupported(url, reason): return "\(url.path): \(reason)"
        case .emptyImage: return "every voxel of the image is zero; nnU-Net's crop to the non-zero region is empty"
        }
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
