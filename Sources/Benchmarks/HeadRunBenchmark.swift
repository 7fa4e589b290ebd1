import Foundation
import Formats
import NeuralNetwork
import Segmentation
import TensorEngine

/// `weightgen bench zoo`: one head run of a head zoo (the last decoder stage and segmentation
/// layer of a frozen PlainConvUNet with the shared nnU-Net fixture's architecture, features
/// 8–64, trained on cached head inputs of 64×64 patches) against the same run in PyTorch on the
/// same cached inputs, batches, initial weights and optimiser. Both sides' per-step losses are
/// compared, so the timing is of the same training.
public struct HeadRunBenchmark {
    public var repeats: Int
    public var warmup: Int
    public var peer: PyTorchPeer?
    let features = [8, 16, 32, 64], patch = [64, 64], poolSize = 256
    let recipe = HeadRunConfiguration(iterations: 200, batchSize: 8, optimizer: .adam, learningRate: 1e-2, seed: 1)

    public init(repeats: Int = 5, warmup: Int = 1, peer: PyTorchPeer?) {
        self.repeats = repeats
        self.warmup = warmup
        self.peer = peer
    }

    var caseName: String { "head run \(recipe.iterations) it B\(recipe.batchSize) \(patch[0])×\(patch[1])" }

    public func run(progress: (String) -> Void = { _ in }) throws -> BenchmarkReport {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("weightgen-bench-head-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        progress("writing a 24-case phantom (96×96) and caching \(poolSize) head inputs")
        let phantom = try SpinalCordPhantom(configuration: PhantomConfiguration(seed: 1, size: 96))
        try PhantomDatasetWriter.write(phantom, caseCount: 24, to: folder, tasks: [.cord])
        let dataset = try openTrainingDataset(folder, task: "cord")
        let cases = try dataset.trainingCases.map { try SegmentationCase.load($0, classes: 2) }
        let network = try PlainConvUNet(.standard(features: features, spatialRank: 2), seed: 0)
        let head = try network.freeze(allBut: ParameterSubset(patterns: network.headParameterPrefixes.map { $0 + "*" }))
        let pool = try HeadInputPool(network: network, cases: cases, sampler: PatchSampler(patchSize: [1] + patch),
                                     count: poolSize, seed: 0)
        let initial = try head.map { NamedTensor($0.name, try StoredTensor($0.tensor)) }
        let initialState = Dictionary(uniqueKeysWithValues: head.map { ($0.name, $0.tensor.copy()) })

        progress("weightgen: one head run (\(head.reduce(0) { $0 + $1.tensor.count }) parameters) per repetition")
        let trainer = try CachedHeadTrainer(network: network, configuration: recipe, pool: pool)
        var losses: [Float] = []
        let ours = try medianSeconds(repeats: repeats, warmup: warmup) {
            try network.loadStateDict(initialState, strict: false)
            losses = try trainer.run().lossHistory
        }

        var theirs: Double?, skipped: String?
        if let peer {
            progress("pytorch: the same head run")
            let file = folder.appendingPathComponent("head_run.safetensors")
            let order = recipe.batchOrder(poolCount: pool.count)
            let batches = try Tensor(shape: [recipe.iterations, recipe.batchSize], values: order.flatMap { $0.map(Float.init) })
            try SafeTensors.write(SafeTensorsFile(tensors: [NamedTensor("inputs", try StoredTensor(pool.inputs)),
                                                            NamedTensor("labels", try StoredTensor(pool.labels)),
                                                            NamedTensor("batches", try StoredTensor(batches))] + initial),
                                  to: file)
            let spec: [String: Any] = [
                "file": file.path, "name": caseName, "iterations": recipe.iterations, "batch_size": recipe.batchSize,
                "optimizer": recipe.optimizer.rawValue, "learning_rate": recipe.learningRate, "momentum": recipe.momentum,
                "weight_decay": recipe.weightDecay, "gradient_clip": recipe.gradientClip, "batch_dice": recipe.batchDice,
                "negative_slope": network.configuration.negativeSlope, "eps": network.configuration.normEps,
                "level": network.decoderStages.count - 1,
            ]
            guard let script = Bundle.module.url(forResource: "head_torch", withExtension: "py") else {
                throw CocoaError(.fileNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "head_torch.py resource is missing"])
            }
            switch peer.runReport(script: script, arguments: [
                "--threads", String(Engine.threadCount), "--repeats", String(repeats), "--warmup", String(warmup),
                "--spec", String(decoding: try JSONSerialization.data(withJSONObject: spec), as: UTF8.self)]) {
            case let .success(report):
                theirs = report.cases[caseName]
                let torchLosses = (report.extra["losses"] as? [Double])?.map(Float.init) ?? []
                try Self.checkSameTraining(losses, torchLosses)
                progress(String(format: "the two runs agree: loss %.4f → %.4f (PyTorch %.4f → %.4f)",
                                losses.first ?? .nan, losses.last ?? .nan, torchLosses.first ?? .nan, torchLosses.last ?? .nan))
            case let .failure(reason): skipped = reason.reason
            }
        } else {
            skipped = "--no-pytorch given"
        }
        // Convolution FLOPs of the head: forward, and twice that backward (input and weight gradients).
        let c = network.configuration, pixels = Double(patch[0] * patch[1]) * Double(recipe.batchSize)
        let headInput = 2 * c.featuresPerStage[0], width = c.featuresPerStage[0], convs = c.convsPerStageDecoder.last!
        let forward = 2 * pixels * (Double(headInput * width * 9) + Double((convs - 1) * width * width * 9) + Double(width * c.numClasses))
        let result = BenchmarkResult(name: caseName, weightgenSeconds: ours, pytorchSeconds: theirs, ratio: theirs.map { ours / $0 },
                                     gflops: 3 * forward * Double(recipe.iterations) / ours / 1e9)
        return BenchmarkReport(sgemmGflops: try EngineBenchmark.sgemmGflops(repeats: 3), cases: [result],
                               pytorchSkipped: skipped, threads: Engine.threadCount)
    }

    /// The two sides must have trained the same way: losses equal to 1e-3 of the first loss
    /// over the first 20 steps (later steps drift apart by float rounding, as any two libraries do).
    static func checkSameTraining(_ ours: [Float], _ theirs: [Float]) throws {
        let steps = min(20, ours.count)
        guard theirs.count >= steps, let first = ours.first else {
            throw BenchmarkError.peerDisagrees("PyTorch reported \(theirs.count) losses, expected \(ours.count)")
        }
        for i in 0..<steps where abs(ours[i] - theirs[i]) > 1e-3 * max(abs(first), 1) {
            throw BenchmarkError.peerDisagrees("head run loss at step \(i): weightgen \(ours[i]), PyTorch \(theirs[i])")
        }
    }
}

/// A benchmark whose two sides did not do the same work.
public enum BenchmarkError: Error, CustomStringConvertible {
    case peerDisagrees(String)

    public var description: String {
        switch self {
        case let .peerDisagrees(detail): return "the PyTorch peer did not compute the same thing: \(detail)"
        }
    }
}
