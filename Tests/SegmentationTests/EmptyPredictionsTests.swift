import Segmentation
import XCTest

/// Counting validation cases predicted empty where the reference has foreground.
final class EmptyPredictionsTests: XCTestCase {
    func testCountsOnlyCasesWithReferenceForeground() {
        var empty = EmptyPredictions()
        empty.record(prediction: [0, 0, 0], reference: [0, 1, 1])   // missed entirely
        empty.record(prediction: [0, 1, 0], reference: [0, 1, 1])   // found in part
        empty.record(prediction: [0, 0, 0], reference: [0, 0, 0])   // nothing to find
        XCTAssertEqual(empty.casesWithForeground, 2)
        XCTAssertEqual(empty.emptyCases, 1)
        XCTAssertFalse(empty.collapsed)
        XCTAssertEqual(empty.problem, "the network predicts no foreground on 1 of 2 validation cases whose reference has some")
    }

    func testEveryForegroundCaseEmptyIsACollapse() {
        var empty = EmptyPredictions()
        XCTAssertNil(empty.problem, "no cases, no problem")
        empty.record(prediction: [0, 0], reference: [1, 0])
        empty.record(prediction: [0, 0], reference: [0, 0])
        XCTAssertTrue(empty.collapsed)
        XCTAssertTrue(empty.problem?.hasSuffix("the run collapsed to all-background") == true, empty.problem ?? "")
    }
}
