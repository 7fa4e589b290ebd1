import Foundation

/// One measured case: weightgen's time, PyTorch's time on the same work, and their ratio.
public struct BenchmarkResult: Codable, Sendable {
    public let name: String
    /// Median seconds per step in weightgen.
    public let weightgenSeconds: Double
    /// Median seconds per step in PyTorch, nil when the comparison was skipped.
    public let pytorchSeconds: Double?
    /// weightgen / PyTorch time (below 1 means weightgen is faster), nil when skipped.
    public let ratio: Double?
    /// Useful floating-point work per second achieved by weightgen, in GFLOP/s.
    public let gflops: Double

    enum CodingKeys: String, CodingKey {
        case name, ratio, gflops
        case weightgenSeconds = "weightgen_s"
        case pytorchSeconds = "pytorch_s"
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(weightgenSeconds, forKey: .weightgenSeconds)
        try c.encode(pytorchSeconds, forKey: .pytorchSeconds)
        try c.encode(ratio, forKey: .ratio)
        try c.encode(gflops, forKey: .gflops)
    }
}

/// The output of every `weightgen bench` subcommand (`--json` prints it).
public struct BenchmarkReport: Codable, Sendable {
    /// 1024³ single-precision GEMM throughput measured in the same run, GFLOP/s.
    public let sgemmGflops: Double
    public let cases: [BenchmarkResult]
    /// Why the PyTorch comparison was skipped, if it was.
    public let pytorchSkipped: String?
    /// Threads used by both sides.
    public let threads: Int

    enum CodingKeys: String, CodingKey {
        case cases, threads
        case sgemmGflops = "sgemm_gflops"
        case pytorchSkipped = "pytorch_skipped"
    }

    /// The report as pretty-printed JSON.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// A fixed-width table for people.
    public func table() -> String {
        var lines = [String(format: "sgemm 1024³: %.1f GFLOP/s, %d threads", sgemmGflops, threads)]
        if let pytorchSkipped { lines.append("PyTorch comparison skipped: \(pytorchSkipped)") }
        lines.append("case".padding(toLength: 34, withPad: " ", startingAt: 0) + "  weightgen ms   pytorch ms   ratio   GFLOP/s")
        for c in cases {
            let torch = c.pytorchSeconds.map { String(format: "%12.2f", $0 * 1000) } ?? "           –"
            let ratio = c.ratio.map { String(format: "%7.2f", $0) } ?? "      –"
            lines.append(c.name.padding(toLength: 34, withPad: " ", startingAt: 0)
                         + String(format: "  %12.2f", c.weightgenSeconds * 1000) + " " + torch + " " + ratio
                         + String(format: "  %8.1f", c.gflops))
        }
        return lines.joined(separator: "\n")
    }
}
