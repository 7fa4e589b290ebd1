/// Voxel counts of one label in a prediction against a reference, and the Dice coefficient.
public struct OverlapCounts: Codable, Equatable, Sendable {
    /// Voxels with the label in both masks.
    public var truePositives: Int
    /// Voxels with the label only in the prediction.
    public var falsePositives: Int
    /// Voxels with the label only in the reference.
    public var falseNegatives: Int

    /// Counts given directly.
    public init(truePositives: Int, falsePositives: Int, falseNegatives: Int) {
        self.truePositives = truePositives
        self.falsePositives = falsePositives
        self.falseNegatives = falseNegatives
    }

    /// Counts `label` in two masks of equal length.
    public init(prediction: [UInt8], reference: [UInt8], label: UInt8) {
        precondition(prediction.count == reference.count, "masks of different sizes")
        var truePositives = 0, falsePositives = 0, falseNegatives = 0
        for (predicted, actual) in zip(prediction, reference) {
            let inPrediction = predicted == label, inReference = actual == label
            if inPrediction && inReference {
                truePositives += 1
            } else if inPrediction {
                falsePositives += 1
            } else if inReference {
                falseNegatives += 1
            }
        }
        self.init(truePositives: truePositives, falsePositives: falsePositives, falseNegatives: falseNegatives)
    }

    /// Whether either mask holds the label: only then does a case count toward a mean Dice (as
    /// nnU-Net leaves out a case where prediction and reference are both empty).
    public var holdsLabel: Bool { truePositives + falsePositives + falseNegatives > 0 }

    /// 2·TP / (2·TP + FP + FN). When neither mask holds the label this is 1 (a correct empty
    /// prediction); nnU-Net reports NaN there instead, which would poison means and cannot be written as JSON.
    public var dice: Double {
        let denominator = 2 * truePositives + falsePositives + falseNegatives
        return denominator == 0 ? 1 : Double(2 * truePositives) / Double(denominator)
    }

    enum CodingKeys: String, CodingKey {
        case truePositives = "tp", falsePositives = "fp", falseNegatives = "fn"
    }
}
