import Foundation
import Formats
import Segmentation
import TensorEngine

/// `weightgen bench train`: iterations per second of weightgen's trainer against nnU-Net v2's
/// own trainer, on the same phantom data, architecture (the shared fixture's PlainConvUNet,
/// features 8–64), patch (72×56) and batch (4), augmentation and deep supervision included.
public struct TrainBenchmark {
    public var iterations: Int
    public var warmup: Int
    public var peer: PyTorchPeer?
    let features = [8, 16, 32, 64], patch = [72, 56], batch = 4

    public init(iterations: Int = 40, warmup: Int = 5, peer: PyTorchPeer?) {
        self.iterations = iterations
        self.warmup = warmup
        self.peer = peer
    }

    var caseName: String { "nnU-Net trainer step \(features) B\(batch) \(patch[0])×\(patch[1])" }

    public func run(progress: (String) -> Void = { _ in }) throws -> BenchmarkReport {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("weightgen-bench-train-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        progress("writing a 24-case phantom (96×96)")
        let phantom = try SpinalCordPhantom(configuration: PhantomConfiguration(seed: 1, size: 96))
        try PhantomDatasetWriter.write(phantom, caseCount: 24, to: folder, tasks: [.cord])
        let dataset = try openTrainingDataset(folder, task: "cord")
        let cases = try dataset.trainingCases.map { try SegmentationCase.load($0, classes: 2) }

        progress("weightgen: \(warmup + iterations) iterations")
        let configuration = PlainConvUNetConfiguration.standard(features: features, spatialRank: 2)
        let trainer = Trainer(network: try PlainConvUNet(configuration, seed: 0),
                              configuration: TrainingConfiguration(iterations: warmup + iterations, batchSize: batch,
                                                                   patchSize: [1] + patch, seed: 0),
                              trainingCases: cases, validationCases: [])
        var timedStart = Date()
        _ = try trainer.run(snapshotIterations: [warmup], onSnapshot: { _ in timedStart = Date() })
        let ours = Date().timeIntervalSince(timedStart) / Double(iterations)

        var theirs: Double?, skipped: String?
        if let peer {
            progress("nnU-Net: planning, preprocessing and \(warmup + iterations) iterations")
            guard let script = Bundle.module.url(forResource: "train_nnunet", withExtension: "py") else {
                throw CocoaError(.fileNoSuchFile)
            }
            switch peer.run(script: script, arguments: [
                "--raw", dataset.url.path, "--name", caseName, "--threads", String(Engine.threadCount),
                "--iterations", String(iterations), "--warmup", String(warmup),
                "--features", features.map(String.init).joined(separator: ","),
                "--patch", patch.map(String.init).joined(separator: ","), "--batch", String(batch),
            ]) {
            case let .success(timings): theirs = timings[caseName]
            case let .failure(reason): skipped = reason.reason
            }
        } else {
            skipped = "--no-pytorch given"
        }
        let flops = 3 * configuration.forwardFLOPs(batch: batch, spatial: patch)
        let result = BenchmarkResult(name: caseName, weightgenSeconds: ours, pytorchSeconds: theirs,
                                     ratio: theirs.map { ours / $0 }, gflops: flops / ours / 1e9)
        return BenchmarkReport(sgemmGflops: try EngineBenchmark.sgemmGflops(repeats: 5), cases: [result],
                               pytorchSkipped: skipped, threads: Engine.threadCount)
    }
}
