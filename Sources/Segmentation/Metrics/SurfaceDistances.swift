/// Symmetric surface distances in millimetres between the outlines of one label in a prediction
/// and a reference, in 2D or 3D.
///
/// A surface voxel is a voxel of the label with at least one face neighbour (4 in 2D, 6 in 3D)
/// outside it; voxels beyond the grid count as outside, so the label touching the border has a
/// surface there. Axes of extent 1 are ignored, so a single-slice volume is measured as a 2D image. Each surface voxel's distance is the exact Euclidean distance (voxel centre to
/// voxel centre, with the grid's spacing) to the nearest surface voxel of the other mask.
public struct SurfaceDistances: Codable, Equatable, Sendable {
    /// The 95th percentile Hausdorff distance: the larger of the two directed 95th percentiles
    /// (prediction → reference and reference → prediction), percentiles interpolated linearly.
    public var hausdorff95: Double
    /// The Hausdorff distance: the largest distance in either direction.
    public var hausdorff: Double
    /// The average symmetric surface distance: the mean over the surface voxels of both masks.
    public var averageSymmetric: Double

    /// The distances for `label`, or nil when either mask lacks the label (the distance to an
    /// empty surface is undefined; MONAI reports infinity or NaN there).
    public init?(prediction: [UInt8], reference: [UInt8], label: UInt8, geometry: GridGeometry) {
        let predictionSurface = Self.surface(of: prediction.map { $0 == label }, geometry: geometry)
        let referenceSurface = Self.surface(of: reference.map { $0 == label }, geometry: geometry)
        guard predictionSurface.contains(true), referenceSurface.contains(true) else { return nil }
        let toPrediction = Self.directedDistances(from: referenceSurface, to: predictionSurface, geometry: geometry)
        let toReference = Self.directedDistances(from: predictionSurface, to: referenceSurface, geometry: geometry)
        hausdorff95 = max(Self.percentile(95, ofSorted: toPrediction), Self.percentile(95, ofSorted: toReference))
        hausdorff = max(toPrediction.last!, toReference.last!)
        averageSymmetric = (toPrediction.reduce(0, +) + toReference.reduce(0, +)) / Double(toPrediction.count + toReference.count)
    }

    /// Voxels of `mask` with a face neighbour outside it or beyond the grid (along axes longer than 1).
    static func surface(of mask: [Bool], geometry: GridGeometry) -> [Bool] {
        precondition(mask.count == geometry.voxelCount, "mask does not fill the grid")
        let strides = geometry.strides, shape = geometry.shape
        var surface = [Bool](repeating: false, count: mask.count)
        for index in mask.indices where mask[index] {
            for axis in shape.indices where shape[axis] > 1 {
                let coordinate = (index / strides[axis]) % shape[axis]
                if coordinate == 0 || coordinate == shape[axis] - 1
                    || !mask[index - strides[axis]] || !mask[index + strides[axis]] {
                    surface[index] = true
                    break
                }
            }
        }
        return surface
    }

    /// Distances from each `from` voxel to the nearest `to` voxel, sorted ascending.
    private static func directedDistances(from: [Bool], to: [Bool], geometry: GridGeometry) -> [Double] {
        let squared = EuclideanDistanceTransform.squaredDistances(to: to, geometry: geometry)
        return zip(from, squared).compactMap { isSource, distance in isSource ? distance.squareRoot() : nil }.sorted()
    }

    /// The `p`-th percentile of sorted values, interpolating linearly between ranks (NumPy's default).
    static func percentile(_ p: Double, ofSorted values: [Double]) -> Double {
        let rank = p / 100 * Double(values.count - 1)
        let lower = Int(rank.rounded(.down)), upper = min(lower + 1, values.count - 1)
        return values[lower] + (rank - Double(lower)) * (values[upper] - values[lower])
    }
}
