import TensorEngine

/// The foreground Dice of the argmax of `logits` ([N, classes, voxels...]) against `labels`
/// ([N, voxels...], class indices as values), the batch's voxels pooled: per foreground class
/// present in either mask, averaged over those classes (1 where none is present, as
/// `OverlapCounts.dice`). What a training batch's own forward pass tells of the network for
/// free, where a validation Dice needs its own pass over the validation cases.
public func pooledForegroundDice(logits: Tensor, labels: Tensor) -> Double {
    let samples = logits.shape[0], classes = logits.shape[1]
    let voxels = logits.count / max(samples * classes, 1)
    precondition(labels.count == samples * voxels, "labels for \(labels.count) voxels, logits for \(samples * voxels)")
    var counts = [OverlapCounts](repeating: OverlapCounts(truePositives: 0, falsePositives: 0, falseNegatives: 0), count: classes)
    let values = logits.scalars, reference = labels.scalars
    for n in 0..<samples {
        let base = n * classes * voxels
        for v in 0..<voxels {
            var predicted = 0
            for k in 1..<classes where values[base + k * voxels + v] > values[base + predicted * voxels + v] { predicted = k }
            let actual = Int(reference[n * voxels + v])
            guard predicted != actual else {
                counts[actual].truePositives += 1
                continue
            }
            counts[predicted].falsePositives += 1
            if actual < classes { counts[actual].falseNegatives += 1 }
        }
    }
    let present = counts.dropFirst().filter(\.holdsLabel)
    return present.isEmpty ? 1 : present.map(\.dice).reduce(0, +) / Double(present.count)
}
