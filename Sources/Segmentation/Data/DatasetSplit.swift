import TensorEngine

/// A seeded split of case identifiers into training and held-out validation cases.
public struct DatasetSplit: Codable, Sendable, Equatable {
    public var training: [String]
    public var validation: [String]

    /// Shuffles `identifiers` with `seed` and holds out `validationFraction` of them
    /// (at least one when there are two or more cases).
    public init(identifiers: [String], validationFraction: Double, seed: UInt64) {
        var rng = SeededGenerator(seed: seed)
        var shuffled = identifiers.sorted()
        for i in stride(from: shuffled.count - 1, to: 0, by: -1) {
            shuffled.swapAt(i, Int(rng.next() % UInt64(i + 1)))
        }
        let held = identifiers.count < 2 ? 0 : max(1, Int((Double(identifiers.count) * validationFraction).rounded()))
        validation = Array(shuffled.prefix(held)).sorted()
        training = Array(shuffled.dropFirst(held)).sorted()
    }

    /// Holds out exactly the named cases.
    public init(identifiers: [String], heldOut: [String]) {
        validation = identifiers.filter { heldOut.contains($0) }.sorted()
        training = identifiers.filter { !heldOut.contains($0) }.sorted()
    }
}
