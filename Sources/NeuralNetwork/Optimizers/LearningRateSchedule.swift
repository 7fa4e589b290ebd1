#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// A learning rate as a function of the step index (0-based).
public protocol LearningRateSchedule {
    func learningRate(at step: Int) -> Float
}

/// nnU-Net's polynomial decay: initial · (1 − step / total)^exponent.
public struct PolyLearningRate: LearningRateSchedule {
    public let initial: Float, totalSteps: Int, exponent: Float

    public init(initial: Float, totalSteps: Int, exponent: Float = 0.9) {
        self.initial = initial; self.totalSteps = max(totalSteps, 1); self.exponent = exponent
    }

    public func learningRate(at step: Int) -> Float {
        initial * powf(max(0, 1 - Float(step) / Float(totalSteps)), exponent)
    }
}

/// Linear warm-up from 0 to `peak` over `warmupSteps`, then cosine decay to `minimum` at
/// `totalSteps` (G.pt's schedule).
public struct WarmupCosineLearningRate: LearningRateSchedule {
    public let peak: Float, minimum: Float, warmupSteps: Int, totalSteps: Int

    public init(peak: Float, warmupSteps: Int, totalSteps: Int, minimum: Float = 0) {
        self.peak = peak; self.minimum = minimum
        self.warmupSteps = max(warmupSteps, 0); self.totalSteps = max(totalSteps, 1)
    }

    public func learningRate(at step: Int) -> Float {
        if step < warmupSteps { return peak * Float(step + 1) / Float(warmupSteps) }
        let span = max(totalSteps - warmupSteps, 1)
        let progress = min(1, Float(step - warmupSteps) / Float(span))
        return minimum + 0.5 * (peak - minimum) * (1 + cosf(Float.pi * progress))
    }
}
