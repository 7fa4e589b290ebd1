/// One case in memory: image channels and an optional label map on a (z, y, x) voxel grid,
/// the axis order nnU-Net works in (SimpleITK's array order; NIfTI's axes reversed).
public struct SegmentationCase: Sendable {
    /// Case name, e.g. `CASE_0007`; used in every error and report.
    public var identifier: String
    /// Voxel values, [channels, z, y, x] row-major.
    public var image: [Float]
    /// Class index per voxel, [z, y, x] row-major; nil for unlabelled cases.
    public var label: [UInt8]?
    /// Number of image channels.
    public var channels: Int
    /// Extent of (z, y, x).
    public var shape: [Int]
    /// Voxel size along (z, y, x) in millimetres.
    public var spacing: [Double]

    /// Creates a case, checking that the arrays fill the grid and hold finite values.
    public init(identifier: String, image: [Float], label: [UInt8]?, channels: Int, shape: [Int], spacing: [Double]) throws {
        let voxels = shape.reduce(1, *)
        guard shape.count == 3, shape.allSatisfy({ $0 > 0 }) else {
            throw SegmentationDataError.invalidCase(identifier, "grid \(shape) must have three positive extents (z, y, x)")
        }
        guard image.count == channels * voxels else {
            throw SegmentationDataError.invalidCase(identifier, "image holds \(image.count) values, \(channels) channel(s) of \(shape) need \(channels * voxels)")
        }
        if let label, label.count != voxels {
            throw SegmentationDataError.invalidCase(identifier, "label holds \(label.count) voxels but the image grid \(shape) has \(voxels)")
        }
        if let bad = image.firstIndex(where: { !$0.isFinite }) {
            throw SegmentationDataError.invalidCase(identifier, "image voxel \(bad) is \(image[bad]) (NaN or infinite)")
        }
        self.identifier = identifier
        self.image = image
        self.label = label
        self.channels = channels
        self.shape = shape
        self.spacing = spacing
    }

    /// Voxels per channel.
    public var voxelCount: Int { shape.reduce(1, *) }

    /// Foreground voxel count of the label (0 when unlabelled).
    public var foregroundCount: Int { label?.reduce(0) { $0 + ($1 > 0 ? 1 : 0) } ?? 0 }

    /// nnU-Net's `ZScoreNormalization` per channel over the whole image:
    /// (x − mean) / max(std, 1e-8).
    public func zScoreNormalized() -> SegmentationCase {
        var copy = self
        let voxels = voxelCount
        for c in 0..<channels {
            let range = (c * voxels)..<((c + 1) * voxels)
            var sum = 0.0
            for i in range { sum += Double(image[i]) }
            let mean = sum / Double(voxels)
            var squares = 0.0
            for i in range { let d = Double(image[i]) - mean; squares += d * d }
            let std = max((squares / Double(voxels)).squareRoot(), 1e-8)
            for i in range { copy.image[i] = Float((Double(image[i]) - mean) / std) }
        }
        return copy
    }
}

/// Problems with segmentation data, each naming the case.
public enum SegmentationDataError: Error, CustomStringConvertible, Equatable {
    case invalidCase(String, String)

    public var description: String {
        switch self {
        case let .invalidCase(name, reason): return "case \(name): \(reason)"
        }
    }
}
