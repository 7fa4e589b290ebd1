import Foundation
import TensorEngine

/// A smooth random 2D field with zero mean and unit variance: a sum of plane waves with random
/// directions, phases and wavelengths in a band. Used for tissue texture, fat patches and the
/// MRI bias field.
struct SmoothRandomField: Sendable {
    private struct Wave: Sendable {
        var frequencyX: Double
        var frequencyY: Double
        var phase: Double
    }

    private let waves: [Wave]
    private let amplitude: Double

    /// `waveCount` waves with wavelengths (millimetres) uniform in `wavelengths`.
    init(wavelengths: ClosedRange<Double>, waveCount: Int = 12, using generator: inout SeededGenerator) {
        waves = (0..<waveCount).map { _ in
            let wavelength = wavelengths.lowerBound + (wavelengths.upperBound - wavelengths.lowerBound) * generator.nextUnitDouble()
            let direction = 2 * Double.pi * generator.nextUnitDouble()
            let frequency = 2 * Double.pi / wavelength
            return Wave(frequencyX: frequency * cos(direction), frequencyY: frequency * sin(direction),
                        phase: 2 * Double.pi * generator.nextUnitDouble())
        }
        // Each cosine with a uniform phase has variance 1/2.
        amplitude = (2 / Double(max(waveCount, 1))).squareRoot()
    }

    /// The field at a point given in millimetres.
    func value(x: Double, y: Double) -> Double {
        var sum = 0.0
        for wave in waves {
            sum += cos(wave.frequencyX * x + wave.frequencyY * y + wave.phase)
        }
        return amplitude * sum
    }
}
