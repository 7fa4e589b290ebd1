import Foundation
import NeuralNetwork
import Segmentation
import TensorEngine
import Zoo

/// What the generator trainer reports as it goes.
public struct GeneratorProgress: Sendable {
    public let step: Int
    public let steps: Int
    public let loss: Float
    public let learningRate: Float
    public let stepsPerSecond: Double
    public let secondsRemaining: Double
    /// Periodic evaluation: mean prompted and achieved metric on held-out runs' initialisations.
    public let heldOutPrompted: Double?
    public let heldOutAchieved: Double?
}

/// Trains a G.pt-style generator on a zoo: pairs (start, later target) of one run, permuted
/// at random, normalised and tokenised; the target noised to a uniform diffusion step; MSE on
/// the predicted clean target; AdamW (no decay on biases, norms, embeddings), warm-up + cosine
/// learning rate, gradient clipping, EMA. Saves the generator every `checkpointInterval` steps
/// and resumes from the folder it writes.
public final class GeneratorTrainer {
    public let zoo: Zoo
    public let folder: URL
    public private(set) var description: GeneratorDescription
    let model: GeneratorModel
    let pool: RunPool
    let permutation: UNetPermutation?
    let diffusion: GaussianDiffusion
    /// 1 for real parameter slots, 0 for padding, for a whole batch: [B, T, C].
    let batchMask: Tensor
    let optimizer: Adam
    let ema: ExponentialMovingAverage
    let heldOutEvaluations: [(task: Int, start: [Float], startMetric: Double, prompt: Double)]
    let evaluators: [TaskEvaluator]
    let startGradient: StartGradient?
    public var checkpointInterval = 250
    public var logInterval = 25

    /// A new trainer, or the one saved in `folder` when it holds a generator of the same zoo.
    public init(zoo: Zoo, folder: URL, configuration: GeneratorConfiguration, tasks: [String]? = nil,
                heldOutRunsPerTask: Int = 2, seed: UInt64 = 0) throws {
        self.zoo = zoo
        self.folder = folder
        let tasks = tasks ?? zoo.plan.tasks
        let saved = FileManager.default.fileExists(atPath: folder.appendingPathComponent(GeneratorStore.weightsFile).path)
        let state = saved ? try GeneratorStore.readTrainingState(folder) : nil
        let resumed = state?.description
        if let resumed, resumed.zoo != zoo.folder.standardizedFileURL.path || resumed.tasks != tasks || resumed.configuration != configuration {
            throw GeneratorError.incompatible("\(folder.path) holds a generator of another zoo, task list or configuration; choose another --out")
        }
        let architectureID = try zoo.planArchitectureID()
        let (architecture, layout) = try zoo.architecture(architectureID)
        let assembly = try zoo.assembly(architectureID)
        let heldOut = resumed?.heldOutRuns ?? Array((0..<zoo.plan.runsPerTask).suffix(heldOutRunsPerTask))
        let evaluators = try tasks.map { try TaskEvaluator(zoo: zoo, task: $0) }
        startGradient = configuration.readsStartGradient
            ? StartGradient(assembly: assembly, evaluators: evaluators) : nil
        let channelGroups = try UNetPermutation(configuration: architecture, layout: layout)
        // Path networks are scored like the zoo's checkpoints, by the prompt metric alone: never on a test case.
        let measure = { (parameters: [Float], task: Int) throws -> Float in
            Float(try assembly.withNetwork(parameters) { try configuration.data.metric.measure($0, on: evaluators[task]) })
        }
        // A resumed training reads the runs it recorded, however the zoo has grown since.
        let selected = try tasks.map { task in
            try resumed?.learnedRunRecords(task: task, zoo: zoo)
                ?? RunPool.trainingRuns(zoo: zoo, task: task, runsPerTask: configuration.data.runsPerTask, selection: configuration.data.runSelection,
                                        metric: configuration.data.metric, excluding: Set(heldOut))
        }
        pool = try RunPool(zoo: zoo, tasks: tasks, selected: selected, metric: configuration.data.metric,
                           startGradient: startGradient, alignment: configuration.data.alignment == .canonical ? channelGroups : nil,
                           paths: (configuration.data.pathTargets, measure))
        let tokenizer = ParameterTokenizer(layout: layout, chunkSize: configuration.architecture.chunkSize)
        let normalizer = resumed?.normalizer ?? ParameterNormalizer(layout: layout, checkpoints: pool.allParameters)
        permutation = configuration.data.alignment == .permutationAugmentation ? channelGroups : nil
        diffusion = GaussianDiffusion(steps: configuration.architecture.diffusionSteps)
        batchMask = try Tensor(shape: [configuration.schedule.batchSize, tokenizer.tokenCount, configuration.architecture.chunkSize],
                               values: Array((0..<configuration.schedule.batchSize).map { _ in tokenizer.mask }.joined()))
        var initial: [String: Double] = [:], best: [String: Double] = [:]
        for (index, task) in tasks.enumerated() {
            let runs = pool.runs.filter { $0.task == index }
            initial[task] = runs.map { Double($0.metrics[0]) }.reduce(0, +) / Double(max(runs.count, 1))
            best[task] = configuration.data.metric.best(of: runs.flatMap(\.metrics).map(Double.init)) ?? 0
        }
        let spacing = evaluators[0].medianSpacing
        description = resumed ?? GeneratorDescription(
            configuration: configuration, architecture: architecture, partial: zoo.plan.partial, patchSize: zoo.plan.patchSize, spacing: spacing, tokenizer: tokenizer,
            normalizer: normalizer, tasks: tasks, initialMetric: initial, bestMetric: best,
            zoo: zoo.folder.standardizedFileURL.path, runsPerTask: configuration.data.runsPerTask, heldOutRuns: heldOut,
            trainingRuns: pool.recordedRunIndices(tasks: tasks),
            learnedRuns: configuration.data.runEmbedding ? pool.learnedRuns(higherIsBetter: configuration.data.metric.higherIsBetter) : nil,
            seed: seed, step: 0,
            lossHistory: [], seconds: 0)
        model = try GeneratorModel(configuration: configuration, tokenCount: tokenizer.tokenCount, taskCount: tasks.count,
                                   runCount: description.runCount, seed: seed)
        optimizer = Adam.adamW(groups: ParameterGroup.decayAndNoDecay(model.namedParameters(), weightDecay: configuration.schedule.weightDecay),
                               learningRate: configuration.schedule.learningRate)
        if let state {
            try model.loadStateDict(try GeneratorStore.tensors(in: state.tensors, prefix: "model."))
        }
        ema = ExponentialMovingAverage(parameters: model.namedParameters(), decay: configuration.schedule.emaDecay)
        if let state {
            for (name, tensor) in try GeneratorStore.tensors(in: state.tensors, prefix: "ema.") { try ema.shadow[name]?.assign(tensor) }
            let steps = Dictionary(uniqueKeysWithValues: model.namedParameters().map { ($0.name, state.description.step) })
            optimizer.restore(firstMoments: try GeneratorStore.tensors(in: state.tensors, prefix: "adam.m."),
                              secondMoments: try GeneratorStore.tensors(in: state.tensors, prefix: "adam.v."), steps: steps)
        }
        var evaluations: [(Int, [Float], Double, Double)] = []
        for (index, task) in tasks.enumerated() {
            for run in try zoo.runs(task: task, status: .done) where heldOut.contains(run.runIndex) {
                let checkpoints = try zoo.parameters(of: run)
                let metrics = checkpoints.map { configuration.data.metric.value(of: $0.record) }
                evaluations.append((index, checkpoints[0].values, metrics[0], configuration.data.metric.best(of: metrics)!))
            }
        }
        heldOutEvaluations = evaluations
        self.evaluators = evaluators
    }

    /// Trains until `configuration.schedule.trainingSteps`, saving every `checkpointInterval` steps and
    /// at the end, or until `shouldStop` (asked before every step) says so: then it saves and returns
    /// `.stopped`. Each step draws its batch from a stream seeded by the step number, so a run that
    /// stops and resumes any number of times ends with the weights of one that never stopped.
    @discardableResult
    public func train(stopWhen shouldStop: () -> Bool = { false }, progress: (GeneratorProgress) -> Void = { _ in }) throws -> TrainingOutcome {
        let c = description.configuration
        let schedule = WarmupCosineLearningRate(peak: c.schedule.learningRate, warmupSteps: c.schedule.warmupSteps, totalSteps: c.schedule.trainingSteps)
        let start = Date(), firstStep = description.step, earlierSeconds = description.seconds
        var recent = description.unloggedLosses ?? []
        description.unloggedLosses = nil
        func save() throws {
            description.seconds = earlierSeconds + Date().timeIntervalSince(start)
            try GeneratorStore.write(description, model: model, ema: ema, optimizer: optimizer, to: folder)
        }
        while description.step < c.schedule.trainingSteps {
            if shouldStop() {
                description.unloggedLosses = recent.isEmpty ? nil : recent
                try save()
                return .stopped(step: description.step)
            }
            optimizer.learningRate = schedule.learningRate(at: description.step)
            var rng = SeededGenerator(seed: description.seed &+ UInt64(description.step) &* 0x9E37_79B9)
            let loss = try trainingStep(&rng)
            recent.append(loss)
            description.step += 1
            let step = description.step
            let saving = step % checkpointInterval == 0 || step == c.schedule.trainingSteps
            if step % logInterval == 0 || saving {
                let mean = recent.reduce(0, +) / Float(max(recent.count, 1))
                description.lossHistory.append(mean)
                recent.removeAll()
                let elapsed = Date().timeIntervalSince(start), rate = Double(step - firstStep) / max(elapsed, 1e-9)
                let evaluation = saving ? try evaluateHeldOut() : nil
                progress(GeneratorProgress(step: step, steps: c.schedule.trainingSteps, loss: mean, learningRate: optimizer.learningRate,
                                           stepsPerSecond: rate, secondsRemaining: Double(c.schedule.trainingSteps - step) / max(rate, 1e-9),
                                           heldOutPrompted: evaluation?.prompted, heldOutAchieved: evaluation?.achieved))
            }
            if saving { try save() }
        }
        return .finished
    }

    /// One optimisation step on a fresh batch; returns its loss.
    func trainingStep(_ rng: inout SeededGenerator) throws -> Float {
        let c = description.configuration
        let tokens = description.tokenizer.tokenCount, chunk = c.architecture.chunkSize
        var starts: [Float] = [], targets: [Float] = [], noisy: [Float] = [], scalars: [[Float]] = [], tasks: [Int] = []
        var gradients: [Float] = [], trajectories: [Int] = []
        for _ in 0..<c.schedule.batchSize {
            let (run, startIndex, targetIndex) = pool.samplePair(&rng, sampling: c.data.targetSampling)
            var start = run.parameters[startIndex], target = run.parameters[targetIndex]
            var gradient = c.readsStartGradient ? run.gradients[startIndex] : []
            if let permutation {
                let permutations = permutation.sample(&rng)
                start = permutation.apply(permutations, to: start)
                target = permutation.apply(permutations, to: target)
                if c.readsStartGradient { gradient = permutation.apply(permutations, to: gradient) }
            }
            let dropped = c.startDropout > 0 && rng.nextUnitFloat() < c.startDropout
            let startInput = startInputs(start, gradient: c.readsStartGradient ? gradient : nil, metric: run.metrics[startIndex], dropped: dropped)
            gradients += startInput.gradient ?? []
            let targetTokens = description.tokenizer.tokenize(description.normalizer.normalize(target))
            let t = Int(rng.next() % UInt64(diffusion.steps))
            let noise = (0..<targetTokens.count).map { _ in rng.nextNormal() }
            starts += startInput.tokens
            targets += targetTokens
            noisy += diffusion.noised(targetTokens, step: t, noise: noise)
            let startMetric = startInput.metric, targetMetric = run.metrics[targetIndex]
            scalars.append([Float(t) / Float(diffusion.steps), targetMetric, startMetric, targetMetric - startMetric])
            tasks.append(run.task)
            trajectories.append(run.trajectory)
        }
        let shape = Shape([c.schedule.batchSize, tokens, chunk])
        let input = GeneratorInput(start: try Tensor(shape: shape, values: starts), noisy: try Tensor(shape: shape, values: noisy),
                                   scalars: scalars, tasks: tasks,
                                   startGradient: c.readsStartGradient ? try Tensor(shape: shape, values: gradients) : nil,
                                   runs: c.data.runEmbedding ? trajectories : nil)
        optimizer.zeroGrad()
        let prediction = try model(input)
        let difference = try (prediction - Tensor(shape: shape, values: targets)) * batchMask
        let validCount = Float(description.tokenizer.parameterCount * c.schedule.batchSize)
        let loss = try (difference * difference).sum() * (1 / validCount)
        guard loss.item.isFinite else { throw GeneratorError.invalidConfiguration("the generator loss is \(loss.item) at step \(description.step); lower the learning rate") }
        try loss.backward()
        clipGradientNorm(model.parameters(), maxNorm: c.schedule.gradientClip)
        try optimizer.step()
        ema.update(step: description.step)
        return loss.item
    }

    /// What the model reads of a training pair's start: its normalised tokens, its gradient's
    /// tokens (nil when the generator reads none) and its metric. A dropped start hides all three
    /// (zeros, the zoo mean after normalisation): any one of them would name the run the target
    /// came from.
    func startInputs(_ start: [Float], gradient: [Float]?, metric: Float, dropped: Bool) -> (tokens: [Float], gradient: [Float]?, metric: Float) {
        let tokenizer = description.tokenizer
        guard !dropped else {
            let hidden = [Float](repeating: 0, count: tokenizer.tokenCount * tokenizer.chunkSize)
            return (hidden, gradient.map { _ in hidden }, 0)
        }
        return (tokenizer.tokenize(description.normalizer.normalize(start)), gradient.map(tokenizer.tokenize), metric)
    }

    /// Generates from each held-out run's initialisation prompted with that run's best metric
    /// (EMA weights, 20 DDIM steps) and measures it: mean prompted and achieved metric.
    func evaluateHeldOut() throws -> (prompted: Double, achieved: Double)? {
        guard !heldOutEvaluations.isEmpty else { return nil }
        let generator = try WeightGenerator(description: description, model: emaModel())
        let outputs = try generator.generate(
            starts: heldOutEvaluations.map(\.start), tasks: heldOutEvaluations.map(\.task),
            startMetrics: heldOutEvaluations.map(\.startMetric), targetMetrics: heldOutEvaluations.map(\.prompt),
            startGradients: try startGradient.map { feature in try heldOutEvaluations.map { try feature.features($0.start, task: $0.task) } },
            sampler: .ddim(steps: 20), seed: 1)
        var achieved = 0.0
        for (evaluation, output) in zip(heldOutEvaluations, outputs) {
            let network = try generator.network(from: output)
            achieved += description.configuration.data.metric.value(of: try evaluators[evaluation.task].selectionMetrics(network))
        }
        let count = Double(heldOutEvaluations.count)
        return (heldOutEvaluations.map(\.prompt).reduce(0, +) / count, achieved / count)
    }

    /// A copy of the model holding the EMA weights.
    func emaModel() throws -> GeneratorModel {
        let copy = try GeneratorModel(configuration: description.configuration, tokenCount: description.tokenizer.tokenCount,
                                      taskCount: description.tasks.count, runCount: description.runCount, seed: 0)
        try copy.loadStateDict(ema.shadow)
        return copy
    }
}
