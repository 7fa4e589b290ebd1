import Foundation
@testable import Generator
import Segmentation
import XCTest
import Zoo

extension XCTestCase {
    /// A two-task zoo of four short runs each on a 32×32 phantom, removed after the test.
    func makeGeneratorTestZoo(checkpointContent: CheckpointContent = .parameters) throws -> Zoo {
        let dataset = FileManager.default.temporaryDirectory.appendingPathComponent("gen-phantom-\(UUID().uuidString)")
        let zooFolder = FileManager.default.temporaryDirectory.appendingPathComponent("gen-zoo-\(UUID().uuidString)")
        addTeardownBlock { for url in [dataset, zooFolder] { try? FileManager.default.removeItem(at: url) } }
        let phantom = try SpinalCordPhantom(configuration: PhantomConfiguration(seed: 3, size: 32))
        _ = try PhantomDatasetWriter.write(phantom, caseCount: 20, to: dataset, tasks: [.cord, .canal])
        var distribution = HyperparameterDistribution.standard
        distribution.iterations = [10]
        distribution.batchSizes = [4]
        let plan = ZooPlan(datasetPath: dataset.path, tasks: ["cord", "canal"], patchSize: [1, 32, 32], runsPerTask: 4,
                           checkpointsPerRun: 4, distribution: distribution, validationCases: 4, testCases: 4, trainingLossCases: 4,
                           checkpointContent: checkpointContent)
        let zoo = try Zoo.create(at: zooFolder, plan: plan)
        _ = try ZooBuilder(zoo: zoo, workers: 2).build()
        return zoo
    }

    /// Adam's own step (an untrained rule beside `GradientHistory.adamStep`) on `casesPerCall`
    /// fresh training patches per call, distilled from `zoo` (which must keep optimiser state).
    func adamStepOptimizer(_ zoo: Zoo, casesPerCall: Int = 16) throws -> LearnedOptimizer {
        var configuration = LearnedOptimizerTests.quick
        configuration.trainingSteps = 0
        configuration.history = .adamStep
        configuration.gradient = .trainingPatches
        configuration.casesPerCall = casesPerCall
        return try LearnedOptimizerTrainer(zoo: zoo, folder: temporaryGeneratorFolder(), configuration: configuration,
                                           heldOutRunsPerTask: 1).train()
    }

    /// A generation's fixture: Adam's own step (`adamStepOptimizer`) on a fresh test zoo, the cord
    /// task's evaluator and a start of the optimiser's architecture drawn from seed 5.
    func adamStepGeneration(casesPerCall: Int = 16) throws -> (optimizer: LearnedOptimizer, evaluator: TaskEvaluator, start: [Float]) {
        let zoo = try makeGeneratorTestZoo(checkpointContent: .parametersAndOptimizerState)
        let optimizer = try adamStepOptimizer(zoo, casesPerCall: casesPerCall)
        let start = try optimizer.assembly.layout.flatten(try PlainConvUNet(optimizer.description.architecture, seed: 5))
        return (optimizer, try TaskEvaluator(zoo: zoo, task: "cord"), start)
    }

    /// A fresh folder path, removed after the test.
    func temporaryGeneratorFolder() -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gen-\(UUID().uuidString)")
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        return folder
    }
}

/// The Euclidean distance between two parameter or gradient vectors of one length.
func euclideanDistance(_ a: [Float], _ b: [Float]) -> Float {
    zip(a, b).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
}

/// The Euclidean norm of a parameter or gradient vector: the scale tolerances are relative to.
func euclideanNorm(_ a: [Float]) -> Float {
    a.map { $0 * $0 }.reduce(0, +).squareRoot()
}
