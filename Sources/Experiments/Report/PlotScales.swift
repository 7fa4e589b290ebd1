import Foundation

/// Maps data values linearly onto pixels.
struct LinearScale {
    let domain: (Double, Double)
    let range: (Double, Double)

    /// A degenerate domain (one value) is widened so the value lands in the middle.
    init(domain: (Double, Double), range: (Double, Double)) {
        self.domain = domain.1 > domain.0 ? domain : (domain.0 - 1, domain.0 + 1)
        self.range = range
    }

    func callAsFunction(_ value: Double) -> Double {
        range.0 + (value - domain.0) / (domain.1 - domain.0) * (range.1 - range.0)
    }

    /// Round-numbered ticks (steps of 1, 2 or 5 × 10ⁿ) inside the domain, about `count` of them.
    func ticks(count: Int = 5) -> [Double] {
        let rough = (domain.1 - domain.0) / Double(count)
        let magnitude = pow(10, floor(log10(rough)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= rough } ?? 10 * magnitude
        let first = (domain.0 / step).rounded(.up)
        let last = (domain.1 / step).rounded(.down)
        guard first <= last else { return [] }
        // Multiplying integer multiples avoids accumulating 0.1 + 0.2 style errors.
        return stride(from: first, through: last, by: 1).map { $0 * step }
    }
}

/// The training-curve x axis: linear, or logarithmic when iterations span more than two decades.
/// On the log axis iteration 0 (which has no logarithm) sits at the left edge, a gap before the first positive iteration.
struct IterationScale {
    let isLogarithmic: Bool
    private let linear: LinearScale
    private let zeroPosition: Double

    init(iterations: [Int], range: (Double, Double)) {
        let positive = iterations.filter { $0 > 0 }.map(Double.init)
        let low = Double(iterations.min() ?? 0), high = Double(iterations.max() ?? 1)
        if let smallest = positive.min(), let largest = positive.max(), largest / smallest > 100 {
            isLogarithmic = true
            let gap = iterations.contains { $0 <= 0 } ? 24.0 : 0
            linear = LinearScale(domain: (log10(smallest), log10(largest)), range: (range.0 + gap, range.1))
        } else {
            isLogarithmic = false
            linear = LinearScale(domain: (min(low, 0), high), range: range)
        }
        zeroPosition = range.0
    }

    func callAsFunction(_ iteration: Double) -> Double {
        guard isLogarithmic else { return linear(iteration) }
        return iteration > 0 ? linear(log10(iteration)) : zeroPosition
    }

    /// (iteration, label) pairs: powers of ten (and 0 if present) on the log axis, round numbers otherwise.
    func ticks(includingZero: Bool) -> [(Double, String)] {
        guard isLogarithmic else { return linear.ticks().map { ($0, Self.label($0)) } }
        let powers = stride(from: linear.domain.0.rounded(.up), through: linear.domain.1.rounded(.down), by: 1).map { pow(10, $0) }
        let zero: [(Double, String)] = includingZero ? [(0, "0")] : []
        return zero + powers.map { ($0, Self.label($0)) }
    }

    /// Compact iteration counts: 500, 2k, 1.5M.
    static func label(_ value: Double) -> String {
        let magnitude = abs(value)
        if magnitude >= 1_000_000 { return Markup.significant(value / 1_000_000) + "M" }
        if magnitude >= 1000 { return Markup.significant(value / 1000) + "k" }
        return Markup.significant(value)
    }
}
