import Foundation
import TensorEngine

/// The distance between two networks of one architecture that their channel order cannot
/// change: the second is permuted to match the first by weight matching, then the RMS of the
/// difference is taken in the normaliser's per-tensor standard-deviation units (so kernels,
/// biases and norm scales weigh alike). 0 for a network and any reordering of it.
public struct AlignedDistance {
    public let normalizer: ParameterNormalizer
    public let permutation: UNetPermutation

    public init(normalizer: ParameterNormalizer, permutation: UNetPermutation) {
        self.normalizer = normalizer
        self.permutation = permutation
    }

    /// The distance between `a` and `b` after aligning `b` to `a`.
    public func callAsFunction(_ a: [Float], _ b: [Float]) -> Double {
        unaligned(a, permutation.align(b, to: a))
    }

    /// The RMS difference in per-tensor standard deviations, channels as they are.
    public func unaligned(_ a: [Float], _ b: [Float]) -> Double {
        var squares = 0.0
        for (index, entry) in normalizer.layout.entries.enumerated() {
            let deviation = Double(normalizer.deviations[index])
            for i in entry.offset..<(entry.offset + entry.count) {
                let difference = Double(a[i] - b[i]) / deviation
                squares += difference * difference
            }
        }
        return (squares / Double(max(a.count, 1))).squareRoot()
    }

    /// `unaligned(a, permuted)` where `permuted[i]` is `b[sources[i]]`
    /// (`UNetPermutation.sources`), without making the permuted copy.
    public func unaligned(_ a: [Float], _ b: [Float], readAt sources: [Int]) -> Double {
        var squares = 0.0
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                sources.withUnsafeBufferPointer { sources in
                    for (index, entry) in normalizer.layout.entries.enumerated() {
                        let deviation = Double(normalizer.deviations[index])
                        for i in entry.offset..<(entry.offset + entry.count) {
                            let difference = Double(a[i] - b[sources[i]]) / deviation
                            squares += difference * difference
                        }
                    }
                }
            }
        }
        return (squares / Double(max(a.count, 1))).squareRoot()
    }

    /// Gaussian noise of `sigma` standard deviations of each tensor (the normaliser's) added to
    /// `values`: Zeng et al.'s baseline, whose unaligned distance to `values` is about `sigma`.
    public func perturbed(_ values: [Float], sigma: Double, rng: inout SeededGenerator) -> [Float] {
        var result = values
        for (index, entry) in normalizer.layout.entries.enumerated() {
            let scale = Float(sigma) * normalizer.deviations[index]
            for i in entry.offset..<(entry.offset + entry.count) { result[i] += scale * rng.nextNormal() }
        }
        return result
    }
}
