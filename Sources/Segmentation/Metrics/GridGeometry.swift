/// The shape and voxel size of a mask: row-major, the last axis varying fastest (for a NIfTI
/// volume that is `dims.reversed()` with `spacing.reversed()`).
public struct GridGeometry: Codable, Equatable, Sendable {
    /// Extent of each axis.
    public let shape: [Int]
    /// Voxel size of each axis in millimetres, in the order of `shape`.
    public let spacing: [Double]

    /// A grid with positive extents and positive, finite voxel sizes, one per axis.
    public init(shape: [Int], spacing: [Double]) throws {
        guard !shape.isEmpty, shape.allSatisfy({ $0 > 0 }) else {
            throw MetricsError.invalidGeometry("shape \(shape) must have at least one axis, each of positive extent")
        }
        guard spacing.count == shape.count, spacing.allSatisfy({ $0 > 0 && $0.isFinite }) else {
            throw MetricsError.invalidGeometry("spacing \(spacing) must hold one positive voxel size per axis of shape \(shape)")
        }
        self.shape = shape
        self.spacing = spacing
    }

    /// Number of voxels.
    public var voxelCount: Int { shape.reduce(1, *) }

    /// Elements between neighbours along each axis.
    var strides: [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        for axis in stride(from: shape.count - 2, through: 0, by: -1) { strides[axis] = strides[axis + 1] * shape[axis + 1] }
        return strides
    }
}
