import XCTest
@testable import Experiments

/// The sizes keep every comparison's interval over at least 8 starts, the seen ones included.
final class ExperimentConfigurationTests: XCTestCase {
    func testBothSizesHaveEightSeedsAndAsManySeenStarts() throws {
        for size in [ExperimentConfiguration.demo, .full] {
            XCTAssertNoThrow(try size.validate())
            XCTAssertGreaterThanOrEqual(size.seeds, 8)
            XCTAssertGreaterThanOrEqual(size.runsPerTask - 2, size.seeds, "2 runs per task are held out; the rest give the seen starts")
        }
    }

    func testAnInvalidLearnedOptimizerIsRefusedByName() {
        var c = ExperimentConfiguration.full
        c.learnedOptimizer.casesPerCall = 0
        XCTAssertThrowsError(try c.validate()) { error in
            XCTAssertTrue("\(error)".contains("learned optimiser"), "\(error)")
        }
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
