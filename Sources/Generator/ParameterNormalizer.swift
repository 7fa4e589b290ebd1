import Foundation
import Zoo

/// Per-tensor standardisation of parameters from zoo statistics: each tensor of the layout
/// is shifted by its mean and scaled by its standard deviation over all checkpoints, so
/// convolution kernels, biases and norm scales reach the generator on one scale. Exactly
/// invertible (up to float rounding).
public struct ParameterNormalizer: Codable, Sendable, Equatable {
    public let layout: ParameterLayout
    public let means: [Float]
    public let deviations: [Float]

    /// Statistics of `checkpoints` (flat vectors of `layout`); deviations are floored at 1e-3
    /// so tensors that barely move (norm scales at initialisation) are not blown up.
    public init(layout: ParameterLayout, checkpoints: [[Float]]) {
        self.layout = layout
        var means: [Float] = [], deviations: [Float] = []
        for entry in layout.entries {
            var sum = 0.0, squares = 0.0, count = 0.0
            for values in checkpoints {
                for i in entry.offset..<(entry.offset + entry.count) {
                    sum += Double(values[i])
                    squares += Double(values[i]) * Double(values[i])
                }
                count += Double(entry.count)
            }
            let mean = count > 0 ? sum / count : 0
            let variance = count > 0 ? max(squares / count - mean * mean, 0) : 1
            means.append(Float(mean))
            deviations.append(max(Float(variance.squareRoot()), 1e-3))
        }
        self.means = means
        self.deviations = deviations
    }

    public func normalize(_ values: [Float]) -> [Float] { transform(values) { ($0 - $1) / $2 } }

    public func denormalize(_ values: [Float]) -> [Float] { transform(values) { $0 * $2 + $1 } }

    private func transform(_ values: [Float], _ f: (Float, Float, Float) -> Float) -> [Float] {
        var result = values
        for (index, entry) in layout.entries.enumerated() {
            for i in entry.offset..<(entry.offset + entry.count) { result[i] = f(values[i], means[index], deviations[index]) }
        }
        return result
    }
}
