/// The exact Euclidean distance transform on a grid with anisotropic spacing, computed with the
/// separable lower-envelope-of-parabolas algorithm of Felzenszwalb and Huttenlocher (2012):
/// one linear pass per line along each axis, O(n) per axis.
public enum EuclideanDistanceTransform {
    /// The squared distance in mm² from every voxel to the nearest voxel where `features` is true
    /// (0 on features); `+infinity` everywhere when there are no features.
    public static func squaredDistances(to features: [Bool], geometry: GridGeometry) -> [Double] {
        precondition(features.count == geometry.voxelCount, "features do not fill the grid")
        var distances = features.map { $0 ? 0 : Double.infinity }
        let strides = geometry.strides
        for axis in geometry.shape.indices {
            let length = geometry.shape[axis], step = strides[axis]
            var line = [Double](repeating: 0, count: length)
            var envelope = LowerEnvelope(capacity: length)
            // Every line along `axis` starts at an index whose coordinate on `axis` is 0.
            for start in 0..<distances.count where (start / step) % length == 0 {
                for position in 0..<length { line[position] = distances[start + position * step] }
                envelope.transform(&line, spacing: geometry.spacing[axis])
                for position in 0..<length { distances[start + position * step] = line[position] }
            }
        }
        return distances
    }
}

/// Scratch space for the 1D transform `d(p) = min_q ((p − q)·h)² + f(q)`.
private struct LowerEnvelope {
    /// Grid positions of the parabolas in the envelope.
    private var vertices: [Int]
    /// Physical coordinates where parabola k starts to be the lowest.
    private var boundaries: [Double]
    /// f at each vertex, kept because the output pass overwrites the values in place.
    private var heights: [Double]

    init(capacity: Int) {
        vertices = [Int](repeating: 0, count: capacity)
        boundaries = [Double](repeating: 0, count: capacity + 1)
        heights = [Double](repeating: 0, count: capacity)
    }

    /// Replaces `values` (f, with +infinity for "no parabola") by the 1D transform with spacing `h`.
    mutating func transform(_ values: inout [Double], spacing h: Double) {
        var count = 0
        for q in values.indices where values[q].isFinite {
            let height = values[q] + Double(q * q) * h * h
            var crossing = -Double.infinity
            while count > 0 {
                let v = vertices[count - 1]
                crossing = (height - (values[v] + Double(v * v) * h * h)) / (2 * h * Double(q - v))
                if crossing > boundaries[count - 1] { break }
                count -= 1
            }
            vertices[count] = q
            boundaries[count] = count == 0 ? -Double.infinity : crossing
            count += 1
        }
        guard count > 0 else { return }
        boundaries[count] = Double.infinity
        for k in 0..<count { heights[k] = values[vertices[k]] }
        var k = 0
        for p in values.indices {
            let x = Double(p) * h
            while boundaries[k + 1] < x { k += 1 }
            let offset = x - Double(vertices[k]) * h
            values[p] = offset * offset + heights[k]
        }
    }
}
