#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import TensorEngine

/// Probabilities and ranges of nnU-Net-style data augmentation. `strength` scales every
/// probability (0 turns augmentation off), which the checkpoint zoo varies between runs.
public struct AugmentationConfiguration: Codable, Sendable, Equatable {
    public var rotationProbability: Double
    /// Largest in-plane rotation in radians.
    public var maximumRotation: Double
    public var scalingProbability: Double
    public var scalingRange: ClosedRange<Double>
    public var mirrorProbability: Double
    public var brightnessProbability: Double
    public var brightnessRange: ClosedRange<Double>
    public var contrastProbability: Double
    public var contrastRange: ClosedRange<Double>
    public var gammaProbability: Double
    public var gammaRange: ClosedRange<Double>
    public var noiseProbability: Double
    /// Largest noise variance on z-scored intensities.
    public var maximumNoiseVariance: Double
    public var strength: Double
    /// Probability of negating a channel's z-scored intensities (T1-like ↔ T2-like contrast).
    /// Not part of nnU-Net; 0 unless asked for (`contrastAgnostic`).
    public var inversionProbability: Double = 0
    /// Probability of passing a channel through a random piecewise-linear intensity curve
    /// (`remapKnots` knots, not necessarily monotone), so tissue boundaries matter more than
    /// tissue brightness. Not part of nnU-Net; 0 unless asked for.
    public var remapProbability: Double = 0
    public var remapKnots = 5

    /// nnU-Net v2's default probabilities and ranges (2D rotation ±180°, scaling 0.7–1.4).
    public static let nnUNetDefault = AugmentationConfiguration(
        rotationProbability: 0.2, maximumRotation: Double.pi, scalingProbability: 0.2, scalingRange: 0.7...1.4,
        mirrorProbability: 0.5, brightnessProbability: 0.15, brightnessRange: 0.75...1.25,
        contrastProbability: 0.15, contrastRange: 0.75...1.25, gammaProbability: 0.3, gammaRange: 0.7...1.5,
        noiseProbability: 0.1, maximumNoiseVariance: 0.1, strength: 1)

    /// nnU-Net's augmentation plus intensity inversion and random intensity curves: for
    /// training on some MRI contrasts and predicting on others (for example T2 and T2* to T1).
    public static let contrastAgnostic: AugmentationConfiguration = {
        var configuration = nnUNetDefault
        configuration.inversionProbability = 0.3
        configuration.remapProbability = 0.5
        return configuration
    }()

    /// No augmentation at all.
    public static let none: AugmentationConfiguration = {
        var configuration = nnUNetDefault
        configuration.strength = 0
        return configuration
    }()

    private func happens(_ probability: Double, _ rng: inout SeededGenerator) -> Bool {
        rng.nextUnitDouble() < min(1, probability * strength)
    }

    private func draw(_ range: ClosedRange<Double>, _ rng: inout SeededGenerator) -> Double {
        range.lowerBound + (range.upperBound - range.lowerBound) * rng.nextUnitDouble()
    }

    /// Draws the spatial part: in-plane rotation and scaling, and mirroring per axis.
    func drawSpatial(using rng: inout SeededGenerator, threeD: Bool) -> SpatialTransform {
        let angle = happens(rotationProbability, &rng) ? (2 * rng.nextUnitDouble() - 1) * maximumRotation : 0
        let scale = happens(scalingProbability, &rng) ? draw(scalingRange, &rng) : 1
        let mirrors = [threeD && happens(mirrorProbability, &rng), happens(mirrorProbability, &rng), happens(mirrorProbability, &rng)]
        return SpatialTransform(angle: angle, scale: scale, mirrors: mirrors)
    }

    /// Brightness, contrast, gamma and Gaussian noise on z-scored intensities, per channel.
    func applyIntensity(_ image: inout [Float], channels: Int, using rng: inout SeededGenerator) {
        let voxels = image.count / max(channels, 1)
        for c in 0..<channels {
            let range = (c * voxels)..<((c + 1) * voxels)
            if happens(brightnessProbability, &rng) {
                let factor = Float(draw(brightnessRange, &rng))
                for i in range { image[i] *= factor }
            }
            if happens(contrastProbability, &rng) {
                let factor = Float(draw(contrastRange, &rng))
                let mean = range.reduce(Float(0)) { $0 + image[$1] } / Float(voxels)
                for i in range { image[i] = (image[i] - mean) * factor + mean }
            }
            if happens(gammaProbability, &rng) {
                // nnU-Net's gamma: rescale to [0, 1], raise to gamma, restore the range.
                let gamma = Float(draw(gammaRange, &rng))
                var low = Float.infinity, high = -Float.infinity
                for i in range { low = min(low, image[i]); high = max(high, image[i]) }
                let span = max(high - low, 1e-7)
                for i in range { image[i] = powf((image[i] - low) / span, gamma) * span + low }
            }
            // Drawn only when enabled, so nnU-Net's configuration keeps its random stream.
            if inversionProbability > 0, happens(inversionProbability, &rng) {
                for i in range { image[i] = -image[i] }
            }
            if remapProbability > 0, remapKnots >= 2, happens(remapProbability, &rng) {
                remap(&image[range], using: &rng)
            }
            if happens(noiseProbability, &rng) {
                let std = Float(draw(0...maximumNoiseVariance, &rng).squareRoot())
                for i in range { image[i] += std * rng.nextNormal() }
            }
        }
    }
}

extension AugmentationConfiguration {
    /// Sends the values through a curve that is linear between `remapKnots` evenly spaced knots
    /// over their range, with knot heights drawn uniformly over that range.
    private func remap(_ values: inout ArraySlice<Float>, using rng: inout SeededGenerator) {
        var low = Float.infinity, high = -Float.infinity
        for v in values { low = min(low, v); high = max(high, v) }
        let span = high - low
        guard span > 0 else { return }
        let heights = (0..<remapKnots).map { _ in low + span * Float(rng.nextUnitDouble()) }
        let segments = Float(remapKnots - 1)
        for i in values.indices {
            let t = (values[i] - low) / span * segments
            let k = min(Int(t), remapKnots - 2)
            let f = t - Float(k)
            values[i] = heights[k] + f * (heights[k + 1] - heights[k])
        }
    }

    private enum CodingKeys: String, CodingKey {
        case rotationProbability, maximumRotation, scalingProbability, scalingRange, mirrorProbability
        case brightnessProbability, brightnessRange, contrastProbability, contrastRange, gammaProbability, gammaRange
        case noiseProbability, maximumNoiseVariance, strength, inversionProbability, remapProbability, remapKnots
    }

    /// Decodes configurations written before the contrast options existed as having them off.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        rotationProbability = try c.decode(Double.self, forKey: .rotationProbability)
        maximumRotation = try c.decode(Double.self, forKey: .maximumRotation)
        scalingProbability = try c.decode(Double.self, forKey: .scalingProbability)
        scalingRange = try c.decode(ClosedRange<Double>.self, forKey: .scalingRange)
        mirrorProbability = try c.decode(Double.self, forKey: .mirrorProbability)
        brightnessProbability = try c.decode(Double.self, forKey: .brightnessProbability)
        brightnessRange = try c.decode(ClosedRange<Double>.self, forKey: .brightnessRange)
        contrastProbability = try c.decode(Double.self, forKey: .contrastProbability)
        contrastRange = try c.decode(ClosedRange<Double>.self, forKey: .contrastRange)
        gammaProbability = try c.decode(Double.self, forKey: .gammaProbability)
        gammaRange = try c.decode(ClosedRange<Double>.self, forKey: .gammaRange)
        noiseProbability = try c.decode(Double.self, forKey: .noiseProbability)
        maximumNoiseVariance = try c.decode(Double.self, forKey: .maximumNoiseVariance)
        strength = try c.decode(Double.self, forKey: .strength)
        inversionProbability = try c.decodeIfPresent(Double.self, forKey: .inversionProbability) ?? 0
        remapProbability = try c.decodeIfPresent(Double.self, forKey: .remapProbability) ?? 0
        remapKnots = try c.decodeIfPresent(Int.self, forKey: .remapKnots) ?? 5
    }
}

/// An in-plane rotation and isotropic scaling about the patch centre, and per-axis mirroring.
struct SpatialTransform {
    let angle: Double
    let scale: Double
    /// Mirror along (z, y, x).
    let mirrors: [Bool]

    var isIdentity: Bool { angle == 0 && scale == 1 }

    /// Maps an output offset (z, y, x) from the patch centre to a source offset in the image.
    @inline(__always)
    func map(_ offset: SIMD3<Double>) -> SIMD3<Double> {
        guard !isIdentity else { return offset }
        let c = cos(angle) / scale, s = sin(angle) / scale
        return SIMD3(offset.x / scale, c * offset.y - s * offset.z, s * offset.y + c * offset.z)
    }

    /// Mirrors a [channels, z, y, x] patch in place along the chosen axes.
    func mirror<T>(_ values: inout [T], channels: Int, size: [Int]) {
        let (pz, py, px) = (size[0], size[1], size[2])
        let voxels = pz * py * px
        guard mirrors.contains(true) else { return }
        let source = values
        for c in 0..<channels {
            for z in 0..<pz {
                let sz = mirrors[0] ? pz - 1 - z : z
                for y in 0..<py {
                    let sy = mirrors[1] ? py - 1 - y : y
                    for x in 0..<px {
                        let sx = mirrors[2] ? px - 1 - x : x
                        values[c * voxels + (z * py + y) * px + x] = source[c * voxels + (sz * py + sy) * px + sx]
                    }
                }
            }
        }
    }
}
