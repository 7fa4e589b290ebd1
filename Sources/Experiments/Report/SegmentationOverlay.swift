/// Draws ground-truth and predicted mask boundaries over a grey test image, for the report's overlays.
public enum SegmentationOverlay {
    /// Boundary colours: ground truth, prediction, and pixels on both boundaries.
    public static let truthColour: (UInt8, UInt8, UInt8) = (0, 220, 0)
    public static let predictionColour: (UInt8, UInt8, UInt8) = (255, 0, 255)
    public static let bothColour: (UInt8, UInt8, UInt8) = (255, 255, 0)

    /// An RGB overlay of one 2D slice.
    ///
    /// - Parameters:
    ///   - image: intensities row-major (`image[y * width + x]`), any range; windowed to its 1st–99th percentile.
    ///   - truth: ground-truth mask, same layout, nonzero = foreground.
    ///   - prediction: predicted mask, same layout, nonzero = foreground.
    ///   - scale: integer nearest-neighbour upscaling factor (≥ 1) so small slices are readable.
    /// - Returns: an image of `width·scale × height·scale` pixels for `PNGEncoder`.
    /// - Throws: `ReportError` when an array does not hold `width × height` values or `scale` < 1.
    public static func render(image: [Float], truth: [UInt8], prediction: [UInt8], width: Int, height: Int,
                              scale: Int = 4) throws -> RGBImage {
        let count = width * height
        guard width > 0, height > 0, image.count == count, truth.count == count, prediction.count == count else {
            throw ReportError("overlay of \(width)×\(height) needs \(count) values per array "
                + "(image \(image.count), truth \(truth.count), prediction \(prediction.count))")
        }
        guard scale >= 1 else { throw ReportError("overlay scale must be at least 1 (got \(scale))") }

        let grey = window(image)
        let truthEdge = boundary(of: truth, width: width, height: height)
        let predictionEdge = boundary(of: prediction, width: width, height: height)
        var output = RGBImage(width: width * scale, height: height * scale)
        for y in 0..<height {
            for x in 0..<width {
                let i = y * width + x
                let colour: (UInt8, UInt8, UInt8)
                switch (truthEdge[i], predictionEdge[i]) {
                case (true, true): colour = bothColour
                case (true, false): colour = truthColour
                case (false, true): colour = predictionColour
                case (false, false): colour = (grey[i], grey[i], grey[i])
                }
                for dy in 0..<scale {
                    for dx in 0..<scale {
                        output[x * scale + dx, y * scale + dy] = colour
                    }
                }
            }
        }
        return output
    }

    /// Grey levels with the 1st percentile black and the 99th white, so outliers do not wash out the slice.
    static func window(_ image: [Float]) -> [UInt8] {
        let finite = image.filter { $0.isFinite }.sorted()
        guard let first = finite.first, let last = finite.last else {
            return [UInt8](repeating: 0, count: image.count)
        }
        let low = finite[Int((Double(finite.count - 1) * 0.01).rounded())]
        let high = finite[Int((Double(finite.count - 1) * 0.99).rounded())]
        // A slice nearly constant within the percentiles falls back to its full range, then to mid grey.
        let (lower, upper) = high > low ? (low, high) : (first, last)
        guard upper > lower else { return image.map { $0.isFinite ? 128 : 0 } }
        return image.map { value in
            guard value.isFinite else { return 0 }
            let unit = min(max((value - lower) / (upper - lower), 0), 1)
            return UInt8((unit * 255).rounded())
        }
    }

    /// Foreground pixels with at least one 4-neighbour in the background; outside the image counts as background.
    static func boundary(of mask: [UInt8], width: Int, height: Int) -> [Bool] {
        func inside(_ x: Int, _ y: Int) -> Bool {
            x >= 0 && x < width && y >= 0 && y < height && mask[y * width + x] != 0
        }
        var edge = [Bool](repeating: false, count: mask.count)
        for y in 0..<height {
            for x in 0..<width where inside(x, y) {
                edge[y * width + x] = !inside(x - 1, y) || !inside(x + 1, y) || !inside(x, y - 1) || !inside(x, y + 1)
            }
        }
        return edge
    }
}
