import Foundation

/// Separable Gaussian smoothing of a row-major `[height, width]` image with edge values
/// extended beyond the border; the phantom's point-spread function.
enum GaussianBlur {
    /// The image blurred with standard deviation `sigma` voxels (unchanged when `sigma` is 0).
    static func apply(_ image: [Double], width: Int, height: Int, sigma: Double) -> [Double] {
        guard sigma > 0 else { return image }
        let radius = Int((3 * sigma).rounded(.up))
        var kernel = (-radius...radius).map { exp(-Double($0 * $0) / (2 * sigma * sigma)) }
        let total = kernel.reduce(0, +)
        kernel = kernel.map { $0 / total }
        var rowsBlurred = [Double](repeating: 0, count: image.count)
        for y in 0..<height {
            for x in 0..<width {
                var sum = 0.0
                for (offset, weight) in kernel.enumerated() {
                    sum += weight * image[y * width + min(max(x + offset - radius, 0), width - 1)]
                }
                rowsBlurred[y * width + x] = sum
            }
        }
        var result = [Double](repeating: 0, count: image.count)
        for y in 0..<height {
            for x in 0..<width {
                var sum = 0.0
                for (offset, weight) in kernel.enumerated() {
                    sum += weight * rowsBlurred[min(max(y + offset - radius, 0), height - 1) * width + x]
                }
                result[y * width + x] = sum
            }
        }
        return result
    }
}
