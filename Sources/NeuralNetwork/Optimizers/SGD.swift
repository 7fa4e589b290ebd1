import TensorEngine

/// Stochastic gradient descent with momentum, optional Nesterov and L2 weight decay,
/// following `torch.optim.SGD` exactly (nnU-Net: lr 1e-2, momentum 0.99, Nesterov, wd 3e-5).
public final class SGD: Optimizer {
    public var learningRate: Float
    public let groups: [ParameterGroup]
    public let momentum: Float
    public let nesterov: Bool
    /// Momentum buffers keyed by parameter name.
    public private(set) var momentumBuffers: [String: Tensor] = [:]

    public init(groups: [ParameterGroup], learningRate: Float, momentum: Float = 0, nesterov: Bool = false) {
        self.groups = groups
        self.learningRate = learningRate
        self.momentum = momentum
        self.nesterov = nesterov
    }

    public convenience init(parameters: [(name: String, tensor: Tensor)], learningRate: Float, momentum: Float = 0,
                            nesterov: Bool = false, weightDecay: Float = 0) {
        self.init(groups: [ParameterGroup(parameters, weightDecay: weightDecay)], learningRate: learningRate,
                  momentum: momentum, nesterov: nesterov)
    }

    /// The momentum buffers; SGD keeps no second moment.
    public func moments() -> OptimizerMoments {
        OptimizerMoments(first: momentumBuffers.mapValues { $0.copy() }, second: nil)
    }

    /// The momentum buffers `moments()` returned; SGD's step does not depend on the step count.
    public func restore(_ moments: OptimizerMoments, steps: Int) throws {
        guard moments.second == nil else {
            throw TensorError.invalidArgument(op: "SGD.restore", reason: "the state has a second moment (an Adam state?)")
        }
        momentumBuffers = moments.first.mapValues { $0.copy() }
    }

    public func step() throws {
        try checkGradientsFinite()
        for group in groups {
            let lr = learningRate * group.learningRateScale, wd = group.weightDecay
            for (name, param) in group.parameters {
                guard let grad = param.grad else { continue }
                let p = param.pointer, g = grad.pointer, n = param.count
                guard momentum != 0 else {
                    for i in 0..<n { p[i] -= lr * (g[i] + wd * p[i]) }
                    continue
                }
                let buffer: Tensor
                if let existing = momentumBuffers[name] {
                    buffer = existing
                    let b = buffer.pointer
                    for i in 0..<n { b[i] = momentum * b[i] + (g[i] + wd * p[i]) }
                } else {
                    buffer = Tensor.zeros(param.shape)
                    let b = buffer.pointer
                    for i in 0..<n { b[i] = g[i] + wd * p[i] }
                    momentumBuffers[name] = buffer
                }
                let b = buffer.pointer
                if nesterov {
                    for i in 0..<n { p[i] -= lr * ((g[i] + wd * p[i]) + momentum * b[i]) }
                } else {
                    for i in 0..<n { p[i] -= lr * b[i] }
                }
            }
        }
    }
}
