import Foundation
import NeuralNetwork
import TensorEngine

/// A linear map per token position: [B, T, in] → [B, T, out] with weights [T, in, out]
/// (G.pt's per-token encoders and decoders, bias-free).
final class PerTokenLinear: Module {
    let weight: Tensor

    init(tokens: Int, inFeatures: Int, outFeatures: Int, std: Float, rng: inout SeededGenerator) {
        weight = std == 0 ? Tensor.zeros([tokens, inFeatures, outFeatures])
            : Initialization.normal([tokens, inFeatures, outFeatures], std: std, using: &rng)
        super.init()
        registerParameter("weight", weight)
    }

    func callAsFunction(_ x: Tensor) throws -> Tensor {
        try x.perTokenLinear(weight)
    }
}

/// The inputs of one generator forward pass for a batch of B pairs.
public struct GeneratorInput {
    /// Start parameters, normalised and tokenised: [B, T, C].
    public let start: Tensor
    /// The training-loss gradient at the start parameters, unit RMS per tensor, tokenised:
    /// [B, T, C]; required when the configuration has `startGradient`.
    public let startGradient: Tensor?
    /// Noised target parameters x_t: [B, T, C].
    public let noisy: Tensor
    /// Scalar prompts per sample: diffusion step t / T, target metric, start metric, their difference.
    public let scalars: [[Float]]
    /// Task index per sample.
    public let tasks: [Int]
    /// Training-run (trajectory) index per sample; required when the configuration has `runEmbedding`.
    public let runs: [Int]?

    public init(start: Tensor, noisy: Tensor, scalars: [[Float]], tasks: [Int], startGradient: Tensor? = nil, runs: [Int]? = nil) {
        self.start = start
        self.startGradient = startGradient
        self.noisy = noisy
        self.scalars = scalars
        self.tasks = tasks
        self.runs = runs
    }
}

/// G.pt's transformer over parameter tokens: per-token encoders for the noised target and
/// the start parameters, frequency-embedded scalar prompts (diffusion step, target and start
/// metric, their difference), a learned task embedding (plus, optionally, one of the training
/// run a target came from), LayerNorm and positional embedding,
/// pre-LN blocks, and zero-initialised per-token decoders with (by default) the global residual
/// to the start parameters — so the untrained model predicts "target = start".
public final class GeneratorModel: Module {
    public let configuration: GeneratorConfiguration
    public let tokenCount: Int
    public let taskCount: Int
    /// Training runs the run embedding knows (0 without one).
    public let runCount: Int
    static let scalarCount = 4
    let noisyEncoder: PerTokenLinear
    let startEncoder: PerTokenLinear
    let gradientEncoder: PerTokenLinear?
    let scalarEncoder: PerTokenLinear
    let taskEmbedding: Tensor
    let runEmbedding: Tensor?
    let inputNorm: LayerNorm
    let positionalEmbedding: Tensor
    let blocks: ModuleList<TransformerBlock>
    let outputNorm: LayerNorm
    let decoder: PerTokenLinear
    /// Frequencies of the diffusion step's embedding and of the metric prompts'.
    let stepFrequencies: [Float]
    let promptFrequencies: [Float]

    public init(configuration c: GeneratorConfiguration, tokenCount: Int, taskCount: Int, runCount: Int = 0, seed: UInt64) throws {
        try c.validate()
        guard !c.data.runEmbedding || runCount > 0 else {
            throw GeneratorError.incompatible("a generator with a run embedding needs the number of training runs")
        }
        configuration = c
        self.tokenCount = tokenCount
        self.taskCount = max(taskCount, 1)
        self.runCount = c.data.runEmbedding ? runCount : 0
        var rng = SeededGenerator(seed: seed)
        let w = c.architecture.width, chunk = c.architecture.chunkSize
        noisyEncoder = PerTokenLinear(tokens: tokenCount, inFeatures: chunk, outFeatures: w, std: 1 / Float(chunk).squareRoot(), rng: &rng)
        startEncoder = PerTokenLinear(tokens: tokenCount, inFeatures: chunk, outFeatures: w, std: 1 / Float(chunk).squareRoot(), rng: &rng)
        gradientEncoder = c.readsStartGradient
            ? PerTokenLinear(tokens: tokenCount, inFeatures: chunk, outFeatures: w, std: 1 / Float(chunk).squareRoot(), rng: &rng) : nil
        let features = 2 * c.architecture.frequencies + 1
        scalarEncoder = PerTokenLinear(tokens: Self.scalarCount, inFeatures: features, outFeatures: w,
                                       std: 1 / Float(features).squareRoot(), rng: &rng)
        taskEmbedding = Initialization.normal([self.taskCount, w], std: 0.02, using: &rng)
        runEmbedding = c.data.runEmbedding ? Initialization.normal([runCount, w], std: 0.02, using: &rng) : nil
        inputNorm = LayerNorm(features: w)
        positionalEmbedding = Tensor.zeros([1, 2 * tokenCount + Self.scalarCount + 1, w])
        blocks = ModuleList()
        for _ in 0..<c.architecture.depth { blocks.append(TransformerBlock(width: w, heads: c.architecture.heads, rng: &rng)) }
        outputNorm = LayerNorm(features: w)
        decoder = PerTokenLinear(tokens: tokenCount, inFeatures: w, outFeatures: chunk, std: 0, rng: &rng)
        stepFrequencies = Self.frequencies(count: c.architecture.frequencies, octaves: 10)
        promptFrequencies = Self.frequencies(count: c.architecture.frequencies, octaves: c.architecture.promptOctaves)
        super.init()
        registerChild("noisy_encoder", noisyEncoder)
        registerChild("start_encoder", startEncoder)
        if let gradientEncoder { registerChild("gradient_encoder", gradientEncoder) }
        registerChild("scalar_encoder", scalarEncoder)
        registerParameter("task_embedding", taskEmbedding)
        if let runEmbedding { registerParameter("run_embedding", runEmbedding) }
        registerChild("ln_in", inputNorm)
        registerParameter("pos_embedding", positionalEmbedding)
        registerChild("blocks", blocks)
        registerChild("ln_out", outputNorm)
        registerChild("decoder", decoder)
    }

    /// The predicted clean target tokens x̂₀: [B, T, C].
    public func callAsFunction(_ input: GeneratorInput) throws -> Tensor {
        let batch = input.start.shape[0]
        guard input.start.shape.dims == [batch, tokenCount, configuration.architecture.chunkSize], input.noisy.shape == input.start.shape,
              input.scalars.count == batch, input.scalars.allSatisfy({ $0.count == Self.scalarCount }), input.tasks.count == batch else {
            throw GeneratorError.incompatible("generator input shapes \(input.start.shape), \(input.noisy.shape) do not fit "
                + "\(tokenCount) tokens of \(configuration.architecture.chunkSize)")
        }
        var features: [Float] = []
        features.reserveCapacity(batch * Self.scalarCount * (2 * configuration.architecture.frequencies + 1))
        for sample in input.scalars {
            for (index, x) in sample.enumerated() {
                let frequencies = index == 0 ? stepFrequencies : promptFrequencies
                for f in frequencies { features.append(sin(f * x)) }
                for f in frequencies { features.append(cos(f * x)) }
                features.append(x)
            }
        }
        let scalarTokens = try scalarEncoder(Tensor(shape: [batch, Self.scalarCount, 2 * configuration.architecture.frequencies + 1], values: features))
        var oneHot = [Float](repeating: 0, count: batch * taskCount)
        for (b, task) in input.tasks.enumerated() {
            guard (0..<taskCount).contains(task) else { throw GeneratorError.incompatible("task index \(task) outside 0..<\(taskCount)") }
            oneHot[b * taskCount + task] = 1
        }
        var taskToken = try Tensor(shape: [batch, taskCount], values: oneHot).matmul(taskEmbedding).reshaped([batch, 1, configuration.architecture.width])
        if let runEmbedding {
            guard let runs = input.runs, runs.count == batch, runs.allSatisfy({ (0..<runCount).contains($0) }) else {
                throw GeneratorError.incompatible("this generator needs a training-run index in 0..<\(runCount) per sample")
            }
            var runHot = [Float](repeating: 0, count: batch * runCount)
            for (b, run) in runs.enumerated() { runHot[b * runCount + run] = 1 }
            taskToken = try taskToken + Tensor(shape: [batch, runCount], values: runHot).matmul(runEmbedding)
                .reshaped([batch, 1, configuration.architecture.width])
        }
        var startTokens = try startEncoder(input.start)
        if let gradientEncoder {
            guard let gradient = input.startGradient, gradient.shape == input.start.shape else {
                throw GeneratorError.incompatible("this generator reads the start gradient; pass one of shape \(input.start.shape)")
            }
            startTokens = try startTokens + gradientEncoder(gradient)
        }
        let sequence = try Tensor.concatenate([noisyEncoder(input.noisy), startTokens, scalarTokens, taskToken], axis: 1)
        var h = try inputNorm(sequence) + positionalEmbedding
        for block in blocks.elements { h = try block(h) }
        let targets = try outputNorm(h).sliced(axis: 1, 0..<tokenCount)
        return configuration.hasGlobalResidual ? try decoder(targets) + input.start : try decoder(targets)
    }

    /// `count` frequencies π·2^k, k evenly spaced over 0…octaves.
    static func frequencies(count: Int, octaves: Double) -> [Float] {
        (0..<count).map { Float.pi * Float(pow(2, octaves * Double($0) / Double(max(count - 1, 1)))) }
    }
}
