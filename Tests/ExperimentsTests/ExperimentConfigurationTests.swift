import XCTest
@testable import Experiments
import Generator

/// The sizes keep every comparison's interval over at least 8 starts, the seen ones included.
final class ExperimentConfigurationTests: XCTestCase {
    func testBothSizesHaveEightSeedsAndAsManySeenStarts() throws {
        for size in [ExperimentConfiguration.demo, .full] {
            XCTAssertNoThrow(try size.validate())
            XCTAssertGreaterThanOrEqual(size.seeds, 8)
            XCTAssertGreaterThanOrEqual(size.runsPerTask - 2, size.seeds, "2 runs per task are held out; the rest give the seen starts")
        }
    }

    /// A size's learned optimiser is the standard one at that size's steps, calls, patches per
    /// call and horizon, and nothing else of the standard changes.
    func testTheLearnedOptimizerTakesTheSizesStepsCallsPatchesAndHorizon() {
        var c = ExperimentConfiguration.full
        (c.learnedOptimizerSteps, c.learnedOptimizerCalls, c.learnedOptimizerPatches, c.learnedOptimizerHorizon) = (7, 5, 3, 2)
        var expected = LearnedOptimizerConfiguration.standard
        (expected.trainingSteps, expected.maximumCalls, expected.casesPerCall, expected.horizon) = (7, 5, 3, 2)
        XCTAssertEqual(c.learnedOptimizerConfiguration(), expected)
        c.learnedOptimizerPatches = 0
        XCTAssertThrowsError(try c.validate())
    }

    func testTooFewRunsForTheSeedsAreRefused() {
        var c = ExperimentConfiguration.demo
        c.seeds = 8
        c.runsPerTask = 9
        XCTAssertThrowsError(try c.validate()) { error in
            XCTAssertTrue("\(error)".contains("at least 10 runs per task"), "\(error)")
        }
    }
}
