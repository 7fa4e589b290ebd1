import Foundation
import Generator
import NeuralNetwork
import Segmentation
import TensorEngine
import Zoo

/// `weightgen bench generator`: one training step of a diffusion generator (`start-hidden`
/// unless told) over the `tiny` U-Net's tokens, and the sampling of one network, side by side
/// with the same model in PyTorch.
public struct GeneratorBenchmark {
    public var repeats: Int
    public var warmup: Int
    public var peer: PyTorchPeer?
    public var configuration: GeneratorConfiguration
    public var samplingSteps: Int

    public init(repeats: Int = 5, warmup: Int = 2, peer: PyTorchPeer?, configuration: GeneratorConfiguration = .startHidden,
                samplingSteps: Int = 50) {
        self.repeats = repeats
        self.warmup = warmup
        self.peer = peer
        self.configuration = configuration
        self.samplingSteps = samplingSteps
    }

    public func run(progress: (String) -> Void = { _ in }) throws -> BenchmarkReport {
        let c = configuration
        let layout = ParameterLayout(try PlainConvUNet(UNetPreset.tiny.configuration(spatialRank: 2), seed: 0))
        let tokens = ParameterTokenizer(layout: layout, chunkSize: c.architecture.chunkSize).tokenCount
        // Three tasks, and a run-embedding row per training run of each when the configuration has one.
        let runCount = c.data.runEmbedding ? 3 * (c.data.runsPerTask ?? 16) : 0
        let model = try GeneratorModel(configuration: c, tokenCount: tokens, taskCount: 3, runCount: runCount, seed: 1)
        let optimizer = Adam.adamW(groups: ParameterGroup.decayAndNoDecay(model.namedParameters(), weightDecay: c.schedule.weightDecay),
                                   learningRate: 1e-4)
        func input(_ batch: Int) -> GeneratorInput {
            GeneratorInput(start: Tensor.normal([batch, tokens, c.architecture.chunkSize], seed: 1),
                           noisy: Tensor.normal([batch, tokens, c.architecture.chunkSize], seed: 2),
                           scalars: (0..<batch).map { _ in [0.3, 0.9, 0.1, 0.8] }, tasks: [Int](repeating: 0, count: batch),
                           runs: runCount > 0 ? [Int](repeating: 0, count: batch) : nil)
        }
        let training = input(c.schedule.batchSize), target = Tensor.normal([c.schedule.batchSize, tokens, c.architecture.chunkSize], seed: 3)
        progress("weightgen: generator training step (\(tokens) tokens, width \(c.architecture.width), depth \(c.architecture.depth), "
                 + "batch \(c.schedule.batchSize))")
        let step = try medianSeconds(repeats: repeats, warmup: warmup) {
            optimizer.zeroGrad()
            let difference = try model(training) - target
            let loss = try (difference * difference).mean()
            try loss.backward()
            clipGradientNorm(model.parameters(), maxNorm: c.schedule.gradientClip)
            try optimizer.step()
        }
        let single = input(1)
        progress("weightgen: generate one network (\(samplingSteps) DDIM steps)")
        let generate = try medianSeconds(repeats: repeats, warmup: warmup) {
            try withNoGrad { for _ in 0..<samplingSteps { _ = try model(single) } }
        }
        var theirs: [String: Double] = [:]
        var skipped: String?
        if let peer {
            progress("pytorch: the same generator")
            let spec: [String: Any] = ["tokens": tokens, "chunk": c.architecture.chunkSize, "width": c.architecture.width,
                                       "depth": c.architecture.depth, "heads": c.architecture.heads,
                                       "frequencies": c.architecture.frequencies, "tasks": 3, "batch": c.schedule.batchSize, "sampling_steps": samplingSteps,
                                       "residual": c.hasGlobalResidual, "runs": runCount]
            let specJSON = String(decoding: try JSONSerialization.data(withJSONObject: spec), as: UTF8.self)
            guard let script = Bundle.module.url(forResource: "generator_torch", withExtension: "py") else {
                throw CocoaError(.fileNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "generator_torch.py resource is missing"])
            }
            switch peer.run(script: script, arguments: ["--threads", String(Engine.threadCount), "--repeats", String(repeats),
                                                       "--warmup", String(warmup), "--spec", specJSON]) {
            case let .success(timings): theirs = timings
            case let .failure(reason): skipped = reason.reason
            }
        } else {
            skipped = "--no-pytorch given"
        }
        // Matrix-product FLOPs of one forward pass per sample (encoders, blocks, attention, decoder).
        let sequence = Double(2 * tokens + 5), w = Double(c.architecture.width), chunk = Double(c.architecture.chunkSize)
        let forward = 2 * 2 * Double(tokens) * chunk * w + Double(c.architecture.depth) * (2 * sequence * w * w * 12 + 4 * sequence * sequence * w)
            + 2 * Double(tokens) * w * chunk
        let results = [("generator training step", step, 3 * forward * Double(c.schedule.batchSize)),
                       ("generate one network", generate, forward * Double(samplingSteps))].map { name, mine, flops in
            BenchmarkResult(name: name, weightgenSeconds: mine, pytorchSeconds: theirs[name], ratio: theirs[name].map { mine / $0 },
                            gflops: flops / mine / 1e9)
        }
        return BenchmarkReport(sgemmGflops: try EngineBenchmark.sgemmGflops(repeats: 3), cases: results, pytorchSkipped: skipped,
                               threads: Engine.threadCount)
    }
}
