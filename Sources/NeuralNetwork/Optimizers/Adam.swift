#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import TensorEngine

/// Adam and AdamW, following `torch.optim.Adam` / `AdamW`: with `decoupled` the weight decay
/// shrinks parameters directly (AdamW), otherwise it is added to the gradient (Adam's L2).
public final class Adam: Optimizer {
    public var learningRate: Float
    public let groups: [ParameterGroup]
    public let beta1: Float, beta2: Float, eps: Float
    public let decoupledWeightDecay: Bool
    /// First and second moment estimates keyed by parameter name.
    public private(set) var firstMoments: [String: Tensor] = [:]
    public private(set) var secondMoments: [String: Tensor] = [:]
    /// Steps taken per parameter name.
    public private(set) var steps: [String: Int] = [:]

    /// PyTorch's default decay of the first moment.
    public static let defaultBeta1: Float = 0.9
    /// PyTorch's default decay of the second moment.
    public static let defaultBeta2: Float = 0.999

    public init(groups: [ParameterGroup], learningRate: Float = 1e-3, beta1: Float = defaultBeta1, beta2: Float = defaultBeta2,
                eps: Float = 1e-8, decoupledWeightDecay: Bool = false) {
        self.groups = groups
        self.learningRate = learningRate
        self.beta1 = beta1; self.beta2 = beta2; self.eps = eps
        self.decoupledWeightDecay = decoupledWeightDecay
    }

    /// AdamW: Adam with decoupled weight decay (PyTorch's default decay is 0.01).
    public static func adamW(groups: [ParameterGroup], learningRate: Float = 1e-3, beta1: Float = 0.9,
                             beta2: Float = 0.999, eps: Float = 1e-8) -> Adam {
        Adam(groups: groups, learningRate: learningRate, beta1: beta1, beta2: beta2, eps: eps, decoupledWeightDecay: true)
    }

    /// Restores moments and step counts saved from an earlier run, so training resumes exactly.
    public func restore(firstMoments: [String: Tensor], secondMoments: [String: Tensor], steps: [String: Int]) {
        self.firstMoments = firstMoments
        self.secondMoments = secondMoments
        self.steps = steps
    }

    /// The moments with the bias of their zero start divided out, as the next step uses them.
    public func moments() -> OptimizerMoments {
        func corrected(_ moments: [String: Tensor], beta: Float) -> [String: Tensor] {
            moments.reduce(into: [:]) { result, entry in
                // A state restored before any step has taken none: its moments are zero.
                let correction = 1 - powf(beta, Float(steps[entry.key] ?? 0)), scale = correction > 0 ? 1 / correction : 0
                let copy = entry.value.copy(), pointer = copy.pointer
                for i in 0..<copy.count { pointer[i] *= scale }
                result[entry.key] = copy
            }
        }
        return OptimizerMoments(first: corrected(firstMoments, beta: beta1), second: corrected(secondMoments, beta: beta2))
    }

    /// The moments `moments()` returned after `steps` steps, with their bias put back; a
    /// parameter without moments has not been stepped.
    public func restore(_ moments: OptimizerMoments, steps count: Int) throws {
        guard let second = moments.second else {
            throw TensorError.invalidArgument(op: "Adam.restore", reason: "the state has no second moment (an SGD state?)")
        }
        func raw(_ corrected: [String: Tensor], beta: Float) -> [String: Tensor] {
            corrected.mapValues { tensor in
                let copy = tensor.copy(), pointer = copy.pointer, correction = 1 - powf(beta, Float(count))
                for i in 0..<copy.count { pointer[i] *= correction }
                return copy
            }
        }
        restore(firstMoments: raw(moments.first, beta: beta1), secondMoments: raw(second, beta: beta2),
                steps: moments.first.mapValues { _ in count })
    }

    public func step() throws {
        try checkGradientsFinite()
        for group in groups {
            let lr = learningRate * group.learningRateScale, wd = group.weightDecay
            for (name, param) in group.parameters {
                guard let grad = param.grad else { continue }
                let m = firstMoments[name] ?? Tensor.zeros(param.shape)
                let v = secondMoments[name] ?? Tensor.zeros(param.shape)
                firstMoments[name] = m
                secondMoments[name] = v
                let t = (steps[name] ?? 0) + 1
                steps[name] = t
                let biasCorrection1 = 1 - powf(beta1, Float(t))
                let biasCorrection2Root = (1 - powf(beta2, Float(t))).squareRoot()
                let stepSize = lr / biasCorrection1
                let p = param.pointer, g = grad.pointer, pm = m.pointer, pv = v.pointer
                for i in 0..<param.count {
                    var gi = g[i]
                    if decoupledWeightDecay {
                        p[i] *= 1 - lr * wd
                    } else {
                        gi += wd * p[i]
                    }
                    pm[i] = beta1 * pm[i] + (1 - beta1) * gi
                    pv[i] = beta2 * pv[i] + (1 - beta2) * gi * gi
                    let denominator = pv[i].squareRoot() / biasCorrection2Root + eps
                    p[i] -= stepSize * pm[i] / denominator
                }
            }
        }
    }
}
