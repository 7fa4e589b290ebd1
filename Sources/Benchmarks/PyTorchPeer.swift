import Foundation

/// Runs the PyTorch side of a benchmark as a subprocess and reads its timings.
public struct PyTorchPeer {
    /// The Python interpreter: an explicit path, or the first `python3` on PATH.
    public let python: String

    public init(python: String?) { self.python = python ?? "python3" }

    /// Timings per case name, or the reason the comparison was skipped.
    public func run(script: URL, arguments: [String]) -> Result<[String: Double], PeerSkipped> {
        runReport(script: script, arguments: arguments).map(\.cases)
    }

    /// Timings per case name and the peer's other top-level keys (values it computed, for
    /// checking that both sides did the same work), or the reason the comparison was skipped.
    public func runReport(script: URL, arguments: [String]) -> Result<PeerReport, PeerSkipped> {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        // -B: no __pycache__ beside the scripts, which live inside the package sources.
        process.arguments = [python, "-B", script.path] + arguments
        // Standard error goes to a file: read through a second pipe after standard output, a
        // chatty peer (progress bars) would fill that pipe and block both processes.
        let errorFile = FileManager.default.temporaryDirectory.appendingPathComponent("weightgen-peer-\(UUID().uuidString).log")
        defer { try? FileManager.default.removeItem(at: errorFile) }
        guard FileManager.default.createFile(atPath: errorFile.path, contents: nil),
              let errors = try? FileHandle(forWritingTo: errorFile) else {
            return .failure(PeerSkipped(reason: "cannot create a log file in \(errorFile.deletingLastPathComponent().path)"))
        }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = errors
        do { try process.run() } catch {
            return .failure(PeerSkipped(reason: "could not start \(python): \(error)"))
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try? errors.close()
        let errorText = (try? String(contentsOf: errorFile, encoding: .utf8)) ?? ""
        // The result is the last line that parses as a JSON object; libraries may print before it.
        let lastObject = String(decoding: data, as: UTF8.self).split(separator: "\n").reversed().lazy
            .compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }.first
        guard process.terminationStatus == 0, let object = lastObject else {
            let tail = errorText.split(separator: "\n").suffix(3).joined(separator: " | ")
            return .failure(PeerSkipped(reason: "\(python) failed (status \(process.terminationStatus)): \(tail)"))
        }
        if let skipped = object["skipped"] as? String { return .failure(PeerSkipped(reason: skipped)) }
        guard let cases = object["cases"] as? [String: Double] else {
            return .failure(PeerSkipped(reason: "\(python) printed no timings"))
        }
        return .success(PeerReport(cases: cases, extra: object.filter { $0.key != "cases" }))
    }
}

/// What a peer printed: seconds per case name and any other keys.
public struct PeerReport {
    public let cases: [String: Double]
    public let extra: [String: Any]
}

/// Why the PyTorch side did not run.
public struct PeerSkipped: Error {
    public let reason: String
}
