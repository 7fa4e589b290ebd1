/// The knobs that make the spinal-cord phantom harder or easier. Each case also jitters most of
/// them (noted per knob), so a dataset mixes easy and hard cases.
///
/// The default is tuned so that the binary tasks do not saturate for small U-Nets: a cord SNR of
/// 8–17, about one voxel of partial-volume blur, cords only 3–10 voxels in radius at 64×64, lesions
/// of 2–6 voxels across, and (in T1-like cases) a cord–CSF contrast only three to nine times the
/// noise. A `tiny` U-Net (features 4, 8, 16) trained for 3,000 SGD iterations on
/// 200 mixed-contrast cases reached held-out mean Dice 0.89 (cord), 0.91 (canal), 0.72 (lesion).
public struct PhantomDifficulty: Codable, Equatable, Sendable {
    /// Mean cord intensity over the noise standard deviation (Rician noise); per case × 0.7–1.4.
    public var signalToNoise: Double
    /// Scale of the cord–CSF intensity difference of each weighting: 1 is the phantom's textbook
    /// contrast, 0 makes the CSF look like cord; per case × 0.75–1.1.
    public var cordCSFContrast: Double
    /// Standard deviation, in voxels, of the Gaussian point-spread function applied after the
    /// image is rendered with exact partial-volume fractions (4×4 subsamples per voxel).
    public var blurSigma: Double
    /// Mean lesion radius in millimetres; per lesion × 0.7–1.4.
    public var lesionRadius: Double
    /// Lesion intensity change relative to the cord: brighter by this fraction on T2, darker by
    /// 70 % of it on T1; per lesion × 0.6–1.2.
    public var lesionContrast: Double
    /// Share of cases that have lesions (the others have an empty lesion mask).
    public var lesionCaseFraction: Double
    /// Scale of the random outline deformations and of the cord's off-centre position in the canal;
    /// 0 gives ellipses centred in elliptic canals.
    public var shapeVariability: Double
    /// Standard deviation of the log of the smooth multiplicative bias field (0 disables it).
    public var biasFieldStrength: Double

    /// Sets every knob; omitted ones take the default.
    public init(signalToNoise: Double = 12, cordCSFContrast: Double = 1, blurSigma: Double = 0.5,
                lesionRadius: Double = 2, lesionContrast: Double = 0.5, lesionCaseFraction: Double = 0.8,
                shapeVariability: Double = 1, biasFieldStrength: Double = 0.2) {
        self.signalToNoise = signalToNoise
        self.cordCSFContrast = cordCSFContrast
        self.blurSigma = blurSigma
        self.lesionRadius = lesionRadius
        self.lesionContrast = lesionContrast
        self.lesionCaseFraction = lesionCaseFraction
        self.shapeVariability = shapeVariability
        self.biasFieldStrength = biasFieldStrength
    }

    /// The default difficulty (see the type's description).
    public static let `default` = PhantomDifficulty()

    /// Checks that every knob is finite and in range, naming the first one that is not.
    public func validate() throws {
        let checks: [(String, Double, ClosedRange<Double>)] = [
            ("signalToNoise", signalToNoise, 0.5...10_000),
            ("cordCSFContrast", cordCSFContrast, 0...2),
            ("blurSigma", blurSigma, 0...5),
            ("lesionRadius", lesionRadius, 0.5...5),
            ("lesionContrast", lesionContrast, 0...2),
            ("lesionCaseFraction", lesionCaseFraction, 0...1),
            ("shapeVariability", shapeVariability, 0...3),
            ("biasFieldStrength", biasFieldStrength, 0...1),
        ]
        for (name, value, range) in checks where !range.contains(value) {
            throw PhantomError.invalidParameter("\(name) is \(value); it must lie in \(range)")
        }
    }
}
