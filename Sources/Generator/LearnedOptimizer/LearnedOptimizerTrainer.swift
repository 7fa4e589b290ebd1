import Foundation
import NeuralNetwork
import Segmentation
import TensorEngine
import Zoo

/// What the learned optimiser's trainer reports as it goes.
public struct LearnedOptimizerProgress: Sendable {
    public let step: Int
    public let steps: Int
    /// Mean squared error of the predicted moves over that of predicting no move (1: no better).
    public let loss: Float
}

/// Distils a learned optimiser from a zoo: every checkpoint of the chosen runs becomes an
/// example (value, gradient, the run's move over the next `horizon` iterations), and the
/// rule learns the move by mean squared error over the rows `batch` draws: random parameters
/// of random examples, or whole examples for a rule that reads its channels.
public final class LearnedOptimizerTrainer {
    public let folder: URL
    public let configuration: LearnedOptimizerConfiguration
    let examples: [DistillationExample]
    /// The examples of the validation runs (`LearnedOptimizerConfiguration.validationRuns`):
    /// measured, never learned from.
    let validationExamples: [DistillationExample]
    /// With unrolled calls configured, every path of that many consecutive examples of one run
    /// (`UnrolledPath`, indices into `examples`); empty otherwise.
    let paths: [UnrolledPath]
    /// The on-policy examples of the correction rounds so far (empty before `train`).
    private(set) var corrections: [DistillationExample] = []
    let features: UpdateFeatures
    /// The parameters the rule learns to move, and each parameter's weight.
    let learnedParameters: LearnedParameters
    let description: LearnedOptimizerDescription
    let seed: UInt64
    /// Each task's evaluator, for choosing the step scale on validation cases.
    let evaluators: [TaskEvaluator]
    /// Each task's recipe for on-policy correction: the distilled run of the best validation checkpoint.
    let recipes: [RunHyperparameters]
    /// Each task's best validation Dice among the distilled runs' checkpoints: the prompt whose
    /// 0.9 × the calibration counts calls to.
    let bestValidationDice: [Double]
    /// The distilled runs' median learning rate.
    let medianLearningRate: Float

    /// Loads the runs and measures each example's gradient (the slow part: one training-loss
    /// gradient per checkpoint, on all cores).
    public init(zoo: Zoo, folder: URL, configuration: LearnedOptimizerConfiguration = .standard, tasks: [String]? = nil,
                heldOutRunsPerTask: Int = defaultHeldOutRunsPerTask, seed: UInt64 = 0, progress: (String) -> Void = { _ in }) throws {
        try configuration.validate()
        self.folder = folder
        self.configuration = configuration
        self.seed = seed
        let tasks = tasks ?? zoo.plan.tasks
        let architectureID = try zoo.planArchitectureID()
        let architecture = try zoo.architecture(architectureID).configuration
        let assembly = try zoo.assembly(architectureID)
        let heldOut = Self.heldOutRuns(plan: zoo.plan, count: heldOutRunsPerTask)
        var pairs: [(task: Int, next: CheckpointStep, previous: CheckpointStep?, recorded: GradientMoments?)] = []
        // Per run read (in order): the run and its pairs' indices with the iterations each move spans.
        var runsRead: [(task: Int, run: RunRecord, pairs: [(index: Int, iterations: Range<Int>)])] = []
        var all: [[Float]] = [], learningRates: [Double] = []
        var recipes: [RunHyperparameters] = [], bestValidationDice: [Double] = [], distilled: [String: [Int]] = [:]
        var validating: [Bool] = []
        for (taskIndex, task) in tasks.enumerated() {
            let (runs, validationRuns) = try Self.distilledRuns(zoo: zoo, task: task, configuration: configuration, heldOut: heldOut)
            distilled[task] = runs.map(\.runIndex)
            guard let first = runs.first else { throw GeneratorError.incompatible("the zoo at \(zoo.folder.path) has no \(configuration.optimizer) runs of \(task) to learn from") }
            let best = try bestCheckpointByValidation(of: runs, in: zoo)
            recipes.append((runs.first { $0.id == best?.runId } ?? first).hyperparameters)
            bestValidationDice.append(best?.validationDice ?? 0)
            for (run, validation) in runs.map({ ($0, false) }) + validationRuns.map({ ($0, true) }) {
                let (checkpoints, recorded) = try Self.read(run, zoo: zoo, configuration: configuration)
                runsRead.append((taskIndex, run, []))
                if !validation {
                    learningRates.append(run.learningRate)
                    all += checkpoints.map(\.values)
                }
                for (k, checkpoint) in checkpoints.enumerated() {
                    let iteration = checkpoint.record.iteration
                    guard configuration.distilledMoves == .everyCheckpoint || iteration == 0 else { continue }
                    // The first checkpoint a horizon later; a shorter last gap is scaled up only when at least half a horizon.
                    guard let later = checkpoints[(k + 1)...].first(where: { $0.record.iteration >= iteration + configuration.horizon })
                            ?? checkpoints.last.flatMap({ 2 * ($0.record.iteration - iteration) >= configuration.horizon ? $0 : nil }),
                          let next = CheckpointStep(checkpoint, later, horizon: configuration.horizon, unit: configuration.moveUnit,
                                                    peak: run.learningRate) else { continue }
                    // The move that led here: from the last checkpoint a horizon or more before; none
                    // within the first horizon, as a generation's first call has none.
                    let earlier = checkpoints[..<k].last { $0.record.iteration <= iteration - configuration.horizon }
                    validating.append(validation)
                    runsRead[runsRead.count - 1].pairs.append((pairs.count, iteration..<later.record.iteration))
                    pairs.append((taskIndex, next, earlier.flatMap {
                        CheckpointStep($0, checkpoint, horizon: configuration.horizon, unit: configuration.moveUnit, peak: run.learningRate)
                    }, recorded.map { $0[k].at(iteration: iteration) }))
                }
            }
        }
        self.recipes = recipes
        self.bestValidationDice = bestValidationDice
        guard !pairs.isEmpty else { throw GeneratorError.incompatible("the zoo at \(zoo.folder.path) has no checkpoint pairs a horizon apart for \(tasks)") }
        medianLearningRate = Float(learningRates.sorted()[learningRates.count / 2])
        let normalizer = ParameterNormalizer(layout: assembly.layout, checkpoints: all)
        let features = UpdateFeatures(normalizer: normalizer, memory: configuration.memory, history: configuration.history)
        self.features = features
        let learnedParameters = LearnedParameters(tensorOf: features.tensorOfParameter, assembly: assembly)
        self.learnedParameters = learnedParameters
        let evaluators = try tasks.map { try TaskEvaluator(zoo: zoo, task: $0) }
        self.evaluators = evaluators
        progress("\(pairs.count) checkpoint pairs from \(tasks.count) task(s); measuring their gradients")
        let tensorOf = features.tensorOfParameter
        let gradients = try Self.gradients(of: pairs.map { ($0.task, $0.next.from) }, runs: runsRead, evaluators: evaluators,
                                           assembly: assembly, configuration: configuration, patchSize: zoo.plan.patchSize,
                                           spatialRank: architecture.spatialRank, seed: seed)
        let measured = try parallelMap(pairs.count) { index -> DistillationExample in
            let pair = pairs[index], values = pair.next.from, gradient = gradients[index]
            let previousMove = configuration.memory == .none ? []
                : pair.previous?.move(deviations: normalizer.deviations, tensorOf: tensorOf) ?? [Float](repeating: 0, count: values.count)
            // As a generation's call reads them: the gradient added for one horizon.
            let moments = pair.recorded?.adding(gradient, iterations: configuration.horizon)
            return DistillationExample(values: values, gradient: gradient, move: pair.next.move(deviations: normalizer.deviations, tensorOf: tensorOf),
                                       previousMove: previousMove, moments: moments, features: features, horizon: configuration.horizon)
        }
        let learnedPairs = measured.indices.filter { !validating[$0] }
        let learned = learnedPairs.map { measured[$0] }
        let exampleOfPair = Dictionary(uniqueKeysWithValues: learnedPairs.enumerated().map { ($1, $0) })
        paths = configuration.unrolling.map {
            UnrolledPath.paths(runs: runsRead, steps: pairs.map(\.next), exampleOfPair: exampleOfPair, calls: $0.calls)
        } ?? []
        let learnedIndices = learnedParameters.indices
        let squares = learned.reduce(0.0) { sum, example in sum + learnedIndices.reduce(0.0) { $0 + Double(example.move[$1] * example.move[$1]) } }
        let moveScale = Float((squares / Double(learned.count * learnedIndices.count)).squareRoot())
        examples = learned.map { $0.scaled(by: moveScale) }
        validationExamples = measured.indices.filter { validating[$0] }.map { measured[$0].scaled(by: moveScale) }
        description = LearnedOptimizerDescription(
            configuration: configuration, architecture: architecture, partial: zoo.plan.partial, patchSize: zoo.plan.patchSize,
            spacing: evaluators[0].medianSpacing, normalizer: normalizer, tasks: tasks,
            zoo: zoo.folder.standardizedFileURL.path, heldOutRuns: heldOut, distilledRuns: distilled, moveScale: moveScale,
            learningRates: [Float](repeating: medianLearningRate, count: tasks.count), examples: learned.count,
            step: 0, lossHistory: [], seconds: 0)
    }

    /// The gradient each pair's example reads at its first network (`networks[k]`, of task
    /// `networks[k].task`): with run batches, on the batches its run trained on over the move
    /// (all, or the first ones under `runFirstBatches`; each run's drawn once, the runs side by
    /// side; for the control, on another data order's); otherwise on a draw of the
    /// configuration's kind taken from `seed` and the pair's index.
    private static func gradients(of networks: [(task: Int, values: [Float])],
                                  runs: [(task: Int, run: RunRecord, pairs: [(index: Int, iterations: Range<Int>)])],
                                  evaluators: [TaskEvaluator], assembly: NetworkAssembly, configuration: LearnedOptimizerConfiguration,
                                  patchSize: [Int], spatialRank: Int, seed: UInt64) throws -> [[Float]] {
        guard configuration.gradient.readsRunBatches else {
            return try parallelMap(networks.count) { index in
                var rng = SeededGenerator(seed: seed &+ UInt64(index))
                let draw = rng.next()
                return try assembly.withNetwork(networks[index].values) {
                    try LearnedOptimizer.gradient($0, layout: assembly.layout, evaluator: evaluators[networks[index].task],
                                                  configuration: configuration, patchSize: patchSize, draw: draw)
                }
            }
        }
        let perRun = try parallelMap(runs.count) { r -> [(index: Int, gradient: [Float])] in
            let (task, run, pairs) = runs[r]
            let batches = try evaluators[task].recipeBatches(hyperparameters: run.hyperparameters, patchSize: patchSize,
                                                             seed: batchSeed(of: run, gradient: configuration.gradient), spatialRank: spatialRank)
                .batches(pairs.map { configuration.gradient.batchIterations(of: $0.iterations) })
            return try zip(pairs, batches).map { pair, batch in
                (pair.index, try assembly.withNetwork(networks[pair.index].values) {
                    try evaluators[task].patchLossGradient($0, layout: assembly.layout, batch: batch)
                })
            }
        }
        var gradients = [[Float]](repeating: [], count: networks.count)
        for (index, gradient) in perRun.joined() { gradients[index] = gradient }
        return gradients
    }

    /// The data seed of the batches a rule reading `gradient` reads for `run`: the run's own, or
    /// for the control (`otherRunBatches`) the next one, another data order of the same recipe.
    static func batchSeed(of run: RunRecord, gradient: CallGradient) -> UInt64 {
        UInt64(bitPattern: run.seed) &+ (gradient == .otherRunBatches ? 1 : 0)
    }

    /// `run`'s checkpoints and, with a gradient history, the recorded Adam moments at each (read
    /// from the run file with them; nil without). An error where the zoo keeps no optimiser state
    /// or the run kept no second moment.
    static func read(_ run: RunRecord, zoo: Zoo, configuration: LearnedOptimizerConfiguration) throws
        -> (checkpoints: [(record: CheckpointRecord, values: [Float])], moments: [RecordedMoments]?) {
        guard configuration.history != .none else { return (try zoo.parameters(of: run), nil) }
        let read = try zoo.parametersAndOptimizerStates(of: run)
        let moments = try read.map { checkpoint -> RecordedMoments in
            guard let second = checkpoint.state.second else {
                throw GeneratorError.incompatible("run \(run.runIndex) of the zoo at \(zoo.folder.path) kept no second moment (trained with \(run.optimizer)); the \(configuration.history.rawValue) history reads Adam's")
            }
            return RecordedMoments(first: configuration.history.readsFirstMoment ? checkpoint.state.first : nil, second: second)
        }
        return (read.map { ($0.record, $0.values) }, moments)
    }

    /// A checkpoint's recorded Adam moments (bias corrected), as the history reads them.
    struct RecordedMoments {
        let first: [Float]?
        let second: [Float]

        /// The estimates, standing for the run's `iteration` iterations.
        func at(iteration: Int) -> GradientMoments {
            GradientMoments(second: MomentEstimate(.second, values: second, iterations: iteration),
                            first: first.map { MomentEstimate(.first, values: $0, iterations: iteration) })
        }
    }

    /// Runs per task distillation holds out by default (the last ones of the plan).
    public static let defaultHeldOutRunsPerTask = 2

    /// The run indices distillation holds out of every task: its last `count`.
    static func heldOutRuns(plan: ZooPlan, count: Int) -> [Int] {
        Array((0..<plan.runsPerTask).suffix(count))
    }

    /// Per task of `plan`, how many of its planned runs the optimiser would be distilled from:
    /// runs of the configuration's optimiser outside the held-out and validation ones. The evaluation's
    /// memorisation audit needs two per task, which a plan of few runs per task may not draw
    /// (the standard distribution trains a quarter of its runs with SGD).
    public static func plannedRunsToDistil(_ plan: ZooPlan, configuration: LearnedOptimizerConfiguration,
                                           heldOutRunsPerTask: Int = defaultHeldOutRunsPerTask) -> [String: Int] {
        let heldOut = Set(heldOutRuns(plan: plan, count: heldOutRunsPerTask))
        var counts = Dictionary(uniqueKeysWithValues: plan.tasks.map { ($0, 0) })
        for run in plan.runs where !heldOut.contains(run.index) && run.hyperparameters.optimizer == configuration.optimizer {
            counts[run.task, default: 0] += 1
        }
        return counts.mapValues { available in
            let chosen = min(available, (configuration.runsPerTask ?? available) + configuration.validationRuns)
            return max(0, min(configuration.runsPerTask ?? chosen, chosen - configuration.validationRuns))
        }
    }

    /// The runs of `task` the optimiser is distilled from: finished, with a trajectory, trained
    /// with the configuration's optimiser, none held out, the first `runsPerTask` of them; then
    /// its validation runs: the `validationRuns` after those (taken from the end of the distilled
    /// ones where no more are left).
    static func distilledRuns(zoo: Zoo, task: String, configuration: LearnedOptimizerConfiguration,
                              heldOut: [Int]) throws -> (distilled: [RunRecord], validation: [RunRecord]) {
        let runs = try RunPool.trainingRuns(zoo: zoo, task: task, runsPerTask: nil, selection: .first, metric: .validationDice,
                                            excluding: Set(heldOut)).filter { $0.hyperparameters.optimizer == configuration.optimizer }
        let chosen = Array(runs.prefix((configuration.runsPerTask ?? runs.count) + configuration.validationRuns))
        let distilled = min(configuration.runsPerTask ?? chosen.count, chosen.count - configuration.validationRuns)
        guard distilled >= 1 || chosen.isEmpty else {
            throw GeneratorError.incompatible("the zoo at \(zoo.folder.path) has \(chosen.count) \(configuration.optimizer) runs of \(task), too few to keep \(configuration.validationRuns) for validation")
        }
        return (Array(chosen.prefix(max(distilled, 0))), Array(chosen.dropFirst(max(distilled, 0))))
    }

    /// Trains the per-parameter network on the zoo's examples, then through unrolled calls where
    /// configured, chooses the learning rate (`chooseLearningRate`, reported through `log`),
    /// evolves the rule where configured (`evolve`, then chooses the rate again), runs
    /// the configuration's rounds of on-policy correction (each followed by half as many training
    /// steps on both kinds of example and a new choice of learning rate), and writes the optimiser
    /// folder; returns it loaded.
    public func train(progress: (LearnedOptimizerProgress) -> Void = { _ in }, log: (String) -> Void = { _ in }) throws -> LearnedOptimizer {
        let began = Date()
        if configuration.history == .adamStep {
            log("Adam's step alone errs \(adamMoveError(over: examples)) of the distilled moves (relative to no move)")
        }
        let network = try makeUpdateRule(for: description, features: features.width, seed: seed)
        let optimizer = Adam.adamW(groups: [ParameterGroup(network.namedParameters(), weightDecay: 0)], learningRate: configuration.learningRate)
        var rng = SeededGenerator(seed: seed &+ 1)
        let roundSteps = configuration.trainingSteps / 2
        let totalSteps = configuration.trainingSteps + configuration.corrections * roundSteps
        var trainedDescription = description
        try fit(network, optimizer, steps: configuration.trainingSteps, peak: configuration.learningRate, corrections: [], rng: &rng,
                description: &trainedDescription, totalSteps: totalSteps, progress: progress)
        let trained = try LearnedOptimizer(description: trainedDescription, network: network)
        if let unrolling = configuration.unrolling {
            trained.description.unrolled = try trainThroughUnrolledCalls(unrolling, trained, optimizer, rng: &rng, progress: log)
        }
        trained.description.learningRates = try chooseLearningRates(trained, progress: log)
        if let evolution = configuration.evolution {
            // Evolved at the distilled rule's rates; the evolved rule's own are chosen after.
            trained.description.evolved = try evolve(trained, evolution, rng: &rng, progress: log)
            trained.description.learningRates = try chooseLearningRates(trained, progress: log)
        }
        let correction = OnPolicyCorrection(recipes: recipes, patchSize: description.patchSize, evaluators: evaluators)
        corrections = []
        for round in 0..<configuration.corrections {
            corrections += try correction.examples(for: trained, round: round)
            log("on-policy correction \(round + 1)/\(configuration.corrections): \(corrections.count) examples from generations, training beside the zoo's \(examples.count)")
            // A lower peak: the rule is refined, not retrained.
            try fit(network, optimizer, steps: roundSteps, peak: configuration.learningRate * 0.3, corrections: corrections, rng: &rng,
                    description: &trained.description, totalSteps: totalSteps, progress: progress)
            trained.description.learningRates = try chooseLearningRates(trained, progress: log)
        }
        trained.description.distillationError = try distillationError(network, over: examples)
        if !validationExamples.isEmpty {
            trained.description.validationError = try distillationError(network, over: validationExamples)
        }
        trained.description.seconds = Date().timeIntervalSince(began)
        try LearnedOptimizerStore.write(trained.description, network: network, to: folder)
        return trained
    }

    /// `steps` steps of mean squared error on feature rows of random examples (half drawn from
    /// `corrections` when there are any; `batch(corrections:rng:)` says which rows), the rate
    /// decaying by a cosine from `peak` to a tenth of it; the loss history and step count go
    /// into `description`.
    private func fit(_ network: any UpdateRule, _ optimizer: Adam, steps: Int, peak: Float, corrections: [DistillationExample],
                     rng: inout SeededGenerator, description: inout LearnedOptimizerDescription, totalSteps: Int,
                     progress: (LearnedOptimizerProgress) -> Void) throws {
        var interval: [Float] = []
        for step in 0..<steps {
            let batch = self.batch(corrections: corrections, rng: &rng)
            optimizer.learningRate = Self.decayingRate(peak: peak, step: step, of: steps)
            network.zeroGrad()
            let loss = try distillationLoss(network, on: batch)
            try loss.backward()
            try optimizer.step()
            // Reported relative to predicting no move on the same rows.
            interval.append(loss.scalars[0] / batch.noMoveLoss)
            if interval.count == 50 || step == steps - 1 {
                let mean = interval.reduce(0, +) / Float(interval.count)
                description.lossHistory.append(mean)
                interval = []
                progress(LearnedOptimizerProgress(step: description.step + step + 1, steps: totalSteps, loss: mean))
            }
        }
        description.step += steps
    }

    /// The rate at `step` of `steps`: from `peak` down a cosine to 0.1 × `peak`, for distillation and unrolled training alike.
    static func decayingRate(peak: Float, step: Int, of steps: Int) -> Float {
        peak * (0.55 + 0.45 * cosf(.pi * Float(step) / Float(steps)))
    }

    /// The weighted mean squared error of `network`'s moves on `batch`'s rows against their targets.
    func distillationLoss(_ network: any UpdateRule, on batch: DistillationBatch) throws -> Tensor {
        let rows = batch.targets.count, weights = try Tensor(shape: [rows, 1], values: batch.weights)
        let predicted = try network(try Tensor(shape: [rows, features.width], values: batch.rows), networks: batch.networks) * weights
        return try SegmentationLoss.meanSquaredError(predicted, try Tensor(shape: [rows, 1], values: batch.targets) * weights)
    }

    /// The rule's squared error over every parameter of every one of `examples`, relative to
    /// predicting no move, each parameter weighted as the tensor-balanced draws of `batch` weight
    /// it: one figure that rules of either scope are compared by, free of the batches' noise.
    func distillationError(_ network: any UpdateRule, over examples: [DistillationExample]) throws -> Float {
        let parameterCount = features.normalizer.layout.parameterCount, width = features.width, weights = learnedParameters.weights
        var error = 0.0, total = 0.0
        for first in stride(from: 0, to: examples.count, by: 16) {
            let group = examples[first..<min(first + 16, examples.count)]
            var rows = [Float](repeating: 0, count: group.count * parameterCount * width)
            rows.withUnsafeMutableBufferPointer { buffer in
                for (n, example) in group.enumerated() { writeRows(of: example, into: buffer.baseAddress! + n * parameterCount * width) }
            }
            let predicted = try withNoGrad { try network(try Tensor(shape: [group.count * parameterCount, width], values: rows), networks: group.count).scalars }
            for (n, example) in group.enumerated() {
                for index in 0..<parameterCount {
                    let w = Double(weights[index] * weights[index]), move = Double(example.move[index])
                    let difference = Double(predicted[n * parameterCount + index]) - Double(example.target(index))
                    error += w * difference * difference
                    total += w * move * move
                }
            }
        }
        return Float(error / max(total, 1e-30))
    }

    /// `distillationError`'s figure for Adam's move alone (the rule's output taken as zero) under
    /// `GradientHistory.adamStep`: how far Adam's step from the moments the rule reads is from the runs' moves.
    func adamMoveError(over examples: [DistillationExample]) -> Float {
        var error = 0.0, total = 0.0
        for example in examples where !example.adamMove.isEmpty {
            for (index, weight) in learnedParameters.weights.enumerated() {
                let w = Double(weight * weight), move = Double(example.move[index]), difference = Double(example.adamMove[index]) - move
                error += w * difference * difference
                total += w * move * move
            }
        }
        return Float(error / max(total, 1e-30))
    }

    /// Every parameter's feature row of `example`, written into `rows`.
    private func writeRows(of example: DistillationExample, into rows: UnsafeMutablePointer<Float>) {
        features.writeRows(into: rows, values: example.values, gradient: example.gradient, previousMove: example.previousMove,
                           moments: example.moments, state: example.state)
    }

    /// One step's rows: for the parameter scope, `batchSize` random learned parameters of random
    /// examples (half drawn uniformly over them, half over their tensors first, so small tensors
    /// such as norms and biases are learned too), each of weight 1; for the channel graph, whole
    /// examples (as many as fit in `batchSize` rows, at least one), each parameter weighted by
    /// the root of what the same two draws would give it, so both scopes learn the same mean.
    func batch(corrections: [DistillationExample], rng: inout SeededGenerator) -> DistillationBatch {
        let parameterCount = features.normalizer.layout.parameterCount, tensorOf = features.tensorOfParameter, width = features.width
        func example() -> DistillationExample {
            let source = corrections.isEmpty || rng.next() % 2 == 0 ? examples : corrections
            return source[Int(rng.next() % UInt64(source.count))]
        }
        let networks = configuration.scope == .parameter ? 0 : max(1, configuration.batchSize / parameterCount)
        let count = configuration.scope == .parameter ? configuration.batchSize : networks * parameterCount
        var rows = [Float](repeating: 0, count: count * width), targets = [Float](repeating: 0, count: count), weights: [Float]
        var moves = [Float](repeating: 0, count: count)
        rows.withUnsafeMutableBufferPointer { buffer in
            func write(_ row: Int, index: Int, of example: DistillationExample) {
                features.write(row: buffer.baseAddress! + row * width, index: index, tensor: tensorOf[index], values: example.values,
                               gradient: example.gradient, previousMove: example.previousMove, moments: example.moments,
                               state: example.state)
                targets[row] = example.target(index)
                moves[row] = example.move[index]
            }
            switch configuration.scope {
            case .parameter:
                for row in 0..<count {
                    let example = example()
                    if rng.next() % 2 == 0 {
                        let indices = learnedParameters.indices
                        write(row, index: indices[Int(rng.next() % UInt64(indices.count))], of: example)
                    } else {
                        let tensors = learnedParameters.tensors
                        let entry = tensors[Int(rng.next() % UInt64(tensors.count))]
                        write(row, index: entry.offset + Int(rng.next() % UInt64(entry.count)), of: example)
                    }
                }
            case .channelGraph:
                for network in 0..<networks {
                    let example = example()
                    writeRows(of: example, into: buffer.baseAddress! + network * parameterCount * width)
                    let range = (network * parameterCount)..<((network + 1) * parameterCount)
                    targets.replaceSubrange(range, with: (0..<parameterCount).map(example.target))
                    moves.replaceSubrange(range, with: example.move)
                }
            }
        }
        switch configuration.scope {
        case .parameter: weights = [Float](repeating: 1, count: count)
        case .channelGraph: weights = Array([[Float]](repeating: learnedParameters.weights, count: networks).joined())
        }
        let moveMeanSquare = zip(moves, weights).reduce(0) { $0 + $1.0 * $1.0 * $1.1 * $1.1 } / Float(count)
        return DistillationBatch(rows: rows, targets: targets, weights: weights, networks: max(networks, 1), moveMeanSquare: moveMeanSquare)
    }
}
