import Foundation
import TensorEngine

/// The built-in spinal-cord phantom: MRI-like axial 2D images of the cervical spine with cord,
/// canal and lesion masks, generated in memory.
///
/// Rendering: each voxel's tissue fractions are measured on 4×4 subsamples (exact partial volume);
/// a mask voxel is foreground when at least half of its subsamples are, so lesion ⊂ cord ⊂ canal.
/// The image mixes the tissues' textured intensities by those fractions, is blurred by the
/// point-spread function, multiplied by a smooth bias field and a random scanner gain, and
/// corrupted with Rician noise.
public struct SpinalCordPhantom: Sendable {
    /// The dataset's configuration.
    public let configuration: PhantomConfiguration

    /// Subsamples per voxel along each axis.
    private static let subsamples = 4

    /// A phantom for `configuration`; throws when a parameter is out of range.
    public init(configuration: PhantomConfiguration) throws {
        try configuration.validate()
        self.configuration = configuration
    }

    /// Case `index`: the same for a given configuration however many cases are made.
    public func makeCase(index: Int) -> PhantomCase {
        var rng = SeededGenerator(seed: Self.caseSeed(configuration.seed, index))
        let difficulty = configuration.difficulty
        let contrast: PhantomContrast
        switch configuration.contrast {
        case .t1: contrast = .t1
        case .t2: contrast = .t2
        case .mixed: contrast = rng.nextUnitDouble() < PhantomContrastMode.mixedT1Probability ? .t1 : .t2
        }
        let size = configuration.size
        let fieldOfView = 36 + 24 * rng.nextUnitDouble()
        let spacing = fieldOfView / Double(size)
        let hasLesions = rng.nextUnitDouble() < difficulty.lesionCaseFraction
        let anatomy = PhantomAnatomy(fieldOfView: fieldOfView, difficulty: difficulty, hasLesions: hasLesions, using: &rng)
        let intensities = TissueIntensities(contrast: contrast, difficulty: difficulty, using: &rng)
        let texture = SmoothRandomField(wavelengths: 1.5...5, using: &rng)
        let fatField = SmoothRandomField(wavelengths: 6...20, using: &rng)
        let biasField = SmoothRandomField(wavelengths: (1.5 * fieldOfView)...(3 * fieldOfView), waveCount: 4, using: &rng)
        let gain = 1000 * (0.5 + 1.5 * rng.nextUnitDouble())
        let signalToNoise = difficulty.signalToNoise * (0.7 + 0.7 * rng.nextUnitDouble())

        let (clean, labels) = Self.render(anatomy, intensities, texture: texture, fatField: fatField,
                                          size: size, spacing: spacing)
        let blurred = GaussianBlur.apply(clean, width: size, height: size, sigma: difficulty.blurSigma)
        let noiseSigma = intensities.cord / signalToNoise
        var image = [Float](repeating: 0, count: size * size)
        for row in 0..<size {
            for column in 0..<size {
                let voxel = row * size + column
                let x = (Double(column) + 0.5) * spacing, y = (Double(row) + 0.5) * spacing
                let bias = exp(difficulty.biasFieldStrength * biasField.value(x: x, y: y))
                // Rician: the magnitude of a complex signal with Gaussian noise on both channels.
                let real = blurred[voxel] * bias + noiseSigma * Double(rng.nextNormal())
                let imaginary = noiseSigma * Double(rng.nextNormal())
                image[voxel] = Float(gain * (real * real + imaginary * imaginary).squareRoot())
            }
        }
        return PhantomCase(index: index, width: size, height: size, spacing: [spacing, spacing], contrast: contrast,
                           hasLesions: hasLesions, image: image, labels: labels)
    }

    /// The noise-free, unblurred image (tissue intensities mixed by their partial-volume fractions)
    /// and the masks, from 4×4 subsamples per voxel.
    private static func render(_ anatomy: PhantomAnatomy, _ intensities: TissueIntensities, texture: SmoothRandomField,
                               fatField: SmoothRandomField, size: Int, spacing: Double)
        -> (image: [Double], labels: [PhantomTask: [UInt8]]) {
        var image = [Double](repeating: 0, count: size * size)
        var cord = [UInt8](repeating: 0, count: size * size)
        var canal = cord, lesion = cord
        let sub = subsamples, half = (sub * sub + 1) / 2
        var counts = [Int](repeating: 0, count: PhantomTissue.allCases.count)
        for row in 0..<size {
            for column in 0..<size {
                for tissue in counts.indices { counts[tissue] = 0 }
                for sy in 0..<sub {
                    for sx in 0..<sub {
                        let x = (Double(column) + (Double(sx) + 0.5) / Double(sub)) * spacing
                        let y = (Double(row) + (Double(sy) + 0.5) / Double(sub)) * spacing
                        counts[anatomy.tissue(x: x, y: y).rawValue] += 1
                    }
                }
                let voxel = row * size + column
                let lesionCount = counts[PhantomTissue.lesion.rawValue]
                let cordCount = counts[PhantomTissue.cord.rawValue] + lesionCount
                lesion[voxel] = lesionCount >= half ? 1 : 0
                cord[voxel] = cordCount >= half ? 1 : 0
                canal[voxel] = cordCount + counts[PhantomTissue.csf.rawValue] >= half ? 1 : 0

                let x = (Double(column) + 0.5) * spacing, y = (Double(row) + 0.5) * spacing
                let textureValue = texture.value(x: x, y: y)
                let fatWeight = 1 / (1 + exp(-3 * (fatField.value(x: x, y: y) - 1.0)))
                var intensity = 0.0
                for tissue in PhantomTissue.allCases where counts[tissue.rawValue] > 0 {
                    intensity += Double(counts[tissue.rawValue])
                        * intensities.intensity(tissue, texture: textureValue, fatWeight: fatWeight)
                }
                image[voxel] = intensity / Double(sub * sub)
            }
        }
        return (image, [.cord: cord, .canal: canal, .lesion: lesion])
    }

    /// Cases `indices`, generated in parallel; identical to calling `makeCase` for each.
    public func makeCases(_ indices: Range<Int>) -> [PhantomCase] {
        var cases = [PhantomCase?](repeating: nil, count: indices.count)
        cases.withUnsafeMutableBufferPointer { buffer in
            parallelFor(indices.count, grain: 1) { chunk in
                for offset in chunk { buffer[offset] = makeCase(index: indices.lowerBound + offset) }
            }
        }
        return cases.map { $0! }
    }

    /// A seed for case `index` that mixes the dataset seed and the index through SplitMix64, so
    /// neighbouring seeds and indices give unrelated streams.
    static func caseSeed(_ seed: UInt64, _ index: Int) -> UInt64 {
        func mix(_ value: UInt64) -> UInt64 {
            var z = value &+ 0x9E37_79B9_7F4A_7C15
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        return mix(mix(seed) ^ UInt64(bitPattern: Int64(index)))
    }
}
