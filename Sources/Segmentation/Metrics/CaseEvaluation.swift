/// The metrics of one label in one case.
public struct ClassMetrics: Codable, Equatable, Sendable {
    /// The label value.
    public var label: Int
    /// Dice coefficient (1 when both masks lack the label; see `OverlapCounts.dice`).
    public var dice: Double
    /// True positive, false positive and false negative voxel counts.
    public var counts: OverlapCounts
    /// 95th percentile Hausdorff distance in mm; nil when either mask lacks the label.
    public var hausdorff95: Double?
    /// Average symmetric surface distance in mm; nil when either mask lacks the label.
    public var averageSurfaceDistance: Double?

    enum CodingKeys: String, CodingKey {
        case label, dice, counts, hausdorff95 = "hd95", averageSurfaceDistance = "assd"
    }
}

/// The metrics of one case: per label, and the mean Dice over those labels.
public struct CaseEvaluation: Codable, Equatable, Sendable {
    /// The case identifier.
    public var identifier: String
    /// The mean Dice over `classes` (for a binary task: the foreground's Dice).
    public var dice: Double
    /// Per-label metrics, in the order the labels were asked for.
    public var classes: [ClassMetrics]

    /// Compares `prediction` with `reference` (label masks filling `geometry`) for each of `labels`
    /// (normally every foreground label). Surface distances cost two distance transforms per label;
    /// `surfaceDistances: false` skips them.
    public init(identifier: String, prediction: [UInt8], reference: [UInt8], geometry: GridGeometry,
                labels: [UInt8] = [1], surfaceDistances: Bool = true) throws {
        guard prediction.count == geometry.voxelCount, reference.count == geometry.voxelCount else {
            throw MetricsError.sizeMismatch(case: identifier, prediction: prediction.count, reference: reference.count,
                                            expected: geometry.voxelCount)
        }
        guard !labels.isEmpty else { throw MetricsError.invalidRequest("case \(identifier): no labels to evaluate") }
        self.identifier = identifier
        classes = labels.map { label in
            let counts = OverlapCounts(prediction: prediction, reference: reference, label: label)
            let distances = surfaceDistances
                ? SurfaceDistances(prediction: prediction, reference: reference, label: label, geometry: geometry) : nil
            return ClassMetrics(label: Int(label), dice: counts.dice, counts: counts,
                                hausdorff95: distances?.hausdorff95, averageSurfaceDistance: distances?.averageSymmetric)
        }
        dice = classes.map(\.dice).reduce(0, +) / Double(classes.count)
    }

    enum CodingKeys: String, CodingKey {
        case identifier = "case", dice, classes
    }
}
