import TensorEngine

/// Mean intensities (before gain, bias and noise) and texture amplitudes of each tissue for one
/// case, drawn around the textbook values of its weighting.
struct TissueIntensities {
    /// Mean intensity per `PhantomTissue` (soft tissue: its muscle value).
    let mean: [Double]
    /// Relative texture amplitude per `PhantomTissue`.
    let textureAmplitude: [Double]
    /// Intensity of fat, mixed into soft tissue where the fat field is high.
    let fat: Double

    /// Draws a case's intensities: every tissue jittered ±10 % except the cord (the reference),
    /// the CSF placed at the knob-scaled cord–CSF contrast, lesions at the knob-scaled lesion contrast.
    init(contrast: PhantomContrast, difficulty: PhantomDifficulty, using rng: inout SeededGenerator) {
        func uniform(_ range: ClosedRange<Double>) -> Double {
            range.lowerBound + (range.upperBound - range.lowerBound) * rng.nextUnitDouble()
        }
        // soft tissue (muscle), cortex, marrow, disc, csf, cord; lesion is derived below.
        let textbook: [Double]
        switch contrast {
        case .t2: textbook = [0.28, 0.06, 0.42, 0.62, 0.95, 0.42]
        case .t1: textbook = [0.45, 0.08, 0.72, 0.38, 0.30, 0.58]
        }
        var mean = textbook.map { $0 * uniform(0.9...1.1) }
        let cord = textbook[PhantomTissue.cord.rawValue]
        mean[PhantomTissue.cord.rawValue] = cord
        let csfScale = difficulty.cordCSFContrast * uniform(0.75...1.1)
        mean[PhantomTissue.csf.rawValue] = cord + csfScale * (textbook[PhantomTissue.csf.rawValue] - cord)
        let lesionChange = difficulty.lesionContrast * uniform(0.6...1.2)
        mean.append(contrast == .t2 ? cord * (1 + lesionChange) : cord * (1 - 0.7 * lesionChange))
        self.mean = mean
        fat = (contrast == .t2 ? 0.80 : 0.95) * uniform(0.9...1.1)
        textureAmplitude = [0.12, 0.10, 0.15, 0.08, 0.04, 0.04, 0.04]
    }

    /// The intensity of `tissue` at a point whose texture field is `texture` and fat weight `fatWeight`.
    func intensity(_ tissue: PhantomTissue, texture: Double, fatWeight: Double) -> Double {
        var base = mean[tissue.rawValue]
        if tissue == .softTissue { base += fatWeight * (fat - base) }
        return base * (1 + textureAmplitude[tissue.rawValue] * texture)
    }

    /// The cord's mean intensity, the reference for the noise level.
    var cord: Double { mean[PhantomTissue.cord.rawValue] }
}
