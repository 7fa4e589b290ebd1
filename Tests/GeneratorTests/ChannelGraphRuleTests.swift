import Segmentation
import TensorEngine
import TestSupport
import XCTest
import Zoo
@testable import Generator

/// The channel graph joins each parameter to the channels its tensor's first two axes index,
/// shared across the layers that permute together; the rule over it makes a parameter's move read
/// the parameters of its channels and no others, and it learns the zoo's moves.
final class ChannelGraphRuleTests: XCTestCase {
    private let architecture = PlainConvUNetConfiguration.standard(features: [4, 8], spatialRank: 2)

    private func graph() throws -> (ChannelGraph, ParameterLayout) {
        let layout = ParameterLayout(try PlainConvUNet(architecture, seed: 0))
        return (try ChannelGraph(architecture: architecture, layout: layout), layout)
    }

    private func entry(_ layout: ParameterLayout, _ name: String) throws -> ParameterLayout.Entry {
        try XCTUnwrap(layout.entries.first { $0.name == name }, name)
    }

    func testAConvolutionsOutputChannelIsTheNextOnesInputChannel() throws {
        let (graph, layout) = try graph()
        let conv0 = try entry(layout, "encoder.stages.0.0.convs.0.conv.weight"), norm0 = try entry(layout, "encoder.stages.0.0.convs.0.norm.weight")
        let conv1 = try entry(layout, "encoder.stages.0.0.convs.1.conv.weight")
        XCTAssertEqual(conv0.shape, [4, 1, 3, 3])
        XCTAssertEqual(conv1.shape, [4, 4, 3, 3])
        for channel in 0..<4 {
            let node = graph.firstAxisNode[conv0.offset + channel * 9]
            XCTAssertEqual(graph.firstAxisNode[conv0.offset + channel * 9 + 8], node, "a kernel's positions share their channel")
            XCTAssertEqual(graph.firstAxisNode[norm0.offset + channel], node, "the norm of a channel is on its node")
            XCTAssertEqual(graph.secondAxisNode[conv1.offset + 2 * 36 + channel * 9], node, "the next convolution reads it")
            XCTAssertNotEqual(graph.firstAxisNode[conv1.offset + channel * 36], node, "the next convolution's outputs are other channels")
        }
        // The image channel is no group's: a node of the first convolution's input axis alone.
        XCTAssertFalse(graph.firstAxisNode.contains(graph.secondAxisNode[conv0.offset]))
        // One-axis tensors read the empty node, which no parameter lies on.
        let empty = graph.nodeCount - 1
        XCTAssertEqual(graph.secondAxisNode[norm0.offset], empty)
        XCTAssertFalse(graph.firstAxisNode.contains(empty))
        let batch = try graph.batch(networks: 2)
        let counts = batch.memberNodes.counts
        XCTAssertEqual(counts[empty], 0)
        XCTAssertEqual(counts.reduce(0, +), 2 * (layout.parameterCount + graph.secondAxisNode.filter { $0 != empty }.count))
        XCTAssertTrue(counts[..<empty].allSatisfy { $0 > 0 }, "every other node has parameters")
        XCTAssertEqual(Array(counts[graph.nodeCount...]), Array(counts[..<graph.nodeCount]), "the second network's nodes follow the first's")
        XCTAssertEqual(batch.firstAxisNode.indices[layout.parameterCount + 5], graph.firstAxisNode[5] + graph.nodeCount)
    }

    /// Changing one parameter's row changes the moves of the parameters that share one of its
    /// channels and leaves every other move exactly as it was.
    func testAParameterReadsItsChannelsAndNothingElse() throws {
        let (graph, layout) = try graph()
        let features = 6, count = layout.parameterCount
        var configuration = LearnedOptimizerConfiguration(width: 8, depth: 2)
        configuration.scope = .channelGraph
        let rule = ChannelGraphRule(features: features, configuration: configuration, graph: graph, seed: 3)
        let rows = Tensor.normal([count, features], std: 1, seed: 4)
        let conv1 = try entry(layout, "encoder.stages.0.0.convs.1.conv.weight")
        let changed = conv1.offset + 2 * 36 + 1 * 9 + 4
        var edited = rows.scalars
        for k in 0..<features { edited[changed * features + k] += 1 }
        let before = try rule(rows, networks: 1).scalars, after = try rule(try Tensor(shape: [count, features], values: edited), networks: 1).scalars
        let touched = Set([graph.firstAxisNode[changed], graph.secondAxisNode[changed]])
        var neighbours = 0, others = 0
        for p in 0..<count where p != changed {
            if touched.contains(graph.firstAxisNode[p]) || touched.contains(graph.secondAxisNode[p]) {
                neighbours += 1
                XCTAssertNotEqual(after[p], before[p], "parameter \(p) shares a channel with the changed one")
            } else {
                others += 1
                XCTAssertEqual(after[p], before[p], "parameter \(p) shares no channel with the changed one")
            }
        }
        XCTAssertGreaterThan(neighbours, 50)
        XCTAssertGreaterThan(others, 500)
        XCTAssertNotEqual(after[changed], before[changed])
        XCTAssertThrowsError(try rule(rows, networks: 2), "two networks' rows are twice as many")
    }

    /// Distilled from whole checkpoints of the test zoo, the rule predicts the runs' moves
    /// better than no move, and a saved rule moves a network as the trained one does.
    func testItLearnsTheZoosMovesAndLoadsAsSaved() throws {
        let zoo = try makeGeneratorTestZoo()
        var configuration = LearnedOptimizerTests.quick
        configuration.scope = .channelGraph
        let folder = temporaryGeneratorFolder()
        var losses: [Float] = []
        let trainer = try LearnedOptimizerTrainer(zoo: zoo, folder: folder, configuration: configuration, heldOutRunsPerTask: 1)
        let trained = try trainer.train(progress: { losses.append($0.loss) })
        let untrained = ChannelGraphRule(features: trainer.features.width, configuration: configuration,
                                         graph: try ChannelGraph(architecture: trained.description.architecture, layout: trained.assembly.layout), seed: 9)
        XCTAssertEqual(try trainer.distillationError(untrained, over: trainer.examples), 1, accuracy: 0.01, "an untrained rule barely moves")
        XCTAssertLessThan(losses.last!, 0.9, "relative loss \(losses)")
        XCTAssertLessThan(try XCTUnwrap(trained.description.distillationError), 0.9)
        let loaded = try LearnedOptimizer(folder: folder)
        XCTAssertEqual(loaded.description.configuration.scope, .channelGraph)
        XCTAssertTrue(loaded.network is ChannelGraphRule)
        let evaluator = try TaskEvaluator(zoo: zoo, task: "cord")
        let start = try loaded.assembly.layout.flatten(try PlainConvUNet(loaded.description.architecture, seed: 5))
        XCTAssertEqual(try loaded.update(start, task: 0, evaluator: evaluator).values, try trained.update(start, task: 0, evaluator: evaluator).values)
    }
}
