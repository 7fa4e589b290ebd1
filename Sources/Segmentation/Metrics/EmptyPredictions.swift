/// Counts the cases whose reference holds foreground but whose prediction holds none. A run
/// whose network predicts nothing on every such validation case has collapsed to
/// all-background: its loss can look fine (cross-entropy is small when foreground is rare)
/// while its Dice is 0.
public struct EmptyPredictions: Codable, Equatable, Sendable {
    /// Cases whose reference holds foreground.
    public private(set) var casesWithForeground = 0
    /// Of those, the cases whose prediction holds no foreground.
    public private(set) var emptyCases = 0

    public init() {}

    /// Adds one case: class maps of equal length, 0 = background.
    public mutating func record(prediction: [UInt8], reference: [UInt8]) {
        precondition(prediction.count == reference.count, "masks of different sizes")
        guard reference.contains(where: { $0 > 0 }) else { return }
        casesWithForeground += 1
        if !prediction.contains(where: { $0 > 0 }) { emptyCases += 1 }
    }

    /// Every case with foreground in the reference got an empty prediction.
    public var collapsed: Bool { casesWithForeground > 0 && emptyCases == casesWithForeground }

    /// What went wrong in one line when any such case exists, nil otherwise.
    public var problem: String? {
        guard emptyCases > 0 else { return nil }
        return "the network predicts no foreground on \(emptyCases) of \(casesWithForeground) validation cases whose reference has some"
            + (collapsed ? ": the run collapsed to all-background" : "")
    }
}
