import TensorEngine

/// Scales all gradients so their joint L2 norm is at most `maxNorm`, as
/// `torch.nn.utils.clip_grad_norm_` does (coefficient maxNorm / (norm + 1e-6), capped at 1).
/// Returns the norm before clipping; a non-finite norm is returned without scaling.
@discardableResult
public func clipGradientNorm(_ parameters: [Tensor], maxNorm: Float) -> Float {
    var total = 0.0
    for p in parameters {
        guard let g = p.grad else { continue }
        for i in 0..<g.count { total += Double(g.pointer[i]) * Double(g.pointer[i]) }
    }
    let norm = Float(total.squareRoot())
    guard norm.isFinite else { return norm }
    let coefficient = maxNorm / (norm + 1e-6)
    if coefficient < 1 {
        for p in parameters {
            guard let g = p.grad else { continue }
            for i in 0..<g.count { g.pointer[i] *= coefficient }
        }
    }
    return norm
}
