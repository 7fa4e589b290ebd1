import Foundation

import TensorEngine

/// When a zoo run saves its parameters. Every schedule includes the initialisation
/// (iteration 0) and the final iteration.
public enum CheckpointSchedule: String, Codable, Sendable, CaseIterable {
    /// G.pt's: the initialisation, distinct iterations drawn at random, and the final one.
    case random
    /// Log-spaced iterations, dense early where the loss moves fastest.
    case logSpaced = "log"
    /// Evenly spaced iterations.
    case linear

    /// `count` distinct iterations in 0...total, ascending (fewer when total + 1 < count).
    public func iterations(total: Int, count: Int, rng: inout SeededGenerator) -> [Int] {
        let count = min(max(count, 2), total + 1)
        var chosen: Set<Int> = [0, total]
        switch self {
        case .random:
            while chosen.count < count { chosen.insert(1 + Int(rng.next() % UInt64(max(total - 1, 1)))) }
        case .logSpaced:
            let steps = count - 1
            for k in 1..<steps {
                chosen.insert(Int(Foundation.exp(Double(k) / Double(steps) * Foundation.log(Double(total))).rounded()))
            }
            fill(&chosen, to: count, total: total)
        case .linear:
            for k in 1..<(count - 1) { chosen.insert(Int((Double(k) * Double(total) / Double(count - 1)).rounded())) }
            fill(&chosen, to: count, total: total)
        }
        return chosen.sorted()
    }

    /// Rounding can make spaced iterations coincide; the first free iterations make up the count.
    private func fill(_ chosen: inout Set<Int>, to count: Int, total: Int) {
        var candidate = 1
        while chosen.count < count && candidate < total {
            chosen.insert(candidate)
            candidate += 1
        }
    }
}
