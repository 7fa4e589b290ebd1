import Foundation
import NeuralNetwork

/// A running mean of each parameter's squared gradient, as Adam keeps it, with the bias of its
/// zero start divided out: what the learned optimiser reads under `GradientHistory.secondMoment`.
/// In distillation it is the run's recorded Adam estimate with the checkpoint's gradient added
/// as Adam's next step adds it; in a generation it is kept over the calls, each call's gradient
/// standing for `horizon` iterations (decay β₂ per iteration, β₂^horizon per call).
public struct SecondMomentEstimate: Sendable, Equatable {
    /// Adam's decay per iteration, as the zoo's runs used it.
    public static let iterationDecay = Adam.defaultBeta2

    /// The bias-corrected estimate.
    public private(set) var values: [Float]
    /// Iterations the estimate stands for.
    public private(set) var iterations: Int

    /// An estimate over `iterations` iterations (with 0, `values` are not read: nothing has been seen).
    public init(values: [Float], iterations: Int) {
        self.values = values
        self.iterations = iterations
    }

    /// No gradient seen yet.
    public static func empty(count: Int) -> SecondMomentEstimate {
        SecondMomentEstimate(values: [Float](repeating: 0, count: count), iterations: 0)
    }

    /// The estimate after `gradient`, read once, stands for `iterations` more iterations: Adam's
    /// update of the raw mean over those iterations with that gradient, bias corrected again.
    public func adding(_ gradient: [Float], iterations added: Int) -> SecondMomentEstimate {
        let beta = Double(Self.iterationDecay)
        let before = 1 - pow(beta, Double(iterations)), after = 1 - pow(beta, Double(iterations + added))
        let kept = Float(pow(beta, Double(added)) * before / after), new = Float((1 - pow(beta, Double(added))) / after)
        return SecondMomentEstimate(values: zip(values, gradient).map { kept * $0 + new * $1 * $1 }, iterations: iterations + added)
    }
}
