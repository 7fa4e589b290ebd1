import Formats
import Segmentation
import TensorEngine
import TestSupport
import XCTest

/// The shared nnU-Net model folder runs in weightgen as in nnU-Net: same logits for the
/// reference patch, and nearly the same segmentation of t2.
final class NNUNetParityTests: XCTestCase {
    func testReferenceLogits() throws {
        let folder = try SharedFixtures.url("fixtures/nnunet_model")
        let model = try NNUNetModel(url: folder)
        let data = try Data(contentsOf: folder.appendingPathComponent("reference_logits.json"))
        let reference = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let logits = try withNoGrad { try model.network(try SharedFixtures.tensor(reference["input"])) }
        assertClose(logits, try SharedFixtures.tensor(reference["logits"]), rtol: 1e-4, atol: 1e-4, "nnU-Net logits")
    }

    func testPredictionMatchesNNUNetOnT2() throws {
        let model = try NNUNetModel(url: try SharedFixtures.url("fixtures/nnunet_model"))
        let image = try NIfTIReader.read(try SharedFixtures.url("data/sct_testing_data/t2/t2.nii.gz"))
        let reference = try NIfTIReader.read(try SharedFixtures.url("fixtures/nnunet_model/reference_prediction_t2.nii.gz"))
        let prediction = try model.predict(image)
        XCTAssertEqual(prediction.dims, image.dims)
        XCTAssertEqual(prediction.affine, image.affine)
        let dice = OverlapCounts(prediction: prediction.values.map { $0 > 0 ? 1 : 0 },
                                 reference: reference.values.map { $0 > 0 ? 1 : 0 }, label: 1).dice
        print("nnU-Net parity on t2: Dice \(dice) against nnU-Net's own prediction")
        XCTAssertGreaterThanOrEqual(dice, 0.99)
    }
}
