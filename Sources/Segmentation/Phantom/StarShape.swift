import Foundation
import TensorEngine

/// A closed 2D region in millimetres: a rotated ellipse whose radius is modulated by a few
/// low-order harmonics, `r(θ) = 1 + Σ aₖ cos(kθ + φₖ)` in the ellipse's normalised frame.
struct StarShape: Sendable {
    /// One radial harmonic: order k, relative amplitude aₖ and phase φₖ (stored as cos/sin).
    struct Harmonic: Sendable {
        var order: Int
        var amplitude: Double
        var cosPhase: Double
        var sinPhase: Double
    }

    let centerX: Double
    let centerY: Double
    private(set) var semiAxisX: Double
    private(set) var semiAxisY: Double
    /// Cosine and sine of the rotation of the ellipse's x axis from the image's x axis.
    private let rotationCos: Double
    private let rotationSin: Double
    private let harmonics: [Harmonic]

    /// A shape rotated by `rotation` radians with `orders` harmonics of amplitude uniform in `0...maximumAmplitude` and random phases.
    init(centerX: Double, centerY: Double, semiAxisX: Double, semiAxisY: Double, rotation: Double,
         orders: [Int] = [], maximumAmplitude: Double = 0, using generator: inout SeededGenerator) {
        self.centerX = centerX
        self.centerY = centerY
        self.semiAxisX = semiAxisX
        self.semiAxisY = semiAxisY
        rotationCos = cos(rotation)
        rotationSin = sin(rotation)
        harmonics = orders.sorted().map { order in
            let amplitude = maximumAmplitude * generator.nextUnitDouble()
            let phase = 2 * Double.pi * generator.nextUnitDouble()
            return Harmonic(order: order, amplitude: amplitude, cosPhase: cos(phase), sinPhase: sin(phase))
        }
    }

    /// The same outline with both semi-axes changed by `millimetres` (negative shrinks).
    func grown(by millimetres: Double) -> StarShape {
        var shape = self
        shape.semiAxisX = max(semiAxisX + millimetres, 1e-3)
        shape.semiAxisY = max(semiAxisY + millimetres, 1e-3)
        return shape
    }

    /// Normalised radial position of a point: below 1 inside, 1 on the outline, above 1 outside.
    func level(x: Double, y: Double) -> Double {
        let dx = x - centerX, dy = y - centerY
        let u = (rotationCos * dx + rotationSin * dy) / semiAxisX
        let v = (-rotationSin * dx + rotationCos * dy) / semiAxisY
        let radius = (u * u + v * v).squareRoot()
        guard radius > 0 else { return 0 }
        return radius / outlineRadius(cosTheta: u / radius, sinTheta: v / radius)
    }

    /// Whether the point lies inside the outline.
    func contains(x: Double, y: Double) -> Bool { level(x: x, y: y) <= 1 }

    /// `1 + Σ aₖ cos(kθ + φₖ)`, with cos kθ and sin kθ from the angle-addition recurrence
    /// (no trigonometric calls per point); kept positive so the region stays star-shaped.
    private func outlineRadius(cosTheta: Double, sinTheta: Double) -> Double {
        var radius = 1.0
        var cosK = 1.0, sinK = 0.0, order = 0
        for harmonic in harmonics {
            while order < harmonic.order {
                (cosK, sinK) = (cosK * cosTheta - sinK * sinTheta, sinK * cosTheta + cosK * sinTheta)
                order += 1
            }
            radius += harmonic.amplitude * (cosK * harmonic.cosPhase - sinK * harmonic.sinPhase)
        }
        return max(radius, 0.3)
    }
}
