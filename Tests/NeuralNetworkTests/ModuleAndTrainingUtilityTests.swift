#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import NeuralNetwork
import TensorEngine
import TestSupport
import XCTest

/// Module naming and loading, schedules, clipping, EMA and a transformer block.
final class ModuleAndTrainingUtilityTests: XCTestCase {
    func testTransformerBlockNamesShapesAndGradients() throws {
        var rng = SeededGenerator(seed: 1)
        let block = TransformerBlock(width: 16, heads: 4, rng: &rng)
        XCTAssertEqual(block.namedParameters().map(\.name), [
            "ln1.weight", "ln1.bias", "attn.qkv.weight", "attn.qkv.bias", "attn.proj.weight", "attn.proj.bias",
            "ln2.weight", "ln2.bias", "mlp.fc1.weight", "mlp.fc1.bias", "mlp.fc2.weight", "mlp.fc2.bias",
        ])
        let x = Tensor.normal([2, 5, 16], seed: 2)
        let y = try block(x)
        XCTAssertEqual(y.shape, [2, 5, 16])
        try y.square().mean().backward()
        XCTAssertTrue(block.parameters().allSatisfy { $0.grad != nil })
    }

    func testTransformerBlockGradientMatchesFiniteDifferences() throws {
        var rng = SeededGenerator(seed: 3)
        let block = TransformerBlock(width: 8, heads: 2, rng: &rng)
        try assertGradientsMatchFiniteDifferences([Tensor.normal([1, 3, 8], seed: 4)], "transformer block input") { try block($0[0]) }
    }

    func testParametersAndPathLookupAgreeWithTheNamedList() throws {
        var rng = SeededGenerator(seed: 7)
        // Thirteen layers: children "1" and "12" share a prefix, as a U-Net's stages do.
        let outer = Module(), list = ModuleList((0..<13).map { _ in Linear(inFeatures: 2, outFeatures: 2, rng: &rng) })
        outer.registerParameter("scale", Tensor.zeros([1]))
        outer.registerChild("layers", list)
        let named = outer.namedParameters()
        XCTAssertEqual(named.count, 27)
        XCTAssertTrue(zip(outer.parameters(), named).allSatisfy { $0 === $1.tensor }, "parameters() lists namedParameters() in order")
        for (name, tensor) in named {
            XCTAssertTrue(outer.parameter(at: name[...]) === tensor, "\(name) found by its path")
        }
        for missing in ["layers", "layers.1", "layers.1.weightx", "layers.13.weight", "layers..1.weight", "scale.weight", ""] {
            XCTAssertNil(outer.parameter(at: missing[...]), "no parameter at '\(missing)'")
        }
    }

    func testStrictLoadingReportsMissingUnexpectedAndShape() throws {
        var rng = SeededGenerator(seed: 5)
        let layer = Linear(inFeatures: 3, outFeatures: 2, rng: &rng)
        XCTAssertThrowsError(try layer.loadStateDict(["weight": Tensor.zeros([2, 3]), "extra": Tensor.zeros([1])])) { error in
            let text = String(describing: error)
            XCTAssertTrue(text.contains("bias") && text.contains("extra"), text)
        }
        XCTAssertThrowsError(try layer.loadStateDict(["weight": Tensor.zeros([3, 2]), "bias": Tensor.zeros([2])])) { error in
            XCTAssertTrue(String(describing: error).contains("weight"))
        }
        try layer.loadStateDict(["weight": Tensor.ones([2, 3]), "bias": Tensor.full([2], value: 3)])
        XCTAssertEqual(try layer(Tensor.ones([1, 3])).scalars, [6, 6])
    }

    func testSchedules() {
        let poly = PolyLearningRate(initial: 0.01, totalSteps: 1000)
        XCTAssertEqual(poly.learningRate(at: 0), 0.01)
        XCTAssertEqual(poly.learningRate(at: 500), 0.01 * powf(0.5, 0.9), accuracy: 1e-9)
        XCTAssertEqual(poly.learningRate(at: 1000), 0)
        let cosine = WarmupCosineLearningRate(peak: 1, warmupSteps: 10, totalSteps: 110, minimum: 0.1)
        XCTAssertEqual(cosine.learningRate(at: 0), 0.1, accuracy: 1e-6)
        XCTAssertEqual(cosine.learningRate(at: 9), 1, accuracy: 1e-6)
        XCTAssertEqual(cosine.learningRate(at: 60), 0.55, accuracy: 1e-6)
        XCTAssertEqual(cosine.learningRate(at: 110), 0.1, accuracy: 1e-6)
    }

    func testGradientClippingMatchesTorchRule() throws {
        let a = Tensor.zeros([2], requiresGrad: true), b = Tensor.zeros([1], requiresGrad: true)
        a.setGrad(try Tensor(shape: [2], values: [3, 0]))
        b.setGrad(try Tensor(shape: [1], values: [4]))
        let norm = clipGradientNorm([a, b], maxNorm: 1)
        XCTAssertEqual(norm, 5)
        XCTAssertEqual(a.grad!.scalars[0], 3 / (5 + 1e-6), accuracy: 1e-6)
        XCTAssertEqual(b.grad!.scalars[0], 4 / (5 + 1e-6), accuracy: 1e-6)
    }

    func testExponentialMovingAverage() throws {
        let p = Tensor.zeros([1], requiresGrad: true)
        let ema = ExponentialMovingAverage(parameters: [("p", p)], decay: 0.9)
        p.pointer[0] = 1
        ema.update()
        ema.update()
        XCTAssertEqual(ema.shadow["p"]!.scalars[0], 0.19, accuracy: 1e-6)
    }

    func testDecayGroupsExemptBiasesAndNorms() {
        var rng = SeededGenerator(seed: 6)
        let block = TransformerBlock(width: 8, heads: 2, rng: &rng)
        let groups = ParameterGroup.decayAndNoDecay(block.namedParameters(), weightDecay: 0.1)
        XCTAssertEqual(groups[0].parameters.map(\.name), ["attn.qkv.weight", "attn.proj.weight", "mlp.fc1.weight", "mlp.fc2.weight"])
        XCTAssertEqual(groups[1].weightDecay, 0)
    }

    func testSGDTrainsALinearRegression() throws {
        var rng = SeededGenerator(seed: 7)
        let layer = Linear(inFeatures: 2, outFeatures: 1, std: 0.1, rng: &rng)
        let optimizer = SGD(parameters: layer.namedParameters(), learningRate: 0.1, momentum: 0.9, nesterov: true)
        let x = Tensor.normal([64, 2], seed: 8)
        let y = try x.linear(weight: try Tensor(shape: [1, 2], values: [2, -3]), bias: Tensor.full([1], value: 0.5))
        var last: Float = .infinity
        for _ in 0..<200 {
            optimizer.zeroGrad()
            let loss = try SegmentationLoss.meanSquaredError(layer(x), y)
            try loss.backward()
            try optimizer.step()
            last = loss.item
        }
        XCTAssertLessThan(last, 1e-4)
        XCTAssertEqual(layer.weight.scalars[0], 2, accuracy: 1e-2)
    }
}

/// Name patterns choose parameter subsets; a pattern that matches nothing is an error.
final class ParameterSubsetTests: XCTestCase {
    let names = ["encoder.stages.0.0.convs.0.conv.weight", "encoder.stages.0.0.convs.0.norm.weight",
                 "decoder.stages.2.convs.0.conv.weight", "decoder.stages.2.convs.0.norm.bias", "decoder.seg_layers.2.weight",
                 "decoder.seg_layers.12.weight"]

    func testGlobPatternsMatchWholeDottedNames() throws {
        XCTAssertEqual(try ParameterSubset(parsing: "decoder.stages.2.*,decoder.seg_layers.2.*").select(from: names),
                       ["decoder.stages.2.convs.0.conv.weight", "decoder.stages.2.convs.0.norm.bias", "decoder.seg_layers.2.weight"])
        XCTAssertEqual(try ParameterSubset(parsing: "*.norm.*").select(from: names),
                       ["encoder.stages.0.0.convs.0.norm.weight", "decoder.stages.2.convs.0.norm.bias"])
        XCTAssertEqual(try ParameterSubset(parsing: "decoder.seg_layers.?.weight").select(from: names), ["decoder.seg_layers.2.weight"])
        XCTAssertEqual(try ParameterSubset(parsing: "*").select(from: names), names)
        XCTAssertFalse(try ParameterSubset(parsing: "decoder.stages.2").contains("decoder.stages.2.convs.0.conv.weight"),
                       "a pattern matches the whole name, not a prefix")
        XCTAssertTrue(try ParameterSubset(parsing: "*a*b*c").contains("xaxbxbxc"), "backtracking over several stars")
    }

    func testMisspeltOrEmptyPatternsAreRefused() throws {
        XCTAssertThrowsError(try ParameterSubset(parsing: "decoder.stage.2.*").select(from: names)) { error in
            XCTAssertTrue("\(error)".contains("decoder.stage.2.*"), "\(error)")
        }
        XCTAssertThrowsError(try ParameterSubset(parsing: "decoder.stages.2.*,"))
        XCTAssertThrowsError(try ParameterSubset(patterns: []))
    }

    func testFreezingLeavesOnlyTheSubsetTrainable() throws {
        let model = Module()
        var rng = SeededGenerator(seed: 1)
        let layer = Linear(inFeatures: 2, outFeatures: 3, rng: &rng)
        model.registerChild("layer", layer)
        let trainable = try model.freeze(allBut: try ParameterSubset(parsing: "*.bias"))
        XCTAssertEqual(trainable.map(\.name), ["layer.bias"])
        XCTAssertEqual(model.trainableParameters().map(\.name), ["layer.bias"])
        XCTAssertFalse(layer.weight.requiresGrad)
    }
}
