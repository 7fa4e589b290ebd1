import Foundation
import Segmentation
import TensorEngine
import Zoo

/// How a generator samples.
public enum DiffusionSampler: Sendable, Equatable {
    /// Ancestral DDPM over all training steps (G.pt's sampler).
    case ddpm
    /// Deterministic DDIM over `steps` evenly spaced steps.
    case ddim(steps: Int)
}

/// A trained generator: prompted with a start network, its metric and a target metric, it
/// returns new parameters for the task in one sampling call.
public final class WeightGenerator {
    public let description: GeneratorDescription
    let model: GeneratorModel
    let diffusion: GaussianDiffusion
    /// How generated vectors become networks (a partial generator's base is read here).
    public let assembly: NetworkAssembly

    init(description: GeneratorDescription, model: GeneratorModel) throws {
        self.description = description
        self.model = model
        diffusion = GaussianDiffusion(steps: description.configuration.architecture.diffusionSteps)
        assembly = try NetworkAssembly(architecture: description.architecture, partial: description.partial)
        guard assembly.layout == description.normalizer.layout else {
            throw GeneratorError.incompatible("the generator's layout does not match its architecture\(description.partial.map { " and the subset \($0.subset)" } ?? "")")
        }
    }

    /// Loads a generator folder with its EMA weights (G.pt samples with them), or its last raw
    /// weights when `exponentialMovingAverage` is false.
    public convenience init(folder: URL, exponentialMovingAverage: Bool = true) throws {
        let description = try GeneratorStore.readDescription(folder)
        let model = try GeneratorModel(configuration: description.configuration, tokenCount: description.tokenizer.tokenCount,
                                       taskCount: description.tasks.count, runCount: description.runCount, seed: 0)
        try model.loadStateDict(try GeneratorStore.readTensors(folder, prefix: exponentialMovingAverage ? "ema." : "model."))
        try self.init(description: description, model: model)
    }

    /// The task's index, or an error listing the known ones.
    public func taskIndex(_ task: String) throws -> Int {
        guard let index = description.tasks.firstIndex(of: task) else {
            throw GeneratorError.incompatible("the generator knows tasks \(description.tasks), not \(task)")
        }
        return index
    }

    /// `target` limited to what the generator saw in training for the task: no better than its
    /// training runs' best checkpoint (at most that Dice, at least that loss). A prompt no
    /// training target carried is an input the model never learned to answer; measured on the
    /// acceptance zoo it returns worse networks (docs/results/GENERATOR.md), not better ones.
    public func attainablePrompt(_ target: Double, task: Int) -> Double {
        guard description.tasks.indices.contains(task), let best = description.bestMetric[description.tasks[task]] else { return target }
        return description.configuration.data.metric.higherIsBetter ? min(target, best) : max(target, best)
    }

    /// The training run whose path a start is answered from at a target metric, for a
    /// generator with a run embedding (nil otherwise). Only the task's runs that reached the
    /// target take part (all of them when none did): a run's path holds no network better than
    /// its best. Among those, the run the start initialised when it is one of them (the
    /// generator recognises its training runs' initialisations in any channel order), else one
    /// fixed by the start's values — an unseen initialisation says nothing about which run it
    /// resembles, so that choice is arbitrary but repeatable.
    public func answeringRun(for start: [Float], task: Int, target: Double) -> Int? {
        guard let learned = description.learnedRuns else { return nil }
        let rows = learned.indices.filter { learned[$0].task == task }
        guard !rows.isEmpty else { return nil }
        let higherIsBetter = description.configuration.data.metric.higherIsBetter
        let reached = rows.filter { higherIsBetter ? learned[$0].bestMetric >= target : learned[$0].bestMetric <= target }
        let candidates = reached.isEmpty ? rows : reached
        let fingerprint = InitialisationFingerprint.of(start)
        if let own = candidates.first(where: { learned[$0].initialisationFingerprint == fingerprint }) { return own }
        return candidates[Int(fingerprint % UInt64(candidates.count))]
    }

    /// New flat parameter vectors for each start vector (in the U-Net layout), prompted with
    /// the start and target metrics; one batch through the sampler. Targets are limited by
    /// `attainablePrompt` unless `extrapolate` is set.
    /// `startGradients` (from `startGradients(for:tasks:zoo:)`) are required when the generator reads them.
    public func generate(starts: [[Float]], tasks: [Int], startMetrics: [Double], targetMetrics: [Double],
                         startGradients: [[Float]]? = nil, sampler: DiffusionSampler = .ddim(steps: 50),
                         seed: UInt64 = 0, extrapolate: Bool = false) throws -> [[Float]] {
        let batch = starts.count
        guard batch > 0, tasks.count == batch, startMetrics.count == batch, targetMetrics.count == batch else {
            throw GeneratorError.incompatible("generate needs one task, start metric and target metric per start network")
        }
        let targets = zip(targetMetrics, tasks).map { extrapolate ? $0 : attainablePrompt($0, task: $1) }
        let runs = description.configuration.data.runEmbedding ? try starts.indices.map { b in
            guard let run = answeringRun(for: starts[b], task: tasks[b], target: targets[b]) else {
                throw GeneratorError.incompatible("the generator learned no runs of task index \(tasks[b])")
            }
            return run
        } : nil
        let tokenizer = description.tokenizer, normalizer = description.normalizer
        let shape = Shape([batch, tokenizer.tokenCount, tokenizer.chunkSize])
        // A generator trained without starts (start dropout 1) sees the zoo mean and a start metric of 0, as in training.
        let hidesStart = description.configuration.hidesStart
        let startTensor = hidesStart ? Tensor.zeros(shape)
            : try Tensor(shape: shape, values: starts.flatMap { tokenizer.tokenize(normalizer.normalize($0)) })
        let gradientTensor = try startGradients.map { try Tensor(shape: shape, values: $0.flatMap(tokenizer.tokenize)) }
        var rng = SeededGenerator(seed: seed)
        var x = (0..<shape.count).map { _ in rng.nextNormal() }
        let steps: [Int]
        switch sampler {
        case .ddpm: steps = Array((0..<diffusion.steps).reversed())
        case let .ddim(count): steps = diffusion.ddimSchedule(count: count)
        }
        var x0: [Float] = []
        try withNoGrad {
            for (position, t) in steps.enumerated() {
                let scalars = (0..<batch).map { b -> [Float] in
                    let target = Float(targets[b]), start = hidesStart ? 0 : Float(startMetrics[b])
                    return [Float(t) / Float(diffusion.steps), target, start, target - start]
                }
                let input = GeneratorInput(start: startTensor, noisy: try Tensor(shape: shape, values: x), scalars: scalars, tasks: tasks,
                                           startGradient: gradientTensor, runs: runs)
                x0 = try model(input).scalars
                switch sampler {
                case .ddpm: x = diffusion.ancestralStep(x0: x0, xt: x, step: t, rng: &rng)
                case .ddim: x = diffusion.ddimStep(x0: x0, xt: x, step: t, previous: position + 1 < steps.count ? steps[position + 1] : -1)
                }
            }
        }
        let tokenValues = tokenizer.tokenCount * tokenizer.chunkSize
        return (0..<batch).map { b in normalizer.denormalize(tokenizer.detokenize(Array(x[(b * tokenValues)..<((b + 1) * tokenValues)]))) }
    }

    /// The start-gradient inputs for `starts` measured on `zoo`'s training-loss cases, or nil when
    /// this generator does not read them.
    public func startGradients(for starts: [[Float]], tasks: [Int], zoo: Zoo) throws -> [[Float]]? {
        guard description.configuration.readsStartGradient else { return nil }
        return try startGradients(for: starts, tasks: tasks, evaluators: try description.tasks.map { try TaskEvaluator(zoo: zoo, task: $0) })
    }

    /// The same with the zoo's cases already loaded (one `TaskEvaluator` per task, in the
    /// generator's task order), for callers that ask repeatedly.
    public func startGradients(for starts: [[Float]], tasks: [Int], evaluators: [TaskEvaluator]) throws -> [[Float]]? {
        guard description.configuration.readsStartGradient else { return nil }
        let feature = StartGradient(assembly: assembly, evaluators: evaluators)
        return try zip(starts, tasks).map { try feature.features($0, task: $1) }
    }

    /// A U-Net holding `parameters` (a flat vector in the generator's layout).
    public func network(from parameters: [Float]) throws -> PlainConvUNet {
        try assembly.network(parameters)
    }
}
