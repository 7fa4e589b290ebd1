import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest
@testable import Experiments
@testable import Generator

final class SVGPlotTests: XCTestCase {
    private let nanEstimate = Estimate([])

    func testPromptAlignmentHasIdentityLineAndPoints() {
        let alignment = PromptAlignment(points: [.init(prompted: 0.5, achieved: 0.45, seed: 0), .init(prompted: 0.8, achieved: 0.7, seed: 1)],
                                        r2: Estimate([0.9, 0.92]))
        let svg = SVGPlot.promptAlignment(alignment, title: "liver <test> & more")
        assertWellFormed(svg)
        XCTAssertTrue(svg.contains("class=\"identity\""))
        XCTAssertEqual(svg.components(separatedBy: "<circle").count - 1, 2)
        XCTAssertTrue(svg.contains("liver &lt;test&gt; &amp; more"))
        XCTAssertFalse(svg.contains("no data"))
    }

    func testAccuracyAgainstNoveltyDrawsEveryBaselineTheFrontierAndBothKindsOfStart() {
        let audit = SampleResults.audit("liver", level: 0.9)
        let svg = SVGPlot.accuracyAgainstNovelty(audit, title: "liver: accuracy against novelty")
        assertWellFormed(svg)
        XCTAssertEqual(svg.components(separatedBy: "class=\"baseline\"").count - 1, audit.frontier.points.count)
        XCTAssertEqual(svg.components(separatedBy: "class=\"generated\"").count - 1, 2, "unseen and seen starts")
        XCTAssertTrue(svg.contains("class=\"frontier\""))
        XCTAssertFalse(svg.lowercased().contains("nan"))
    }

    func testNaNInputDrawsNoDataAndNoNaN() {
        let plots = [
            SVGPlot.promptAlignment(PromptAlignment(points: [.init(prompted: .nan, achieved: 0.5, seed: 0)], r2: nanEstimate), title: "a"),
            SVGPlot.trainingCurve(TrainingCurve(iterations: [0, 10], dice: [nanEstimate, nanEstimate], generatedDice: .nan,
                                                iterationsToMatchGenerated: nil, wallTimeRatio: nil, secondsPerIteration: .nan,
                                                secondsPerGeneration: .nan), title: "b"),
            SVGPlot.trainingCurve(TrainingCurve(iterations: [], dice: [], generatedDice: 0.5, iterationsToMatchGenerated: nil,
                                                wallTimeRatio: nil, secondsPerIteration: 1, secondsPerGeneration: 1), title: "c"),
            SVGPlot.comparisonBars([ComparisonRow(method: "soup", detail: "empty", dice: nanEstimate)], title: "d"),
            SVGPlot.comparisonBars([], title: "e"),
        ]
        for svg in plots {
            assertWellFormed(svg)
            XCTAssertTrue(svg.contains("no data"), svg)
            XCTAssertFalse(svg.lowercased().contains("nan"), svg)
            XCTAssertFalse(svg.lowercased().contains("inf"), svg)
        }
    }

    /// A NaN row among finite ones is shown as "n/a" while the others are drawn.
    func testBarsWithOneMissingRow() {
        let rows = [ComparisonRow(method: "generated", detail: "one step", dice: Estimate([0.8, 0.82, 0.81])),
                    ComparisonRow(method: "soup", detail: "empty", dice: nanEstimate)]
        let svg = SVGPlot.comparisonBars(rows, title: "bars")
        assertWellFormed(svg)
        XCTAssertEqual(svg.components(separatedBy: "class=\"bar\"").count - 1, 1)
        XCTAssertEqual(svg.components(separatedBy: "class=\"whisker\"").count - 1, 1)
        XCTAssertTrue(svg.contains("n/a"))
        XCTAssertFalse(svg.lowercased().contains("nan"))
    }

    /// Iterations 0…10⁴ span four decades: log axis, 0 at the left edge, a generated line and a match marker.
    func testTrainingCurveLogAxisAndMatchMarker() {
        let curve = SampleResults.task("liver", level: 0.84, overlays: []).trainingCurve
        let svg = SVGPlot.trainingCurve(curve, title: "curve")
        assertWellFormed(svg)
        XCTAssertTrue(svg.contains("log scale"))
        XCTAssertTrue(svg.contains("class=\"ci-band\""))
        XCTAssertTrue(svg.contains("class=\"generated\""))
        XCTAssertTrue(svg.contains("class=\"match\""))
        XCTAssertTrue(svg.contains("one-step generated: 0.810"))
        XCTAssertTrue(svg.contains(">10k<"))
        XCTAssertFalse(svg.lowercased().contains("nan"))

        let scale = IterationScale(iterations: curve.iterations, range: (0, 100))
        XCTAssertEqual(scale(0), 0)
        XCTAssertEqual(scale(10), 24, accuracy: 1e-9)
        XCTAssertEqual(scale(10000), 100, accuracy: 1e-9)
    }

    func testShortCurveUsesLinearAxis() {
        let scale = IterationScale(iterations: [0, 50, 100, 200], range: (0, 200))
        XCTAssertFalse(scale.isLogarithmic)
        XCTAssertEqual(scale(100), 100, accuracy: 1e-9)
        XCTAssertEqual(scale.ticks(includingZero: true).map(\.1), ["0", "50", "100", "150", "200"])
    }

    private func assertWellFormed(_ svg: String, file: StaticString = #filePath, line: UInt = #line) {
        let parser = XMLParser(data: Data(svg.utf8))
        XCTAssertTrue(parser.parse(), "not well-formed XML: \(String(describing: parser.parserError))", file: file, line: line)
    }
}
