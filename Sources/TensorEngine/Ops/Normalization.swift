/// Instance norm and layer norm with fused forward and backward kernels.
extension Tensor {
    /// InstanceNorm with affine parameters (nnU-Net's norm): each (sample, channel) map of
    /// [N, C, spatial...] is normalised by its own mean and biased variance, then scaled by
    /// `weight[c]` and shifted by `bias[c]`.
    public func instanceNorm(weight: Tensor, bias: Tensor, eps: Float = 1e-5) throws -> Tensor {
        guard rank >= 3 else {
            throw TensorError.invalidShape(op: "instance_norm", shape: shape, reason: "needs [N, C, spatial...]")
        }
        let channels = shape[1]
        guard weight.shape == Shape([channels]), bias.shape == Shape([channels]) else {
            throw TensorError.shapeMismatch(op: "instance_norm", lhs: shape, rhs: weight.shape, reason: "weight and bias must be [\(channels)]")
        }
        return normalize(op: "instance_norm", groups: shape[0] * channels, groupSize: count / max(shape[0] * channels, 1),
                         weight: weight, bias: bias, eps: eps, parameterIndex: { $0 % channels }, parameterStride: 0)
    }

    /// LayerNorm over the last axis with affine parameters of that axis' extent.
    public func layerNorm(weight: Tensor, bias: Tensor, eps: Float = 1e-5) throws -> Tensor {
        guard rank >= 1 else { throw TensorError.invalidShape(op: "layer_norm", shape: shape, reason: "needs at least one axis") }
        let features = shape[-1]
        guard weight.shape == Shape([features]), bias.shape == Shape([features]) else {
            throw TensorError.shapeMismatch(op: "layer_norm", lhs: shape, rhs: weight.shape, reason: "weight and bias must be [\(features)]")
        }
        return normalize(op: "layer_norm", groups: count / max(features, 1), groupSize: features,
                         weight: weight, bias: bias, eps: eps, parameterIndex: { _ in 0 }, parameterStride: 1)
    }

    /// Normalises contiguous groups. Instance norm has one parameter per group
    /// (`parameterIndex(group)`, stride 0); layer norm one per element (index 0, stride 1).
    private func normalize(op: String, groups: Int, groupSize: Int, weight: Tensor, bias: Tensor, eps: Float,
                           parameterIndex: @escaping (Int) -> Int, parameterStride: Int) -> Tensor {
        let result = Storage(uninitializedCount: count)
        let normalized = Storage(uninitializedCount: count)
        let inverseStd = Storage(count: groups)
        let x = pointer, y = result.pointer, xhat = normalized.pointer, istd = inverseStd.pointer
        let w = weight.pointer, b = bias.pointer
        parallelFor(groups, grain: max(1, (1 << 14) / max(groupSize, 1))) { range in
            for group in range {
                let base = group * groupSize
                let mean = vectorSum(x + base, groupSize) / Double(groupSize)
                let squares = vectorSquaredDeviation(x + base, groupSize, mean: Float(mean))
                let inv = Float(1 / (squares / Double(groupSize) + Double(eps)).squareRoot())
                istd[group] = inv
                let p = parameterIndex(group), m = Float(mean)
                // Pointers offset once, outside the loops: an index sum inside would be overflow-checked
                // per element, which keeps the loop from vectorising.
                let xs = x + base, hs = xhat + base, ys = y + base
                if parameterStride == 0 {
                    let scale = w[p], shift = b[p]
                    for i in 0..<groupSize {
                        let h = (xs[i] - m) * inv
                        hs[i] = h
                        ys[i] = h * scale + shift
                    }
                    continue
                }
                let ws = w + p, bs = b + p
                for i in 0..<groupSize {
                    let h = (xs[i] - m) * inv
                    hs[i] = h
                    ys[i] = h * ws[i] + bs[i]
                }
            }
        }
        let inputShape = shape
        return Tensor.record(result, shape, op: op, inputs: [self, weight, bias]) { grad in
            let g = grad.pointer, xhat = normalized.pointer, istd = inverseStd.pointer
            let grain = max(1, (1 << 14) / max(groupSize, 1))
            // Σ g and Σ g·x̂ per group: with one parameter per group (instance norm) they give
            // both the input gradient's means and the parameter gradients.
            var sumGrad = [Double](repeating: 0, count: groups), sumGradXhat = sumGrad
            if parameterStride == 0 {
                sumGrad.withUnsafeMutableBufferPointer { sg in
                    sumGradXhat.withUnsafeMutableBufferPointer { sgx in
                        parallelFor(groups, grain: grain) { range in
                            for group in range {
                                let base = group * groupSize
                                sg[group] = vectorSum(g + base, groupSize)
                                sgx[group] = vectorDot(g + base, xhat + base, groupSize)
                            }
                        }
                    }
                }
            }
            var gx: Tensor?
            if self.requiresGrad {
                let out = Tensor.uninitialized(inputShape)
                let dx = out.pointer
                sumGrad.withUnsafeBufferPointer { sg in
                    sumGradXhat.withUnsafeBufferPointer { sgx in
                        parallelFor(groups, grain: grain) { range in
                            for group in range {
                                let base = group * groupSize, p = parameterIndex(group), inv = istd[group]
                                if parameterStride == 0 {
                                    let scale = w[p]
                                    let meanDy = scale * Float(sg[group] / Double(groupSize))
                                    let meanDyXhat = scale * Float(sgx[group] / Double(groupSize))
                                    let gs = g + base, hs = xhat + base, dxs = dx + base
                                    for i in 0..<groupSize { dxs[i] = inv * (gs[i] * scale - meanDy - hs[i] * meanDyXhat) }
                                    continue
                                }
                                var sumDy = 0.0, sumDyXhat = 0.0
                                for i in 0..<groupSize {
                                    let dy = Double(g[base + i] * w[p + i * parameterStride])
                                    sumDy += dy
                                    sumDyXhat += dy * Double(xhat[base + i])
                                }
                                let meanDy = Float(sumDy / Double(groupSize)), meanDyXhat = Float(sumDyXhat / Double(groupSize))
                                for i in 0..<groupSize {
                                    let dy = g[base + i] * w[p + i * parameterStride]
                                    dx[base + i] = inv * (dy - meanDy - xhat[base + i] * meanDyXhat)
                                }
                            }
                        }
                    }
                }
                gx = out
            }
            var gw: Tensor?, gb: Tensor?
            if weight.requiresGrad || bias.requiresGrad {
                var dwAcc = [Double](repeating: 0, count: weight.count), dbAcc = dwAcc
                for group in 0..<groups {
                    let base = group * groupSize, p = parameterIndex(group)
                    if parameterStride == 0 {
                        dwAcc[p] += sumGradXhat[group]
                        dbAcc[p] += sumGrad[group]
                        continue
                    }
                    for i in 0..<groupSize {
                        let j = p + i * parameterStride
                        dwAcc[j] += Double(g[base + i] * xhat[base + i])
                        dbAcc[j] += Double(g[base + i])
                    }
                }
                gw = try? Tensor(shape: weight.shape, values: dwAcc.map(Float.init))
                gb = try? Tensor(shape: bias.shape, values: dbAcc.map(Float.init))
            }
            return [gx, weight.requiresGrad ? gw : nil, bias.requiresGrad ? gb : nil]
        }
    }
}
