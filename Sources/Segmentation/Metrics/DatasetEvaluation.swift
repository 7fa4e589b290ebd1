/// Mean, median, minimum and maximum of a list of per-case values.
public struct MetricSummary: Codable, Equatable, Sendable {
    /// Number of values summarised.
    public var count: Int
    public var mean: Double
    /// The middle value, or the mean of the two middle values.
    public var median: Double
    public var minimum: Double
    public var maximum: Double

    /// The summary of `values`, or nil when there are none.
    public init?(_ values: [Double]) {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        count = sorted.count
        mean = sorted.reduce(0, +) / Double(sorted.count)
        median = (sorted[(sorted.count - 1) / 2] + sorted[sorted.count / 2]) / 2
        minimum = sorted.first!
        maximum = sorted.last!
    }

    enum CodingKeys: String, CodingKey {
        case count, mean, median, minimum = "min", maximum = "max"
    }
}

/// Per-dataset summaries of one label.
public struct ClassSummary: Codable, Equatable, Sendable {
    /// The label value.
    public var label: Int
    /// Dice over all cases.
    public var dice: MetricSummary
    /// HD95 over the cases where both masks hold the label; nil when there are none.
    public var hausdorff95: MetricSummary?
    /// Average symmetric surface distance over the same cases.
    public var averageSurfaceDistance: MetricSummary?
    /// Cases without a surface distance (a mask lacked the label, or distances were skipped).
    public var casesWithoutSurfaceDistance: Int

    enum CodingKeys: String, CodingKey {
        case label, dice, hausdorff95 = "hd95", averageSurfaceDistance = "assd",
             casesWithoutSurfaceDistance = "cases_without_surface_distance"
    }
}

/// The evaluation of a dataset: every case and summaries per label; encodes as
/// `{"cases": [{"case", "dice", "classes"}], "mean_dice", "classes": [...]}`.
public struct DatasetEvaluation: Codable, Equatable, Sendable {
    /// Per-case results, in the order given.
    public var cases: [CaseEvaluation]
    /// The mean of the cases' Dice.
    public var meanDice: Double
    /// Summaries per label, in the order of the first case's labels.
    public var classes: [ClassSummary]

    /// Summarises cases that were evaluated for the same labels; throws when there are none or
    /// their labels differ.
    public init(cases: [CaseEvaluation]) throws {
        guard let first = cases.first else { throw MetricsError.invalidRequest("no cases to summarise") }
        let labels = first.classes.map(\.label)
        if let odd = cases.first(where: { $0.classes.map(\.label) != labels }) {
            throw MetricsError.invalidRequest("case \(odd.identifier) was evaluated for labels "
                + "\(odd.classes.map(\.label)) but case \(first.identifier) for \(labels)")
        }
        self.cases = cases
        meanDice = cases.map(\.dice).reduce(0, +) / Double(cases.count)
        classes = labels.indices.map { position in
            let metrics = cases.map { $0.classes[position] }
            let distances = metrics.compactMap(\.hausdorff95)
            return ClassSummary(label: labels[position], dice: MetricSummary(metrics.map(\.dice))!,
                                hausdorff95: MetricSummary(distances),
                                averageSurfaceDistance: MetricSummary(metrics.compactMap(\.averageSurfaceDistance)),
                                casesWithoutSurfaceDistance: metrics.count - distances.count)
        }
    }

    enum CodingKeys: String, CodingKey {
        case cases, meanDice = "mean_dice", classes
    }
}
