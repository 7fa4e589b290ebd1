import Foundation
import NeuralNetwork
import Segmentation
import TensorEngine
import XCTest
import Zoo
@testable import Generator

/// The generator model learns: it starts as "target = start", overfits a single pair, and the
/// trainer saves, resumes and samples networks of the zoo's architecture.
final class GeneratorTrainingTests: XCTestCase {
    private let tiny = GeneratorConfiguration(chunkSize: 32, width: 32, depth: 1, heads: 2, frequencies: 8, trainingSteps: 40,
                                              batchSize: 4, learningRate: 3e-3, warmupSteps: 5)

    func testUntrainedModelPredictsTheStartParameters() throws {
        let model = try GeneratorModel(configuration: tiny, tokenCount: 5, taskCount: 2, seed: 1)
        let start = Tensor.normal([2, 5, 32], seed: 1), noisy = Tensor.normal([2, 5, 32], seed: 2)
        let output = try model(GeneratorInput(start: start, noisy: noisy, scalars: [[0.1, 0.9, 0.1, 0.8], [0.5, 0.5, 0.2, 0.3]], tasks: [0, 1]))
        XCTAssertEqual(output.scalars, start.scalars)
    }

    func testModelOverfitsASinglePair() throws {
        let model = try GeneratorModel(configuration: tiny, tokenCount: 6, taskCount: 1, seed: 3)
        let start = Tensor.normal([1, 6, 32], seed: 4), target = Tensor.normal([1, 6, 32], seed: 5)
        let noisy = Tensor.normal([1, 6, 32], seed: 6)
        let input = GeneratorInput(start: start, noisy: noisy, scalars: [[0.3, 0.9, 0.05, 0.85]], tasks: [0])
        let optimizer = Adam(groups: [ParameterGroup(model.namedParameters())], learningRate: 3e-3)
        var first: Float = 0, last: Float = 0
        for step in 0..<300 {
            optimizer.zeroGrad()
            let difference = try model(input) - target
            let loss = try (difference * difference).mean()
            if step == 0 { first = loss.item }
            last = loss.item
            try loss.backward()
            try optimizer.step()
        }
        XCTAssertLessThan(last, first * 0.01, "loss \(first) → \(last)")
    }

    func testTrainerSavesResumesAndGenerates() throws {
        let dataset = FileManager.default.temporaryDirectory.appendingPathComponent("gen-phantom-\(UUID().uuidString)")
        let zooFolder = FileManager.default.temporaryDirectory.appendingPathComponent("gen-zoo-\(UUID().uuidString)")
        let generatorFolder = FileManager.default.temporaryDirectory.appendingPathComponent("gen-\(UUID().uuidString)")
        defer { for url in [dataset, zooFolder, generatorFolder] { try? FileManager.default.removeItem(at: url) } }
        let phantom = try SpinalCordPhantom(configuration: PhantomConfiguration(seed: 3, size: 32))
        _ = try PhantomDatasetWriter.write(phantom, caseCount: 20, to: dataset, tasks: [.cord, .canal])
        var distribution = HyperparameterDistribution.standard
        distribution.iterations = [10]
        distribution.batchSizes = [4]
        let plan = ZooPlan(datasetPath: dataset.path, tasks: ["cord", "canal"], patchSize: [1, 32, 32], runsPerTask: 4,
                           checkpointsPerRun: 4, distribution: distribution, validationCases: 4, testCases: 4, trainingLossCases: 4)
        let zoo = try Zoo.create(at: zooFolder, plan: plan)
        _ = try ZooBuilder(zoo: zoo, workers: 2).build()

        var configuration = tiny
        configuration.trainingSteps = 20
        let trainer = try GeneratorTrainer(zoo: zoo, folder: generatorFolder, configuration: configuration, heldOutRunsPerTask: 1)
        trainer.checkpointInterval = 10
        var reports: [GeneratorProgress] = []
        try trainer.train { reports.append($0) }
        XCTAssertEqual(trainer.description.step, 20)
        XCTAssertNotNil(reports.last?.heldOutAchieved, "the periodic evaluation ran")
        XCTAssertEqual(trainer.description.heldOutRuns, [3])

        configuration.trainingSteps = 30
        XCTAssertThrowsError(try GeneratorTrainer(zoo: zoo, folder: generatorFolder, configuration: configuration),
                             "a different configuration cannot resume this generator")
        configuration.trainingSteps = 20
        let resumed = try GeneratorTrainer(zoo: zoo, folder: generatorFolder, configuration: configuration, heldOutRunsPerTask: 1)
        XCTAssertEqual(resumed.description.step, 20, "resumes at the saved step")

        let generator = try WeightGenerator(folder: generatorFolder)
        let (architecture, layout) = try zoo.architecture(try zoo.planArchitectureID())
        let start = try layout.flatten(try PlainConvUNet(architecture, seed: 123_456))
        let outputs = try generator.generate(starts: [start, start], tasks: [0, 1], startMetrics: [0.05, 0.05],
                                             targetMetrics: [0.9, 0.9], sampler: .ddim(steps: 5), seed: 7)
        XCTAssertEqual(outputs.count, 2)
        XCTAssertEqual(outputs[0].count, layout.parameterCount)
        XCTAssertTrue(outputs.allSatisfy { $0.allSatisfy(\.isFinite) })
        let again = try generator.generate(starts: [start, start], tasks: [0, 1], startMetrics: [0.05, 0.05],
                                           targetMetrics: [0.9, 0.9], sampler: .ddim(steps: 5), seed: 7)
        XCTAssertEqual(again, outputs, "sampling is deterministic for a seed")
        let network = try generator.network(from: outputs[0])
        let metrics = try TaskEvaluator(zoo: zoo, task: "cord").evaluate(network)
        XCTAssertTrue((0...1).contains(metrics.testDice))
        XCTAssertThrowsError(try generator.taskIndex("lesion"))
    }
}
