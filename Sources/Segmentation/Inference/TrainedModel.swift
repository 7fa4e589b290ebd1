import Foundation
import Formats
import TensorEngine

/// Any segmentation model weightgen can run: its own checkpoint folder or an nnU-Net model folder.
public enum TrainedModel {
    case weightgen(PlainConvUNet, UNetCheckpointDescription)
    case nnUNet(NNUNetModel)

    /// Opens a weightgen checkpoint folder (`network.json`) or an nnU-Net model folder (`plans.json`).
    public static func open(_ url: URL) throws -> TrainedModel {
        if UNetCheckpoint.isCheckpoint(url) {
            let (network, description) = try UNetCheckpoint.read(url)
            return .weightgen(network, description)
        }
        guard NNUNetModelFolder.isModelFolder(url) else {
            throw NNUNetModelError.unsupported(url, "neither a weightgen checkpoint (network.json) nor an nnU-Net model folder (plans.json)")
        }
        return .nnUNet(try NNUNetModel(url: url))
    }

    /// A label map for `volume` on its own grid and affine; with `largestComponent`, each label
    /// is reduced to its largest connected component (nnU-Net's post-processing).
    public func predict(_ volume: NIfTIVolume, mirroring: Bool = false, largestComponent: Bool = false) throws -> NIfTIVolume {
        let labelMap = try predictLabelMap(volume, mirroring: mirroring)
        guard largestComponent else { return labelMap }
        let shape = try SegmentationCase.spatialGrid(volume, name: "input", what: "image")
        return try volume.labelMap(ConnectedComponents.keepingLargest(labelMap.values.map { UInt8($0) }, shape: shape))
    }

    private func predictLabelMap(_ volume: NIfTIVolume, mirroring: Bool) throws -> NIfTIVolume {
        switch self {
        case let .nnUNet(model):
            return try model.predict(volume, mirroring: mirroring)
        case let .weightgen(network, description):
            let orientation = description.reoriented ? Reorientation(affine: volume.affine) : nil
            let oriented = try orientation?.apply(volume) ?? volume
            let original = try SegmentationCase(volume: oriented, identifier: "input").zScoreNormalized()
            var target = description.spacing ?? original.spacing
            if description.patchSize[0] == 1 { target[0] = original.spacing[0] }
            let item = try original.resampled(toSpacing: target)
            let predictor = SlidingWindowPredictor(patchSize: description.patchSize,
                                                   mirrorAxes: mirroring ? [1, 2] : [], network: { try network($0) })
            let (logits, classes) = try predictor.logits(image: item.image, channels: 1, shape: item.shape)
            let restored = Resampling.linear(logits, channels: classes, from: item.shape, to: original.shape)
            let mask = argmax(restored, classes: classes)
            return try volume.labelMap(orientation?.restore(mask, originalDims: Array(volume.dims.prefix(3))) ?? mask)
        }
    }
}

extension SegmentationCase {
    /// A one-channel, unlabelled case from a 3D NIfTI volume, (z, y, x) ordered.
    public init(volume: NIfTIVolume, identifier: String) throws {
        try self.init(identifier: identifier, image: volume.values, label: nil, channels: 1,
                      shape: SegmentationCase.spatialGrid(volume, name: identifier, what: "image"),
                      spacing: SegmentationCase.spatialSpacing(volume))
    }
}

extension NIfTIVolume {
    /// A float32 volume of [classes, voxels] `probabilities` on this volume's grid and affine: one
    /// 3D volume per class along the fourth axis (the first three axes as in this volume).
    public func probabilityMap(_ probabilities: [Float], classes: Int) throws -> NIfTIVolume {
        var mapHeader = header
        mapHeader.dims = Array((dims + [1, 1, 1]).prefix(3)) + [classes]
        mapHeader.pixdim[4] = 1
        mapHeader.datatype = .float32
        mapHeader.sclSlope = 1
        mapHeader.sclInter = 0
        mapHeader.intentCode = 0
        return try NIfTIVolume(header: mapHeader, values: probabilities)
    }

    /// A uint8 label volume on this volume's grid and affine holding `mask` ((z, y, x) order,
    /// the same memory order as this volume's values).
    public func labelMap(_ mask: [UInt8]) throws -> NIfTIVolume {
        var labelHeader = header
        labelHeader.datatype = .uint8
        labelHeader.sclSlope = 1
        labelHeader.sclInter = 0
        return try NIfTIVolume(header: labelHeader, values: mask.map(Float.init))
    }
}
