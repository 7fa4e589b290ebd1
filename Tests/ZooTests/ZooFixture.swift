import Foundation
import Segmentation
import XCTest
@testable import Zoo

/// A small phantom and plan that build in seconds: 32×32 images, a handful of short runs.
enum ZooFixture {
    /// Writes a phantom (cord and canal tasks) into a fresh temporary folder.
    static func phantomFolder(cases: Int = 24) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("zoo-phantom-\(UUID().uuidString)")
        let phantom = try SpinalCordPhantom(configuration: PhantomConfiguration(seed: 3, size: 32))
        _ = try PhantomDatasetWriter.write(phantom, caseCount: cases, to: folder, tasks: [.cord, .canal])
        return folder
    }

    /// A plan of `runs` runs per task of a few iterations with 4 checkpoints each.
    static func plan(dataset: URL, tasks: [String] = ["cord"], runs: Int = 4, iterations: [Int] = [12, 16],
                     learningRate: SampledInterval? = nil) -> ZooPlan {
        var distribution = HyperparameterDistribution.standard
        distribution.iterations = iterations
        distribution.batchSizes = [4]
        if let learningRate {
            distribution.optimizers = [.adam]
            distribution.adamLearningRate = learningRate
        }
        return ZooPlan(datasetPath: dataset.path, tasks: tasks, network: .preset(.tiny, spatialRank: 2), patchSize: [1, 32, 32],
                       runsPerTask: runs, checkpointsPerRun: 4, distribution: distribution, seed: 5,
                       validationCases: 4, testCases: 4)
    }

    static func temporaryZooFolder() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("zoo-\(UUID().uuidString)")
    }

    /// CRC-32 of every checkpoint, keyed by "task/run/iteration".
    static func checksums(_ zoo: Zoo) throws -> [String: Int64] {
        Dictionary(uniqueKeysWithValues: try zoo.checkpointChecksums().map { ("\($0.task)/\($0.runIndex)/\($0.iteration)", $0.crc32) })
    }
}
