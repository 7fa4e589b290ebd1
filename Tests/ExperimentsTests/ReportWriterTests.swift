import Foundation
import XCTest
@testable import Experiments
import Generator

final class ReportWriterTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("report-\(UUID().uuidString)")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    /// write → read returns the same results, NaN included, and the page embeds the overlay found in the folder.
    func testRoundTripWithNaN() throws {
        var results = SampleResults.make()
        results.tasks[0].trainingCurve.secondsPerIteration = .infinity
        XCTAssertTrue(results.tasks[0].baselines[3].dice.mean.isNaN, "the sample holds a NaN estimate")
        let overlay = try PNGEncoder.encode(RGBImage(width: 2, height: 2))
        let overlayURL = folder.appendingPathComponent(SampleResults.overlayFile)
        try FileManager.default.createDirectory(at: overlayURL.deletingLastPathComponent(), withIntermediateDirectories: true)
        try overlay.write(to: overlayURL)

        try ReportWriter.write(results, to: folder)
        let json = try String(contentsOf: folder.appendingPathComponent(ReportWriter.resultsFile), encoding: .utf8)
        XCTAssertTrue(json.contains("\"nan\""))
        XCTAssertTrue(json.contains("\"inf\""))
        let read = try ReportWriter.read(folder)
        XCTAssertTrue(read.tasks[0].baselines[3].dice.mean.isNaN)
        XCTAssertEqual(try ReportWriter.encoder().encode(read), try ReportWriter.encoder().encode(results))

        let html = try String(contentsOf: folder.appendingPathComponent(ReportWriter.reportFile), encoding: .utf8)
        XCTAssertTrue(html.contains(overlay.base64EncodedString()))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".tmp") }
        XCTAssertEqual(leftovers, [])
    }

    /// The page can be rebuilt from results.json alone.
    func testRerenderFromResultsJSON() throws {
        try ReportWriter.write(SampleResults.make(), to: folder)
        let page = folder.appendingPathComponent(ReportWriter.reportFile)
        let original = try String(contentsOf: page, encoding: .utf8)
        try FileManager.default.removeItem(at: page)
        try ReportWriter.rerender(folder: folder)
        XCTAssertEqual(try String(contentsOf: page, encoding: .utf8), original)
    }

    /// A report written before the learned optimiser's history and direction were recorded reads
    /// as a distilled rule moving in its own direction, and renders.
    func testAReportWithoutTheLearnedOptimizersDirectionReadsAsTheRulesOwn() throws {
        var results = SampleResults.make()
        results.learnedOptimizer?.history = .adamStep
        results.learnedOptimizer?.direction = .soap(firstMoment: 0.8, secondMoment: 0.95, refreshEvery: 1, factors: .modes, after: 4)
        var stored = try XCTUnwrap(JSONSerialization.jsonObject(with: ReportWriter.encoder().encode(results)) as? [String: Any])
        var optimizer = try XCTUnwrap(stored["learnedOptimizer"] as? [String: Any])
        XCTAssertEqual(optimizer["direction"] as? String, "soap:0.8:0.95:1:modes:after:4")
        optimizer["history"] = nil
        optimizer["direction"] = nil
        stored["learnedOptimizer"] = optimizer
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try JSONSerialization.data(withJSONObject: stored).write(to: folder.appendingPathComponent(ReportWriter.resultsFile))
        let read = try XCTUnwrap(ReportWriter.read(folder).learnedOptimizer)
        XCTAssertEqual(read.direction, .rule)
        XCTAssertEqual(read.history, GradientHistory.none)
        XCTAssertNoThrow(try ReportWriter.rerender(folder: folder))
    }

    func testReadingAMissingFolderThrows() {
        XCTAssertThrowsError(try ReportWriter.read(folder))
    }
}
