import Foundation
import Formats
import Generator

/// Writes and reads a report folder: `results.json` (every number) and `index.html` rendered from it.
public enum ReportWriter {
    public static let resultsFile = "results.json"
    public static let reportFile = "index.html"

    /// Writes `results.json` and `index.html` into `folder` (created if needed), each atomically.
    /// Overlay PNGs are read from `folder` by their relative `Overlay.file` paths; missing ones are noted in the page.
    public static func write(_ results: ExperimentResults, to folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try AtomicWrite.write(try encoder().encode(results), to: folder.appendingPathComponent(resultsFile))
        try writeReport(results, in: folder)
    }

    /// The results stored in `folder/results.json`.
    public static func read(_ folder: URL) throws -> ExperimentResults {
        let data = try Data(contentsOf: folder.appendingPathComponent(resultsFile))
        return try decoder().decode(ExperimentResults.self, from: data)
    }

    /// Renders `index.html` again from `folder/results.json` alone (e.g. after the renderer changed).
    public static func rerender(folder: URL) throws {
        try writeReport(try read(folder), in: folder)
    }

    static func writeReport(_ results: ExperimentResults, in folder: URL) throws {
        let html = HTMLReport.render(results) { file in try? Data(contentsOf: folder.appendingPathComponent(file)) }
        try AtomicWrite.write(Data(html.utf8), to: folder.appendingPathComponent(reportFile))
    }

    /// Estimates of empty samples hold NaN, which JSON cannot express, hence the string spellings.
    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }

    static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return decoder
    }
}
