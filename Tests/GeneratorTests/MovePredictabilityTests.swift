import Foundation
import XCTest
import Zoo
@testable import Generator

/// The ceiling of distillation: two reruns on one data order share their whole move, on two
/// orders only what the network decides.
final class MovePredictabilityTests: XCTestCase {
    func testRerunsOnOneDataOrderAgreeAndOnTwoDoNot() throws {
        let zoo = try makeGeneratorTestZoo()
        var configuration = LearnedOptimizerConfiguration.standard
        configuration.horizon = 4
        let same = try MovePredictability.measure(zoo: zoo, task: "cord", configuration: configuration, samples: 3, orders: (5, 5))
        XCTAssertEqual(same.rerunCosine.values.count, 3)
        for cosine in same.rerunCosine.values { XCTAssertEqual(cosine, 1, accuracy: 1e-6, "the same batches give the same move") }
        let two = try MovePredictability.measure(zoo: zoo, task: "cord", configuration: configuration, samples: 3)
        XCTAssertTrue(two.rerunCosine.values.allSatisfy { $0 < 0.9999 && $0 > -1 }, "\(two.rerunCosine.values)")
        XCTAssertTrue(two.zooCosine.values.allSatisfy { (-1...1).contains($0) && $0 != 0 }, "\(two.zooCosine.values)")
        XCTAssertNil(two.resumedCosine, "a zoo that keeps no optimiser state cannot resume its runs")
    }

    /// Where the zoo keeps its runs' optimiser state, each sampled run is also resumed from the
    /// checkpoint on another data order.
    func testRunsResumedWithTheirStateAreComparedWhereTheZooKeepsIt() throws {
        let zoo = try makeGeneratorTestZoo(checkpointContent: .parametersAndOptimizerState)
        var configuration = LearnedOptimizerConfiguration.standard
        configuration.horizon = 4
        let measured = try MovePredictability.measure(zoo: zoo, task: "cord", configuration: configuration, samples: 3)
        let resumed = try XCTUnwrap(measured.resumedCosine)
        XCTAssertEqual(resumed.values.count, 3)
        XCTAssertTrue(resumed.values.allSatisfy { (-1...1).contains($0) && $0 != 0 }, "\(resumed.values)")
    }

    func testCosineIsScaleFreeAndSigned() {
        XCTAssertEqual(MovePredictability.cosine([1, 2, 3], [2, 4, 6]), 1, accuracy: 1e-12)
        XCTAssertEqual(MovePredictability.cosine([1, 0], [-3, 0]), -1, accuracy: 1e-12)
        XCTAssertEqual(MovePredictability.cosine([1, 0], [0, 5]), 0, accuracy: 1e-12)
        XCTAssertEqual(MovePredictability.cosine([0, 0], [1, 1]), 0)
    }
}
