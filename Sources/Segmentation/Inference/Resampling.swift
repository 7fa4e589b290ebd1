/// Linear resampling of [channels, z, y, x] grids, the way scikit-image's `resize` with
/// order 1 maps coordinates (pixel centres aligned: source = (target + ½)·in/out − ½, edges
/// clamped). nnU-Net resamples images to the configuration spacing and probabilities back.
public enum Resampling {
    /// nnU-Net's `compute_new_shape`: round(shape · spacing / targetSpacing) per axis.
    /// Evaluated in nnU-Net's order, spacing / target · shape, and rounded half to even as Python's
    /// `round` does.
    public static func shape(_ shape: [Int], spacing: [Double], to target: [Double]) -> [Int] {
        zip(zip(shape, spacing), target).map { pair, t in
            max(1, Int((pair.1 / t * Double(pair.0)).rounded(.toNearestOrEven)))
        }
    }

    /// Resamples every channel from `shape` to `target` with separable linear interpolation.
    public static func linear(_ values: [Float], channels: Int, from shape: [Int], to target: [Int]) -> [Float] {
        var current = values, currentShape = shape
        for axis in 0..<3 where currentShape[axis] != target[axis] {
            current = resampleAxis(current, channels: channels, shape: currentShape, axis: axis, size: target[axis])
            currentShape[axis] = target[axis]
        }
        return current
    }

    private static func resampleAxis(_ values: [Float], channels: Int, shape: [Int], axis: Int, size: Int) -> [Float] {
        let outer = channels * shape[..<axis].reduce(1, *), inner = shape[(axis + 1)...].reduce(1, *)
        let inExtent = shape[axis], scale = Double(inExtent) / Double(size)
        // Source index pairs and weights, shared by every line along this axis.
        let taps: [(Int, Int, Float)] = (0..<size).map { i in
            let source = min(max((Double(i) + 0.5) * scale - 0.5, 0), Double(inExtent - 1))
            let low = Int(source), high = min(low + 1, inExtent - 1)
            return (low, high, Float(source - Double(low)))
        }
        var result = [Float](repeating: 0, count: outer * size * inner)
        for o in 0..<outer {
            for (i, (low, high, w)) in taps.enumerated() {
                let a = (o * inExtent + low) * inner, b = (o * inExtent + high) * inner, out = (o * size + i) * inner
                for j in 0..<inner { result[out + j] = values[a + j] * (1 - w) + values[b + j] * w }
            }
        }
        return result
    }
}

extension Resampling {
    /// Nearest-neighbour resampling of a [z, y, x] label map, with the same coordinate mapping.
    public static func nearest(_ labels: [UInt8], from shape: [Int], to target: [Int]) -> [UInt8] {
        let maps = (0..<3).map { axis -> [Int] in
            let scale = Double(shape[axis]) / Double(target[axis])
            return (0..<target[axis]).map { min(shape[axis] - 1, max(0, Int(((Double($0) + 0.5) * scale - 0.5).rounded()))) }
        }
        var result = [UInt8](repeating: 0, count: target.reduce(1, *))
        var i = 0
        for z in maps[0] { for y in maps[1] { for x in maps[2] {
            result[i] = labels[(z * shape[1] + y) * shape[2] + x]
            i += 1
        } } }
        return result
    }
}

extension SegmentationCase {
    /// The case on a grid of `target` spacing (z, y, x): images linearly, labels by nearest
    /// neighbour, the new shape rounded as nnU-Net computes it.
    public func resampled(toSpacing target: [Double]) throws -> SegmentationCase {
        let newShape = Resampling.shape(shape, spacing: spacing, to: target)
        guard newShape != shape else { return self }
        return try SegmentationCase(identifier: identifier,
                                    image: Resampling.linear(image, channels: channels, from: shape, to: newShape),
                                    label: label.map { Resampling.nearest($0, from: shape, to: newShape) },
                                    channels: channels, shape: newShape, spacing: target)
    }
}
