import Foundation
import NeuralNetwork

/// Which of Adam's running means of the gradient an estimate keeps.
public enum AdamMoment: Sendable, Equatable {
    /// The mean gradient (Adam's `exp_avg`), decaying by β₁ per iteration.
    case first
    /// The mean squared gradient (Adam's `exp_avg_sq`), decaying by β₂ per iteration.
    case second

    /// The decay per iteration, as the zoo's runs used it.
    var decay: Double { Double(self == .first ? Adam.defaultBeta1 : Adam.defaultBeta2) }

    /// What one iteration's gradient adds to the mean.
    func term(_ gradient: Float) -> Float { self == .first ? gradient : gradient * gradient }
}

/// A running mean of each parameter's gradient or squared gradient, as Adam keeps it, with the
/// bias of its zero start divided out: what the learned optimiser reads under a
/// `GradientHistory`. In distillation it is the run's recorded Adam estimate with the
/// checkpoint's gradient added for one horizon; in a generation it is kept over the calls,
/// each call's gradient standing for `horizon` iterations (decay d per iteration, d^horizon per call).
public struct MomentEstimate: Sendable, Equatable {
    public let moment: AdamMoment
    /// The bias-corrected estimate.
    public private(set) var values: [Float]
    /// Iterations the estimate stands for.
    public private(set) var iterations: Int

    /// An estimate over `iterations` iterations (with 0, `values` are not read: nothing has been seen).
    public init(_ moment: AdamMoment, values: [Float], iterations: Int) {
        self.moment = moment
        self.values = values
        self.iterations = iterations
    }

    /// No gradient seen yet.
    public static func empty(_ moment: AdamMoment, count: Int) -> MomentEstimate {
        MomentEstimate(moment, values: [Float](repeating: 0, count: count), iterations: 0)
    }

    /// The estimate after `gradient`, read once, stands for `iterations` more iterations: Adam's
    /// update of the raw mean over those iterations with that gradient, bias corrected again.
    public func adding(_ gradient: [Float], iterations added: Int) -> MomentEstimate {
        let beta = moment.decay
        let before = 1 - pow(beta, Double(iterations)), after = 1 - pow(beta, Double(iterations + added))
        let kept = Float(pow(beta, Double(added)) * before / after), new = Float((1 - pow(beta, Double(added))) / after)
        return MomentEstimate(moment, values: zip(values, gradient).map { kept * $0 + new * moment.term($1) }, iterations: iterations + added)
    }
}

/// The running moments a call reads under a `GradientHistory`: the second always, the first
/// with a history that reads it (`GradientHistory.readsFirstMoment`).
public struct GradientMoments: Sendable, Equatable {
    public var second: MomentEstimate
    public var first: MomentEstimate?

    public init(second: MomentEstimate, first: MomentEstimate? = nil) {
        self.second = second
        self.first = first
    }

    /// Nothing seen yet, for `count` parameters; nil for a history that reads no moment.
    public static func empty(count: Int, history: GradientHistory) -> GradientMoments? {
        switch history {
        case .none: nil
        case .secondMoment: GradientMoments(second: .empty(.second, count: count))
        case .adamMoments, .adamStep: GradientMoments(second: .empty(.second, count: count), first: .empty(.first, count: count))
        }
    }

    /// Both estimates after `gradient` stands for `iterations` more iterations.
    public func adding(_ gradient: [Float], iterations: Int) -> GradientMoments {
        GradientMoments(second: second.adding(gradient, iterations: iterations), first: first?.adding(gradient, iterations: iterations))
    }
}

extension MomentEstimate {
    /// Estimates of one moment over the same number of iterations, averaged parameter-wise.
    static func mean(_ estimates: [MomentEstimate]) -> MomentEstimate {
        MomentEstimate(estimates[0].moment, values: parameterwiseMean(estimates.map(\.values)), iterations: estimates[0].iterations)
    }
}

extension GradientMoments {
    /// The moments of forks that read the same calls, averaged parameter-wise.
    static func mean(_ moments: [GradientMoments]) -> GradientMoments {
        let firsts = moments.compactMap(\.first)
        return GradientMoments(second: .mean(moments.map(\.second)), first: firsts.isEmpty ? nil : .mean(firsts))
    }
}
