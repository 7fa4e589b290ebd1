#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Segmentation losses with nnU-Net's semantics, over logits [N, C, spatial...] and integer
/// class maps [N, spatial...] or [N, 1, spatial...] stored as Float.
public enum SegmentationLoss {
    /// Checks shapes and returns (batch, classes, voxels per sample) and the class of every
    /// voxel, validated to lie in 0..<classes.
    static func layout(logits: Tensor, target: Tensor, op: String) throws -> (Int, Int, Int, [Int32]) {
        guard logits.rank >= 3 else {
            throw TensorError.invalidShape(op: op, shape: logits.shape, reason: "logits must be [N, C, spatial...]")
        }
        let batch = logits.shape[0], classes = logits.shape[1]
        let spatial = Array(logits.shape.dims.dropFirst(2))
        let fits = target.shape.dims == [batch] + spatial || target.shape.dims == [batch, 1] + spatial
        guard fits else {
            throw TensorError.shapeMismatch(op: op, lhs: logits.shape, rhs: target.shape,
                                            reason: "target must be [N, spatial...] or [N, 1, spatial...] class indices")
        }
        let voxels = spatial.reduce(1, *)
        var labels = [Int32](repeating: 0, count: target.count)
        for i in 0..<target.count {
            let value = target.pointer[i]
            guard value >= 0, value < Float(classes), value == value.rounded() else {
                throw TensorError.invalidArgument(op: op, reason: "target value \(value) at \(i) is not a class index in 0..<\(classes)")
            }
            labels[i] = Int32(value)
        }
        return (batch, classes, voxels, labels)
    }

    /// Mean cross-entropy over every voxel (PyTorch `cross_entropy`, reduction "mean").
    public static func crossEntropy(logits: Tensor, target: Tensor) throws -> Tensor {
        let (batch, classes, voxels, labels) = try layout(logits: logits, target: target, op: "cross_entropy")
        let probabilities = Storage(count: logits.count)
        softmaxKernel(logits.pointer, probabilities.pointer, AxisView(logits.shape, axis: 1))
        let value = crossEntropyValue(probabilities.pointer, labels, batch: batch, classes: classes, voxels: voxels)
        return Tensor.record(Storage(copying: [value]), [], op: "cross_entropy", inputs: [logits]) { g in
            let gx = Tensor.zeros(logits.shape)
            addCrossEntropyGradient(probabilities.pointer, labels, scale: g.item, batch: batch, classes: classes,
                                    voxels: voxels, into: gx.pointer)
            return [gx]
        }
    }

    /// nnU-Net's `MemoryEfficientSoftDiceLoss` with softmax: −mean Dice over foreground
    /// classes (and samples unless `batchDice`), Dice = (2·I + smooth) / max(G + P + smooth, 1e-8).
    public static func softDice(logits: Tensor, target: Tensor, batchDice: Bool, smooth: Float = 1e-5,
                                includeBackground: Bool = false) throws -> Tensor {
        let (batch, classes, voxels, labels) = try layout(logits: logits, target: target, op: "soft_dice")
        let probabilities = Storage(count: logits.count)
        softmaxKernel(logits.pointer, probabilities.pointer, AxisView(logits.shape, axis: 1))
        let dice = DiceTerms(probabilities, labels, batch: batch, classes: classes, voxels: voxels,
                             batchDice: batchDice, smooth: smooth, firstClass: includeBackground ? 0 : 1)
        return Tensor.record(Storage(copying: [-dice.meanDice]), [], op: "soft_dice", inputs: [logits]) { g in
            let gx = Tensor.zeros(logits.shape)
            dice.addGradient(scale: g.item, into: gx.pointer)
            return [gx]
        }
    }

    /// nnU-Net's default training loss `DC_and_CE_loss` (weights 1:1, do_bg false, smooth
    /// 1e-5): cross-entropy − soft Dice, sharing one softmax.
    public static func diceCrossEntropy(logits: Tensor, target: Tensor, batchDice: Bool, smooth: Float = 1e-5) throws -> Tensor {
        let (batch, classes, voxels, labels) = try layout(logits: logits, target: target, op: "dice_cross_entropy")
        let probabilities = Storage(count: logits.count)
        softmaxKernel(logits.pointer, probabilities.pointer, AxisView(logits.shape, axis: 1))
        let ce = crossEntropyValue(probabilities.pointer, labels, batch: batch, classes: classes, voxels: voxels)
        let dice = DiceTerms(probabilities, labels, batch: batch, classes: classes, voxels: voxels,
                             batchDice: batchDice, smooth: smooth, firstClass: 1)
        return Tensor.record(Storage(copying: [ce - dice.meanDice]), [], op: "dice_cross_entropy", inputs: [logits]) { g in
            let gx = Tensor.zeros(logits.shape)
            addCrossEntropyGradient(probabilities.pointer, labels, scale: g.item, batch: batch, classes: classes,
                                    voxels: voxels, into: gx.pointer)
            dice.addGradient(scale: g.item, into: gx.pointer)
            return [gx]
        }
    }

    /// Mean squared error, mean over all elements.
    public static func meanSquaredError(_ x: Tensor, _ y: Tensor) throws -> Tensor {
        guard x.shape == y.shape else {
            throw TensorError.shapeMismatch(op: "mse_loss", lhs: x.shape, rhs: y.shape, reason: "shapes must be equal")
        }
        var total = 0.0
        for i in 0..<x.count { let d = Double(x.pointer[i] - y.pointer[i]); total += d * d }
        let n = Float(max(x.count, 1))
        return Tensor.record(Storage(copying: [Float(total / Double(n))]), [], op: "mse_loss", inputs: [x, y]) { g in
            let scale = 2 * g.item / n
            let diff = mapped(x, y) { a, b in (a - b) * scale }
            return [x.requiresGrad ? diff : nil, y.requiresGrad ? -diff : nil]
        }
    }
}

private func crossEntropyValue(_ p: UnsafePointer<Float>, _ labels: [Int32], batch: Int, classes: Int, voxels: Int) -> Float {
    var total = 0.0
    for n in 0..<batch {
        for v in 0..<voxels {
            let label = Int(labels[n * voxels + v])
            total -= Double(logf(max(p[(n * classes + label) * voxels + v], .leastNormalMagnitude)))
        }
    }
    return Float(total / Double(max(batch * voxels, 1)))
}

/// gx += scale · (softmax − onehot) / (N·voxels).
private func addCrossEntropyGradient(_ p: UnsafePointer<Float>, _ labels: [Int32], scale: Float, batch: Int, classes: Int,
                                     voxels: Int, into gx: UnsafeMutablePointer<Float>) {
    let factor = scale / Float(max(batch * voxels, 1))
    for n in 0..<batch {
        for c in 0..<classes {
            let base = (n * classes + c) * voxels
            for v in 0..<voxels {
                let onehot: Float = labels[n * voxels + v] == Int32(c) ? 1 : 0
                gx[base + v] += factor * (p[base + v] - onehot)
            }
        }
    }
}

/// Intersections and sums of nnU-Net's soft Dice, kept for the backward pass.
private struct DiceTerms {
    /// The softmax probabilities, kept alive for the backward pass.
    let storage: Storage
    let labels: [Int32]
    let batch: Int, classes: Int, voxels: Int, firstClass: Int, batchDice: Bool
    /// Per (sample or 1, class) intersection, predicted and ground-truth sums.
    var intersect: [Double], predicted: [Double], truth: [Double]
    let smooth: Double
    let meanDice: Float

    init(_ probabilities: Storage, _ labels: [Int32], batch: Int, classes: Int, voxels: Int,
         batchDice: Bool, smooth: Float, firstClass: Int) {
        storage = probabilities
        let p = probabilities.pointer
        self.labels = labels
        self.batch = batch; self.classes = classes; self.voxels = voxels
        self.firstClass = firstClass; self.batchDice = batchDice; self.smooth = Double(smooth)
        let rows = batchDice ? 1 : batch
        intersect = [Double](repeating: 0, count: rows * classes)
        predicted = intersect; truth = intersect
        for n in 0..<batch {
            let row = batchDice ? 0 : n
            for c in firstClass..<classes {
                var i = 0.0, s = 0.0, t = 0.0
                let base = (n * classes + c) * voxels
                for v in 0..<voxels {
                    let prob = Double(p[base + v])
                    s += prob
                    if labels[n * voxels + v] == Int32(c) { i += prob; t += 1 }
                }
                intersect[row * classes + c] += i
                predicted[row * classes + c] += s
                truth[row * classes + c] += t
            }
        }
        var total = 0.0
        for row in 0..<rows {
            for c in firstClass..<classes {
                let k = row * classes + c
                total += (2 * intersect[k] + self.smooth) / max(truth[k] + predicted[k] + self.smooth, 1e-8)
            }
        }
        meanDice = Float(total / Double(max(rows * (classes - firstClass), 1)))
    }

    /// gx += scale · d(−meanDice)/d(logits), through the softmax.
    func addGradient(scale: Float, into gx: UnsafeMutablePointer<Float>) {
        let probabilities = storage.pointer
        let rows = batchDice ? 1 : batch
        let terms = Double(max(rows * (classes - firstClass), 1))
        var dProb = [Float](repeating: 0, count: classes)
        for n in 0..<batch {
            let row = batchDice ? 0 : n
            var clipped = [Bool](repeating: false, count: classes)
            var a = [Double](repeating: 0, count: classes), b = a
            for c in firstClass..<classes {
                let k = row * classes + c
                let denominator = truth[k] + predicted[k] + smooth
                clipped[c] = denominator < 1e-8
                let d = max(denominator, 1e-8)
                // d dice / d p = 2·y/d − (2I + s)·[d not clipped]/d²; loss is −mean dice.
                a[c] = -Double(scale) * 2 / d / terms
                b[c] = clipped[c] ? 0 : Double(scale) * (2 * intersect[k] + smooth) / (d * d) / terms
            }
            for v in 0..<voxels {
                let label = Int(labels[n * voxels + v])
                var dot: Float = 0
                for c in 0..<classes {
                    var value = 0.0
                    if c >= firstClass { value = (label == c ? a[c] : 0) + b[c] }
                    dProb[c] = Float(value)
                    dot += dProb[c] * probabilities[(n * classes + c) * voxels + v]
                }
                for c in 0..<classes {
                    let i = (n * classes + c) * voxels + v
                    gx[i] += probabilities[i] * (dProb[c] - dot)
                }
            }
        }
    }
}
