#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// scikit-image's `resize(image, shape, order, mode="edge", anti_aliasing=False)` on a row-major
/// grid of any rank, the function nnU-Net resamples with: `scipy.ndimage.zoom` with `grid_mode`
/// (source = (target + ½)·in/out − ½), edge values continued outward, B-spline interpolation of
/// order 0, 1 or 3 in double precision, and the result clipped to the input's range.
public enum SplineResize {
    /// Interpolation orders nnU-Net's plans name (`order`, `order_z`).
    public enum Order: Int, Sendable {
        case nearest = 0, linear = 1, cubic = 3
    }

    /// Resizes `values` of `shape` to `target`; axes whose extent does not change are left as they
    /// are (a spline reproduces its samples at the sample points).
    public static func resize(_ values: [Double], shape: [Int], to target: [Int], order: Order) -> [Double] {
        precondition(shape.count == target.count && values.count == shape.reduce(1, *), "grid and target disagree")
        var current = values, currentShape = shape
        for axis in shape.indices where currentShape[axis] != target[axis] {
            current = zoomAxis(current, shape: currentShape, axis: axis, size: target[axis], order: order)
            currentShape[axis] = target[axis]
        }
        // skimage clips every order above 0 to the input range (cubic splines overshoot).
        guard order != .nearest, current.count > 0, let low = values.min(), let high = values.max() else { return current }
        return current.map { min(max($0, low), high) }
    }

    /// `scipy.ndimage.zoom`/`map_coordinates` along one axis (mode "nearest", no clipping): each
    /// line is padded, prefiltered and sampled.
    static func zoomAxis(_ values: [Double], shape: [Int], axis: Int, size: Int, order: Order) -> [Double] {
        let outer = shape[..<axis].reduce(1, *), inner = shape[(axis + 1)...].reduce(1, *)
        let extent = shape[axis]
        let taps = samplingTaps(extent: extent, size: size, order: order)
        var result = [Double](repeating: 0, count: outer * size * inner)
        var line = [Double](repeating: 0, count: extent)
        for o in 0..<outer {
            for j in 0..<inner {
                for i in 0..<extent { line[i] = values[(o * extent + i) * inner + j] }
                let coefficients = order == .cubic ? cubicCoefficients(line) : line
                let offset = order == .cubic ? cubicPadding : 0
                for (i, tap) in taps.enumerated() {
                    var sum = 0.0
                    for (index, weight) in zip(tap.indices, tap.weights) {
                        sum += weight * coefficients[min(max(index + offset, 0), coefficients.count - 1)]
                    }
                    result[(o * size + i) * inner + j] = sum
                }
            }
        }
        return result
    }

    /// Indices (into the unpadded line; may lie outside it) and weights of each output sample.
    static func samplingTaps(extent: Int, size: Int, order: Order) -> [(indices: [Int], weights: [Double])] {
        let scale = Double(extent) / Double(size)
        return (0..<size).map { i in
            let x = (Double(i) + 0.5) * scale - 0.5
            switch order {
            case .nearest:
                // scipy rounds half up for order 0, then clamps ("nearest" mode).
                return ([min(max(Int((x + 0.5).rounded(.down)), 0), extent - 1)], [1])
            case .linear:
                let clamped = min(max(x, 0), Double(extent - 1))
                let low = Int(clamped.rounded(.down)), t = clamped - Double(low)
                return ([low, min(low + 1, extent - 1)], [1 - t, t])
            case .cubic:
                let low = Int(x.rounded(.down)), t = x - Double(low)
                let weights = [(1 - t) * (1 - t) * (1 - t) / 6, (3 * t * t * t - 6 * t * t + 4) / 6,
                               (-3 * t * t * t + 3 * t * t + 3 * t + 1) / 6, t * t * t / 6]
                return (Array((low - 1)...(low + 2)), weights)
            }
        }
    }

    /// scipy pads a line by 12 edge values on each side before it prefilters for "nearest" mode.
    static let cubicPadding = 12

    /// Cubic B-spline coefficients of the edge-padded line (scipy's `spline_filter1d`, order 3,
    /// mirror-symmetric boundary start), so that interpolation reproduces the samples.
    static func cubicCoefficients(_ line: [Double]) -> [Double] {
        let first = line.first ?? 0, last = line.last ?? 0
        var c = [Double](repeating: first, count: cubicPadding) + line + [Double](repeating: last, count: cubicPadding)
        let n = c.count
        guard n > 1 else { return c }
        let z = 3.0.squareRoot() - 2, gain = (1 - z) * (1 - 1 / z)
        for i in 0..<n { c[i] *= gain }
        // Causal start: the line continued by reflection (scipy's _init_causal_reflect).
        let zn = pow(z, Double(n)), c0 = c[0]
        var start = c[0] + zn * c[n - 1], zi = z
        for i in 1..<n {
            start += zi * (c[i] + zn * c[n - 1 - i])
            zi *= z
        }
        c[0] = start * z / (1 - zn * zn) + c0
        for i in 1..<n { c[i] += z * c[i - 1] }
        c[n - 1] *= z / (z - 1)
        for i in stride(from: n - 2, through: 0, by: -1) { c[i] = z * (c[i + 1] - c[i]) }
        return c
    }
}
