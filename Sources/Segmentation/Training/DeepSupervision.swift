import TensorEngine

/// nnU-Net's deep-supervision loss: Dice + CE on each decoder level's logits against the
/// label downsampled to that level by nearest-exact sampling, with weights 1, ½, ¼, …, the
/// lowest-resolution level's set to 0, normalised to sum to 1.
struct DeepSupervisionLoss {
    /// Cumulative downsampling factor of each output level (highest resolution first), per axis.
    let scales: [[Int]]
    let weights: [Float]
    let batchDice: Bool

    init(configuration: PlainConvUNetConfiguration, batchDice: Bool) {
        var cumulative = [Int](repeating: 1, count: configuration.spatialRank)
        var perStage: [[Int]] = []
        for stride in configuration.strides {
            cumulative = zip(cumulative, stride).map { $0 * $1 }
            perStage.append(cumulative)
        }
        // Output level i sits at the resolution of encoder stage i.
        scales = Array(perStage.prefix(configuration.stageCount - 1))
        var raw = (0..<scales.count).map { Float(1) / Float(1 << $0) }
        if raw.count > 1 { raw[raw.count - 1] = 0 }
        let total = raw.reduce(0, +)
        weights = raw.map { $0 / total }
        self.batchDice = batchDice
    }

    /// The weighted loss over `outputs` (highest resolution first) for labels [B, 1, spatial...].
    func callAsFunction(_ outputs: [Tensor], labels: Tensor) throws -> Tensor {
        var total: Tensor?
        for (level, logits) in outputs.enumerated() where weights[level] > 0 {
            let target = try downsample(labels, by: scales[level], to: Array(logits.shape.dims.dropFirst(2)))
            let term = try SegmentationLoss.diceCrossEntropy(logits: logits, target: target, batchDice: batchDice) * weights[level]
            total = try total.map { try $0 + term } ?? term
        }
        return total!
    }

    /// Nearest-exact downsampling (PyTorch `interpolate(mode="nearest-exact")`): output index i
    /// reads input index ⌊(i + ½)·s⌋.
    private func downsample(_ labels: Tensor, by scale: [Int], to size: [Int]) throws -> Tensor {
        guard scale.contains(where: { $0 != 1 }) else { return labels }
        let dims = labels.shape.dims, spatial = Array(dims.dropFirst(2))
        let planes = dims[0] * dims[1]
        let result = Tensor.zeros(Shape(Array(dims.prefix(2)) + size))
        let inVoxels = spatial.reduce(1, *), outVoxels = size.reduce(1, *)
        let padded = [Int](repeating: 1, count: 3 - size.count)
        let s3 = padded + scale, in3 = padded + spatial, out3 = padded + size
        for p in 0..<planes {
            var o = 0
            for z in 0..<out3[0] {
                let iz = min(in3[0] - 1, z * s3[0] + s3[0] / 2)
                for y in 0..<out3[1] {
                    let iy = min(in3[1] - 1, y * s3[1] + s3[1] / 2)
                    for x in 0..<out3[2] {
                        let ix = min(in3[2] - 1, x * s3[2] + s3[2] / 2)
                        result.pointer[p * outVoxels + o] = labels.pointer[p * inVoxels + (iz * in3[1] + iy) * in3[2] + ix]
                        o += 1
                    }
                }
            }
        }
        return result
    }
}
