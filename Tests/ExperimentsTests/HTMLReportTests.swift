import Foundation
import XCTest
@testable import Experiments
import Generator

final class HTMLReportTests: XCTestCase {
    private let png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3])

    private func render() -> (ExperimentResults, String) {
        let results = SampleResults.make()
        let html = HTMLReport.render(results) { $0 == SampleResults.overlayFile ? self.png : nil }
        return (results, html)
    }

    func testEveryTaskConclusionAndRowAppears() {
        let (results, html) = render()
        XCTAssertTrue(html.hasPrefix("<!DOCTYPE html>"))
        for task in results.tasks {
            XCTAssertTrue(html.contains("<h2>Task: \(task.task), the diffusion generator and the baselines</h2>"), task.task)
            for row in task.baselines + task.beyondBest {
                XCTAssertTrue(html.contains("<td title=\"\(Markup.escape(row.detail))\">\(Markup.escape(row.method))</td>"), row.method)
            }
        }
        XCTAssertTrue(html.contains("<li>\(results.conclusions[0])</li>"))
        XCTAssertTrue(html.contains("&amp; &lt;errors differ&gt;"), "conclusions are escaped")
        XCTAssertFalse(html.contains("<errors differ>"))
        XCTAssertTrue(html.contains(results.setup.command))
        XCTAssertTrue(html.contains("1 h 28 min"), "zoo stage wall time")
    }

    func testNumbersComeFromTheResults() {
        let (results, html) = render()
        let liver = results.tasks[0]
        XCTAssertTrue(html.contains(Markup.interval(liver.generatedUnseen)))
        XCTAssertTrue(html.contains(Markup.interval(liver.alignment.r2)))
        XCTAssertTrue(html.contains("first matches it after 10000 iterations"))
        XCTAssertTrue(html.contains("412.5× the wall time"))
        XCTAssertTrue(html.contains("<td class=\"num\">n/a</td>"), "the empty soup sample shows n/a")
        XCTAssertFalse(html.contains("NaN"))
        XCTAssertTrue(html.contains(Markup.interval(results.multiTask!.crossTask[1].dice)))
        XCTAssertTrue(html.contains("class=\"num diagonal\""))
    }

    /// Per task: two bar charts, a scatter, a training curve and the accuracy-vs-novelty plot; and
    /// the learned optimiser's accuracy-vs-novelty plot per task.
    func testOneSVGPerPlot() {
        let (results, html) = render()
        XCTAssertEqual(html.components(separatedBy: "<svg ").count - 1, 5 * results.tasks.count + results.learnedOptimizer!.evaluation.tasks.count)
    }

    func testTheLearnedOptimizerSectionShowsItsNetworksSpeedAndAudits() throws {
        let (results, html) = render()
        let optimizer = try XCTUnwrap(results.learnedOptimizer)
        XCTAssertTrue(html.contains("<a href=\"#learned-optimizer\">"))
        // The default generator leads the page, its contents and its sections, before the diffusion generator's tasks.
        let first = { (text: String) in try XCTUnwrap(html.range(of: text)).lowerBound }
        XCTAssertLessThan(try first("<a href=\"#learned-optimizer\">"), try first("<a href=\"#task-0\">"))
        XCTAssertLessThan(try first("<section id=\"learned-optimizer\">"), try first("<section id=\"task-0\">"))
        XCTAssertTrue(html.contains("distilled from 182 checkpoint pairs"))
        XCTAssertTrue(html.contains("Trained, its learning rate chosen on validation cases, in"))
        var adamsStep = results
        adamsStep.learnedOptimizer?.history = .adamStep
        adamsStep.learnedOptimizer?.trainingSteps = 0
        adamsStep.learnedOptimizer?.direction = .soap(firstMoment: 0.8, secondMoment: 0.95, refreshEvery: 1, factors: .modes, after: 4)
        let adamsStepPage = HTMLReport.render(adamsStep) { _ in nil }
        XCTAssertTrue(adamsStepPage.contains(Markup.escape("Each call: Adam's own step (the rule left untrained), turned into SOAP's eigenbasis")))
        XCTAssertTrue(adamsStepPage.contains("Its learning rate chosen on validation cases in"))
        XCTAssertFalse(adamsStepPage.contains("distilled from 182"))
        for task in optimizer.evaluation.tasks {
            XCTAssertTrue(html.contains(Markup.interval(Estimate(task.unseen))), task.task)
            XCTAssertTrue(html.contains(Markup.escape("Conclusion: \(try XCTUnwrap(task.audit).conclusion).")), task.task)
        }
        XCTAssertTrue(html.contains(Markup.interval(Estimate([0.5])) + " (calls alone " + Markup.interval(Estimate([0.2])) + ")"),
                      "the speed ratio, with the checks and without")
        var without = results
        without.learnedOptimizer = nil
        XCTAssertFalse(HTMLReport.render(without) { _ in nil }.contains("id=\"learned-optimizer\""))
    }

    func testTheAuditShowsItsConclusionAndMeasures() {
        let (results, html) = render()
        for task in results.tasks {
            let audit = try! XCTUnwrap(task.audit)
            XCTAssertTrue(html.contains("Conclusion: \(Markup.escape(audit.conclusion))."), task.task)
            XCTAssertTrue(html.contains(Markup.interval(audit.unseen.startDependence)))
            XCTAssertTrue(html.contains(Markup.interval(try! XCTUnwrap(audit.seen.fidelityToStart))))
            XCTAssertTrue(html.contains("of the recipe itself on another data order"), "what training itself scores")
            XCTAssertTrue(html.contains(Markup.interval(try! XCTUnwrap(audit.unseen.retrainedFidelityToStart))))
            XCTAssertTrue(html.contains("of the recipe stopped at its best validation Dice"), "what an answer at the best validation network scores")
            XCTAssertTrue(html.contains(Markup.interval(try! XCTUnwrap(audit.unseen.earlyStoppedFidelityToStart))))
            XCTAssertTrue(html.contains("own answer to the prompt"), "how near the recipe's own answer")
            XCTAssertTrue(html.contains(Markup.interval(try! XCTUnwrap(audit.unseen.fidelityToRecipeAnswer))))
            XCTAssertTrue(html.contains(Markup.escape("recipe's own answers from the same starts (\(try! XCTUnwrap(audit.recipeAnswerPosition).rawValue) the frontier)")),
                          "the verdict training itself earns from these starts")
            XCTAssertTrue(html.contains(Markup.interval(try! XCTUnwrap(audit.unseen.diceOverRecipeAnswer))))
        }
    }

    func testOverlaysEmbeddedOrNotedMissing() {
        let (_, html) = render()
        XCTAssertTrue(html.contains("<img src=\"data:image/png;base64,\(png.base64EncodedString())\""))
        XCTAssertTrue(html.contains("liver, case 3 &lt;slice 31&gt;"))
        XCTAssertTrue(html.contains("Missing overlay files (not embedded): \(SampleResults.missingOverlayFile)"))
        XCTAssertEqual(html.components(separatedBy: "<img ").count - 1, 1)
    }

    func testWithoutMultiTaskSection() {
        var results = SampleResults.make()
        results.multiTask = nil
        let html = HTMLReport.render(results) { _ in nil }
        XCTAssertFalse(html.contains("id=\"multi-task\""))
        XCTAssertTrue(html.contains("id=\"task-1\""))
    }
}
