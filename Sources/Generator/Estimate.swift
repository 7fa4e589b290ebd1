import Foundation

/// A sample of values (one per seed) with its mean and 95% confidence interval (Student t).
public struct Estimate: Codable, Sendable {
    public var values: [Double]
    public var mean: Double
    public var lower: Double
    public var upper: Double

    /// The mean and t-interval of `values`; with fewer than two values the interval is the mean itself.
    public init(_ values: [Double]) {
        self.values = values
        let n = Double(values.count)
        // A local copy: the closure below may not capture `self` before every property is set.
        let mean = values.isEmpty ? .nan : values.reduce(0, +) / n
        self.mean = mean
        guard values.count >= 2 else {
            lower = mean
            upper = mean
            return
        }
        let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / (n - 1)
        let half = Estimate.tQuantile975(degreesOfFreedom: values.count - 1) * (variance / n).squareRoot()
        lower = mean - half
        upper = mean + half
    }

    /// The 97.5% quantile of Student's t: exact table to 30 degrees of freedom, the normal quantile beyond.
    static func tQuantile975(degreesOfFreedom df: Int) -> Double {
        let table: [Double] = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                               2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
                               2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042]
        return df >= 1 && df <= table.count ? table[df - 1] : 1.960
    }
}
