import Foundation
import NeuralNetwork
import Segmentation
import TensorEngine
import TestSupport
import XCTest

/// Training part of a network: the frozen part never changes, cached head inputs give the
/// gradients of the whole network, and a network made on a base is recognised as such.
final class PartialTrainingTests: XCTestCase {
    static let headSubset = try! ParameterSubset(patterns: ["decoder.stages.1.*", "decoder.seg_layers.1.*"])

    /// A trained-looking base: random weights of a three-stage tiny U-Net.
    func makeNetwork(seed: UInt64 = 5) throws -> PlainConvUNet {
        try PlainConvUNet(.standard(features: [4, 8, 16], spatialRank: 2), seed: seed)
    }

    func bits(_ network: PlainConvUNet) -> [String: [UInt32]] {
        Dictionary(uniqueKeysWithValues: network.namedParameters().map { ($0.name, $0.tensor.scalars.map(\.bitPattern)) })
    }

    /// Every frozen parameter keeps its bits through SGD (momentum, weight decay), split over
    /// two data-parallel copies; every trainable one moves.
    func testFrozenParametersNeverChangeDuringARun() throws {
        let saved = Engine.threadCount
        Engine.threadCount = 2
        defer { Engine.threadCount = saved }
        let network = try makeNetwork()
        let trainable = Set(try network.freeze(allBut: Self.headSubset).map(\.name))
        let convs = (0..<2).flatMap { c in ["conv.weight", "conv.bias", "norm.weight", "norm.bias"].map { "decoder.stages.1.convs.\(c).\($0)" } }
        XCTAssertEqual(trainable, Set(convs + ["decoder.seg_layers.1.weight", "decoder.seg_layers.1.bias"]))
        let before = bits(network)
        let trainer = Trainer(network: network,
                              configuration: TrainingConfiguration(iterations: 6, batchSize: 4, patchSize: [1, 32, 32], seed: 3),
                              trainingCases: try TrainerTests.discCases(count: 8, seed: 1), validationCases: [])
        _ = try trainer.run()
        let after = bits(network)
        for (name, values) in before {
            if trainable.contains(name) {
                XCTAssertNotEqual(after[name], values, "\(name) is trainable and should move")
            } else {
                XCTAssertEqual(after[name], values, "\(name) is frozen and changed")
            }
        }
    }

    /// The head's gradients from cached head inputs equal those through the whole network
    /// (within 1e-4 of the largest gradient).
    func testCachedHeadInputsGiveTheGradientsOfTheWholeNetwork() throws {
        let network = try makeNetwork()
        try network.freeze(allBut: Self.headSubset)
        var rng = SeededGenerator(seed: 9)
        let images = Tensor.normal([4, 1, 32, 32], mean: 0, std: 1, using: &rng)
        let labels = try Tensor(shape: [4, 1, 32, 32], values: (0..<4096).map { _ in rng.nextUnitDouble() < 0.3 ? 1 : 0 })

        let whole = try SegmentationLoss.diceCrossEntropy(logits: network(images), target: labels, batchDice: true)
        try whole.backward()
        let expected = network.trainableParameters().map { ($0.name, $0.tensor.grad!.detached()) }
        network.zeroGrad()

        let inputs = try GradMode.withNoGrad { try network.headInput(images) }
        XCTAssertEqual(inputs.shape.dims, [4, 8, 32, 32], "head input: upsampled features and the first skip")
        let trainer = try CachedHeadTrainer(network: network, configuration: HeadRunConfiguration(iterations: 1, batchSize: 4),
                                            pool: try HeadInputPool(network: network, cases: try TrainerTests.discCases(count: 2, seed: 1),
                                                                    sampler: PatchSampler(patchSize: [1, 32, 32]), count: 2, seed: 0))
        let cachedLoss = try trainer.lossAndGradients(inputs: inputs, labels: labels)
        XCTAssertEqual(cachedLoss, whole.item, accuracy: 1e-5 * max(1, abs(whole.item)))
        let scale = expected.map { maximumMagnitude($0.1) }.max()!
        for (name, gradient) in expected {
            let cached = try XCTUnwrap(network.namedParameters().first { $0.name == name }?.tensor.grad, name)
            assertClose(cached, gradient, rtol: 1e-4, atol: 0, scale: scale, name)
        }
        let frozen = network.namedParameters().filter { !$0.tensor.requiresGrad }
        XCTAssertFalse(frozen.isEmpty)
        XCTAssertTrue(frozen.allSatisfy { $0.tensor.grad == nil }, "no gradient is computed for frozen parameters")
    }

    /// A head run trains the head from the pool, and lowers the loss; the pool is fixed by its seed.
    func testCachedHeadRunLearnsAndIsReproducible() throws {
        func run() throws -> (TrainingSummary, [String: [UInt32]]) {
            let network = try makeNetwork()
            try network.freeze(allBut: Self.headSubset)
            let pool = try HeadInputPool(network: network, cases: try TrainerTests.discCases(count: 12, seed: 1),
                                         sampler: PatchSampler(patchSize: [1, 32, 32]), count: 48, seed: 4)
            let trainer = try CachedHeadTrainer(network: network, configuration: HeadRunConfiguration(
                iterations: 60, batchSize: 8, optimizer: .adam, learningRate: 1e-2, seed: 2), pool: pool)
            var snapshots: [Int] = []
            let summary = try trainer.run(snapshotIterations: [0, 30, 60], onSnapshot: { snapshots.append($0.iteration) })
            XCTAssertEqual(snapshots, [0, 30, 60])
            return (summary, bits(network))
        }
        let (first, weights) = try run()
        XCTAssertLessThan(first.lossHistory.suffix(10).reduce(0, +), first.lossHistory.prefix(10).reduce(0, +) * 0.8)
        let (second, again) = try run()
        XCTAssertEqual(first.lossHistory, second.lossHistory, "same pool seed and run seed: same run, bit for bit")
        XCTAssertEqual(weights, again)
    }

    func testCachedHeadTrainerRefusesParametersOutsideTheHead() throws {
        let network = try makeNetwork()
        try network.freeze(allBut: try ParameterSubset(patterns: ["decoder.*"]))
        let pool = try HeadInputPool(network: network, cases: try TrainerTests.discCases(count: 2, seed: 1),
                                     sampler: PatchSampler(patchSize: [1, 32, 32]), count: 2, seed: 0)
        XCTAssertThrowsError(try CachedHeadTrainer(network: network, configuration: HeadRunConfiguration(iterations: 1, batchSize: 2),
                                                   pool: pool)) { error in
            XCTAssertTrue("\(error)".contains("decoder.stages.0.convs.0.conv.weight"), "\(error)")
        }
    }

    /// `onlyHeadTrains`, decided by identity, agrees with the names: every trainable parameter's
    /// name starts with a head prefix. The last decoder stage and segmentation layer alone, or
    /// nothing trainable, pass; one more parameter of a lower stage, the other stages' own
    /// segmentation layers, or the whole network do not.
    func testOnlyHeadTrainsAgreesWithTheParametersNames() throws {
        let network = try makeNetwork()
        let cases: [(patterns: [String], expected: Bool)] = [
            (["decoder.stages.1.*", "decoder.seg_layers.1.*"], true),
            (["decoder.seg_layers.1.bias"], true),
            (["decoder.stages.1.*", "decoder.seg_layers.1.*", "decoder.transpconvs.1.weight"], false),
            (["decoder.stages.1.*", "decoder.seg_layers.0.*"], false),
            (["encoder.stages.0.0.convs.0.conv.weight", "decoder.stages.1.*"], false),
            (["*"], false),
        ]
        for (patterns, expected) in cases {
            try network.freeze(allBut: try ParameterSubset(patterns: patterns))
            let byNames = network.namesOutsideHead(network.trainableParameters().map(\.name)).isEmpty
            XCTAssertEqual(byNames, expected, "the names of \(patterns)")
            XCTAssertEqual(network.onlyHeadTrains, expected, "\(patterns)")
        }
        for parameter in network.parameters() { parameter.requiresGrad = false }
        XCTAssertTrue(network.onlyHeadTrains, "nothing trains outside the head when nothing trains")
    }

    /// A network whose frozen part is the base's passes; one frozen parameter changed, or an
    /// architecture that does not fit, is named.
    func testBaseRecognisesNetworksMadeOnIt() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("weightgen-base-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let baseNetwork = try makeNetwork()
        try UNetCheckpoint.write(baseNetwork, description: UNetCheckpointDescription(
            architecture: baseNetwork.configuration, patchSize: [1, 32, 32], task: "cord", iteration: 10), to: folder)
        let base = try BaseNetwork.load(folder)
        XCTAssertEqual(base.patchSize, [1, 32, 32])

        let derived = try BaseNetwork.load(folder).network
        try derived.freeze(allBut: Self.headSubset)
        _ = try Trainer(network: derived, configuration: TrainingConfiguration(iterations: 2, batchSize: 2, patchSize: [1, 32, 32]),
                        trainingCases: try TrainerTests.discCases(count: 4, seed: 1), validationCases: []).run()
        XCTAssertNoThrow(try base.checkFrozenPart(of: derived, subset: Self.headSubset, source: "derived"))

        derived.namedParameters().first { $0.name == "encoder.stages.1.0.convs.0.norm.bias" }!.tensor.pointer[0] += 1
        XCTAssertThrowsError(try base.checkFrozenPart(of: derived, subset: Self.headSubset, source: "derived")) { error in
            XCTAssertTrue("\(error)".contains("encoder.stages.1.0.convs.0.norm.bias"), "\(error)")
        }
        let wider = try PlainConvUNet(.standard(features: [4, 8, 32], spatialRank: 2), seed: 1)
        XCTAssertThrowsError(try base.checkFrozenPart(of: wider, subset: Self.headSubset, source: "wider")) { error in
            XCTAssertTrue("\(error)".contains("encoder.stages.2.0.convs.0.conv.weight"), "\(error)")
        }
    }
}
