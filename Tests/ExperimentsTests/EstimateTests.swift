import XCTest
@testable import Experiments
@testable import Generator

final class EstimateTests: XCTestCase {
    /// Mean and t-interval against values computed by hand (scipy.stats.t.interval gives the same).
    func testMeanAndConfidenceInterval() {
        let estimate = Estimate([1, 2, 3, 4])
        XCTAssertEqual(estimate.mean, 2.5, accuracy: 1e-12)
        // s = 1.29099, t(3) = 3.182, half-width = 3.182 · 1.29099 / 2 = 2.05397.
        XCTAssertEqual(estimate.lower, 2.5 - 2.05397, accuracy: 1e-4)
        XCTAssertEqual(estimate.upper, 2.5 + 2.05397, accuracy: 1e-4)
        let single = Estimate([0.7])
        XCTAssertEqual(single.lower, 0.7)
        XCTAssertEqual(single.upper, 0.7)
        XCTAssertTrue(Estimate([]).mean.isNaN)
    }
}
