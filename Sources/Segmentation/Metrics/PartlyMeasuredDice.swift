/// The mean foreground Dice of a binary segmentation over cases, measured a part of a case at a
/// time: what the measured parts fix, and the most the unmeasured rest can still bring. A case
/// counts as the evaluator counts it: where reference or prediction holds foreground, with Dice
/// 2·TP / (2·TP + FP + FN); the mean is over the cases in the order given.
public struct PartlyMeasuredDice: Sendable {
    private var counts: [OverlapCounts]
    /// Per case, the reference foreground voxels in parts not yet measured.
    private var unmeasuredForeground: [Int]

    /// Cases whose references hold `referenceForeground[c]` foreground voxels, none measured yet.
    public init(referenceForeground: [Int]) {
        counts = referenceForeground.map { _ in OverlapCounts(truePositives: 0, falsePositives: 0, falseNegatives: 0) }
        unmeasuredForeground = referenceForeground
    }

    /// Adds a measured part of case `c`; its reference foreground (TP + FN) leaves the unmeasured.
    public mutating func add(_ part: OverlapCounts, toCase c: Int) {
        let foreground = part.truePositives + part.falseNegatives
        precondition(foreground <= unmeasuredForeground[c], "case \(c): a part holds more reference foreground than is left unmeasured")
        counts[c].truePositives += part.truePositives
        counts[c].falsePositives += part.falsePositives
        counts[c].falseNegatives += part.falseNegatives
        unmeasuredForeground[c] -= foreground
    }

    /// The most the mean can come to: every unmeasured reference voxel found and no further voxel
    /// wrong; a case without foreground so far is left out, as it is if its rest predicts none.
    /// Once every part of every case is measured, the mean itself.
    public var upperBound: Double {
        var sum = 0.0, included = 0
        for (measured, unmeasured) in zip(counts, unmeasuredForeground) {
            let best = OverlapCounts(truePositives: measured.truePositives + unmeasured, falsePositives: measured.falsePositives,
                                     falseNegatives: measured.falseNegatives)
            guard best.holdsLabel else { continue }
            sum += best.dice
            included += 1
        }
        return included == 0 ? 0 : sum / Double(included)
    }
}
