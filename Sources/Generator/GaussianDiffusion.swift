import Foundation
import TensorEngine

/// G.pt's diffusion process: linear β from 1e-4 to 0.02 over T steps, the model predicting
/// x₀. Noising in closed form, ancestral DDPM sampling and deterministic DDIM (η = 0) over a
/// subsequence of steps.
public struct GaussianDiffusion: Sendable {
    public let steps: Int
    public let betas: [Double]
    /// ᾱ_t = Π_{s ≤ t} (1 − β_s).
    public let alphaBars: [Double]

    public init(steps: Int = 1000, betaStart: Double = 1e-4, betaEnd: Double = 0.02) {
        precondition(steps >= 2, "a diffusion needs at least two steps")
        self.steps = steps
        betas = (0..<steps).map { betaStart + (betaEnd - betaStart) * Double($0) / Double(steps - 1) }
        var product = 1.0
        alphaBars = betas.map { product *= 1 - $0; return product }
    }

    /// x_t = √ᾱ_t · x₀ + √(1 − ᾱ_t) · ε.
    public func noised(_ x0: [Float], step t: Int, noise: [Float]) -> [Float] {
        let a = Float(alphaBars[t].squareRoot()), b = Float((1 - alphaBars[t]).squareRoot())
        return zip(x0, noise).map { a * $0 + b * $1 }
    }

    /// One ancestral DDPM step from x_t to x_{t−1} given the predicted x₀: the mean of
    /// q(x_{t−1} | x_t, x₀) plus noise of the posterior variance (none at t = 0).
    public func ancestralStep(x0: [Float], xt: [Float], step t: Int, rng: inout SeededGenerator) -> [Float] {
        guard t > 0 else { return x0 }
        let alphaBar = alphaBars[t], previous = alphaBars[t - 1], beta = betas[t]
        let c0 = Float(previous.squareRoot() * beta / (1 - alphaBar))
        let ct = Float((1 - beta).squareRoot() * (1 - previous) / (1 - alphaBar))
        let sigma = Float((beta * (1 - previous) / (1 - alphaBar)).squareRoot())
        return (0..<x0.count).map { c0 * x0[$0] + ct * xt[$0] + sigma * rng.nextNormal() }
    }

    /// One deterministic DDIM step from x_t to x_{previous} (previous < t; −1 means x₀).
    public func ddimStep(x0: [Float], xt: [Float], step t: Int, previous: Int) -> [Float] {
        guard previous >= 0 else { return x0 }
        let a = alphaBars[t], ap = alphaBars[previous]
        let sa = Float(a.squareRoot()), sb = Float((1 - a).squareRoot())
        let spa = Float(ap.squareRoot()), spb = Float((1 - ap).squareRoot())
        return (0..<x0.count).map { i in
            let epsilon = (xt[i] - sa * x0[i]) / sb
            return spa * x0[i] + spb * epsilon
        }
    }

    /// `count` steps evenly spread from T − 1 down to 0, for DDIM.
    public func ddimSchedule(count: Int) -> [Int] {
        let count = max(1, min(count, steps))
        return (0..<count).map { k in Int((Double(steps - 1) * Double(count - 1 - k) / Double(max(count - 1, 1))).rounded()) }
    }
}
