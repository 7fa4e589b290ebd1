import Foundation
@testable import Segmentation
import TensorEngine
import XCTest

/// The contrast options are off unless asked for, also in configurations saved before they
/// existed, and do what they say when on.
final class AugmentationTests: XCTestCase {
    /// Every intensity option off except the ones `configure` turns on.
    private func only(_ configure: (inout AugmentationConfiguration) -> Void) -> AugmentationConfiguration {
        var configuration = AugmentationConfiguration.nnUNetDefault
        configuration.brightnessProbability = 0
        configuration.contrastProbability = 0
        configuration.gammaProbability = 0
        configuration.noiseProbability = 0
        configure(&configuration)
        return configuration
    }

    private let image: [Float] = (0..<256).map { sin(Float($0) * 0.37) * 2 + Float($0 % 7) * 0.1 }

    func testContrastOptionsAreOffByDefaultAndInOlderFiles() throws {
        XCTAssertEqual(AugmentationConfiguration.nnUNetDefault.inversionProbability, 0)
        XCTAssertEqual(AugmentationConfiguration.nnUNetDefault.remapProbability, 0)
        var object = try XCTUnwrap(JSONSerialization.jsonObject(with: JSONEncoder().encode(AugmentationConfiguration.contrastAgnostic)) as? [String: Any])
        object["inversionProbability"] = nil
        object["remapProbability"] = nil
        object["remapKnots"] = nil
        let older = try JSONDecoder().decode(AugmentationConfiguration.self, from: JSONSerialization.data(withJSONObject: object))
        XCTAssertEqual(older, AugmentationConfiguration.nnUNetDefault)
        let roundTrip = try JSONDecoder().decode(AugmentationConfiguration.self,
                                                 from: JSONEncoder().encode(AugmentationConfiguration.contrastAgnostic))
        XCTAssertEqual(roundTrip, AugmentationConfiguration.contrastAgnostic)
    }

    func testInversionNegatesIntensities() {
        var values = image
        var rng = SeededGenerator(seed: 1)
        only { $0.inversionProbability = 1 }.applyIntensity(&values, channels: 1, using: &rng)
        XCTAssertEqual(values, image.map { -$0 })
    }

    func testRemapKeepsTheRangeAndChangesTheValues() {
        var values = image
        var rng = SeededGenerator(seed: 2)
        only { $0.remapProbability = 1 }.applyIntensity(&values, channels: 1, using: &rng)
        let low = image.min()!, high = image.max()!
        XCTAssertTrue(values.allSatisfy { $0 >= low - 1e-5 && $0 <= high + 1e-5 })
        XCTAssertNotEqual(values, image)
    }
}
