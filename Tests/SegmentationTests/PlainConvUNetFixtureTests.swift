import NeuralNetwork
import Segmentation
import TensorEngine
import TestSupport
import XCTest

/// A PlainConvUNet built from the engine's ops reproduces PyTorch's logits, nnU-Net loss and
/// every parameter gradient for the fixtures' state_dicts.
final class PlainConvUNetFixtureTests: XCTestCase {
    private func check(_ name: String, spatialRank: Int) throws {
        let fixture = try SharedFixtures.op(name)
        let args = try XCTUnwrap(fixture["args"] as? [String: Any])
        let configuration = PlainConvUNetConfiguration(
            inputChannels: args["input_channels"] as! Int,
            featuresPerStage: args["features_per_stage"] as! [Int],
            kernelSizes: args["kernel_sizes"] as! [[Int]],
            strides: args["strides"] as! [[Int]],
            convsPerStage: args["n_conv_per_stage"] as! [Int],
            convsPerStageDecoder: args["n_conv_per_stage_decoder"] as! [Int],
            numClasses: args["num_classes"] as! Int)
        XCTAssertEqual(configuration.spatialRank, spatialRank)
        let network = try PlainConvUNet(configuration, seed: 0)
        var state: [String: Tensor] = [:]
        for (key, value) in try XCTUnwrap(fixture["state_dict"] as? [String: Any])
        where !key.contains("all_modules") && !key.hasPrefix("decoder.encoder.") {
            state[key] = try SharedFixtures.tensor(value)
        }
        try network.loadStateDict(state)

        let logits = try network(try SharedFixtures.tensor(fixture["input"]))
        assertClose(logits, try SharedFixtures.tensor(fixture["logits"]), "\(name) logits")
        let loss = try SegmentationLoss.diceCrossEntropy(logits: logits, target: try SharedFixtures.tensor(fixture["target"]),
                                                         batchDice: true)
        XCTAssertEqual(loss.item, Float(try XCTUnwrap(fixture["loss"] as? Double)), accuracy: 1e-4)
        try loss.backward()
        let grads = try XCTUnwrap(fixture["grads"] as? [String: Any])
        let named = network.namedParameters()
        XCTAssertEqual(Set(named.map(\.name)), Set(state.keys), "parameter names equal PyTorch's")
        let expectedGradients = try grads.mapValues { try SharedFixtures.tensor($0) }
        // Gradients of biases before InstanceNorm are zero up to rounding: compare every
        // gradient on the scale of the network's largest one.
        let networkScale = expectedGradients.values.map(maximumMagnitude).max() ?? 0
        for (parameterName, parameter) in named {
            guard let expected = expectedGradients[parameterName] else {
                XCTAssertNil(parameter.grad, "\(parameterName) is unused without deep supervision, as in PyTorch")
                continue
            }
            assertClose(try XCTUnwrap(parameter.grad, parameterName), expected, rtol: 1e-4, scale: networkScale,
                        "\(name) grad \(parameterName)")
        }
    }

    func testPlainConvUNet2D() throws { try check("plain_conv_unet_2d", spatialRank: 2) }
    func testPlainConvUNet3D() throws { try check("plain_conv_unet_3d", spatialRank: 3) }
}
