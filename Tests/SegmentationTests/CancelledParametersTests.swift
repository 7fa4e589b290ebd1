import Foundation
import TensorEngine
import XCTest
@testable import Segmentation

/// The parameters a U-Net's output does not depend on are exactly its conv blocks' convolution
/// biases: moving them far leaves the output as it was, moving any other bias does not.
final class CancelledParametersTests: XCTestCase {
    func testTheConvBlocksBiasesAreCancelledByTheirNorms() throws {
        let network = try PlainConvUNet(UNetPreset.tiny.configuration(spatialRank: 2), seed: 3)
        let names = network.parametersCancelledByNorm()
        let state = network.stateDict()
        let blocks = network.configuration.convsPerStage.reduce(0, +) + network.configuration.convsPerStageDecoder.reduce(0, +)
        XCTAssertEqual(names.count, blocks, "one bias per conv block")
        XCTAssertTrue(names.allSatisfy { state[$0] != nil && $0.hasSuffix(".conv.bias") }, "\(names)")
        let x = Tensor.normal(Shape([2, 1, 16, 16]), seed: 1)
        let before = try withNoGrad { try network(x).scalars }
        let scale = before.map { $0 * $0 }.reduce(0, +).squareRoot()
        func output(shifting moved: [String]) throws -> [Float] {
            var shifted = state.mapValues { $0.copy() }
            for (k, name) in moved.enumerated() {
                let tensor = shifted[name]!
                shifted[name] = try Tensor(shape: tensor.shape, values: (0..<tensor.count).map { Float(k + $0 % 3) - 1.5 })
            }
            let copy = try PlainConvUNet(network.configuration, seed: 3)
            try copy.loadStateDict(shifted)
            return try withNoGrad { try copy(x).scalars }
        }
        func distance(_ a: [Float]) -> Float { zip(a, before).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot() / scale }
        XCTAssertLessThan(distance(try output(shifting: names)), 1e-4, "the cancelled biases moved by about one unit each")
        // The other biases the output reads: the transposed convolutions' and the last segmentation layer's.
        let last = network.configuration.stageCount - 2
        let others = state.keys.filter { $0.hasPrefix("decoder.transpconvs.") && $0.hasSuffix(".bias") } + ["decoder.seg_layers.\(last).bias"]
        XCTAssertEqual(others.count, network.configuration.stageCount)
        for name in others { XCTAssertGreaterThan(distance(try output(shifting: [name])), 1e-2, name) }
    }

    /// The parameters whose channels' scale the output does not depend on are exactly the conv
    /// blocks' convolution weights: scaling each of their filters by its own factor leaves the
    /// output as it was; scaling the segmentation layer's does not.
    func testTheConvBlocksFiltersAreScaledAwayByTheirNorms() throws {
        let network = try PlainConvUNet(UNetPreset.tiny.configuration(spatialRank: 2), seed: 3)
        let names = network.parametersScaledAwayByNorm()
        let state = network.stateDict()
        let blocks = network.configuration.convsPerStage.reduce(0, +) + network.configuration.convsPerStageDecoder.reduce(0, +)
        XCTAssertEqual(names.count, blocks, "one weight per conv block")
        XCTAssertTrue(names.allSatisfy { state[$0] != nil && $0.hasSuffix(".conv.weight") }, "\(names)")
        let x = Tensor.normal(Shape([2, 1, 16, 16]), seed: 1)
        let before = try withNoGrad { try network(x).scalars }
        let scale = before.map { $0 * $0 }.reduce(0, +).squareRoot()
        func output(scalingFiltersOf scaled: [String]) throws -> [Float] {
            var rescaled = state.mapValues { $0.copy() }
            for name in scaled {
                let tensor = rescaled[name]!, size = tensor.count / tensor.shape[0]
                let values = tensor.scalars.enumerated().map { $0.element * (0.5 + Float($0.offset / size % 4) * 0.5) }
                rescaled[name] = try Tensor(shape: tensor.shape, values: values)
            }
            let copy = try PlainConvUNet(network.configuration, seed: 3)
            try copy.loadStateDict(rescaled)
            return try withNoGrad { try copy(x).scalars }
        }
        func distance(_ a: [Float]) -> Float { zip(a, before).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot() / scale }
        XCTAssertLessThan(distance(try output(scalingFiltersOf: names)), 1e-4, "every filter scaled by 0.5 to 2")
        let last = network.configuration.stageCount - 2
        XCTAssertGreaterThan(distance(try output(scalingFiltersOf: ["decoder.seg_layers.\(last).weight"])), 1e-2)
    }
}

