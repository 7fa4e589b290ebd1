import Foundation
import Segmentation
import TensorEngine
import Zoo

/// A trained learned optimiser: applied call after call to a start network, each call reading
/// the training-loss gradient there (and, with memory, its own previous move; with a history,
/// the gradients' running moments), it moves every parameter by what its network predicts (added
/// to Adam's step under `GradientHistory.adamStep`), until the validation Dice reaches the prompt.
public final class LearnedOptimizer {
    public var description: LearnedOptimizerDescription
    let network: any UpdateRule
    public let features: UpdateFeatures
    /// How parameter vectors become U-Nets (a partial optimiser's base is read here).
    public let assembly: NetworkAssembly
    /// What a generation makes of each call's network (`setIterates`); not saved with the optimiser.
    public private(set) var iterates = IterateTreatment.asMade
    /// Whether a call may change the norms of the filters the network does not depend on the
    /// scale of; set for generations, not saved with the optimiser.
    public var filterNorms = FilterNorms.free
    /// The direction each call moves each weight matrix in (`setDirection`); not saved with the optimiser.
    public private(set) var direction = StepDirection.rule

    /// `assembly`, where given, is one of the description's architecture to share (building one
    /// reads a partial optimiser's base).
    init(description: LearnedOptimizerDescription, network: any UpdateRule, assembly: NetworkAssembly? = nil) throws {
        self.description = description
        self.network = network
        features = UpdateFeatures(normalizer: description.normalizer, memory: description.configuration.memory,
                                  history: description.configuration.history)
        self.assembly = try assembly ?? NetworkAssembly(architecture: description.architecture, partial: description.partial)
        guard self.assembly.layout == description.normalizer.layout else {
            throw GeneratorError.incompatible("the learned optimiser's layout does not match its architecture")
        }
    }

    /// Loads an optimiser folder written by `LearnedOptimizerTrainer`.
    public convenience init(folder: URL) throws {
        let description = try LearnedOptimizerStore.readDescription(folder)
        let features = UpdateFeatures(normalizer: description.normalizer, memory: description.configuration.memory,
                                      history: description.configuration.history)
        let network = try makeUpdateRule(for: description, features: features.width, seed: 0)
        try network.loadStateDict(try LearnedOptimizerStore.readTensors(folder))
        try self.init(description: description, network: network)
    }

    /// Whether `folder` holds a saved learned optimiser (its description file).
    public static func isSaved(in folder: URL) -> Bool {
        FileManager.default.fileExists(atPath: folder.appendingPathComponent(LearnedOptimizerStore.descriptionFile).path)
    }

    /// The task's index, or an error listing the known ones.
    public func taskIndex(_ task: String) throws -> Int {
        guard let index = description.tasks.firstIndex(of: task) else {
            throw GeneratorError.incompatible("the learned optimiser knows tasks \(description.tasks), not \(task)")
        }
        return index
    }

    /// Sets the most calls a generation makes and the schedule of their rate where given (else
    /// they stay as set in training), refusing what the configuration does not allow: a rule
    /// distilled from the runs' initialisations makes one call.
    public func setCalls(maximum: Int?, schedule: CallSchedule?) throws {
        var configuration = description.configuration
        if let maximum { configuration.maximumCalls = maximum }
        if let schedule { configuration.schedule = schedule }
        try configuration.validate()
        description.configuration = configuration
    }

    /// Sets what generations make of each call's network, refusing what `IterateTreatment.validate` refuses.
    public func setIterates(_ treatment: IterateTreatment) throws {
        try treatment.validate()
        iterates = treatment
    }

    /// Sets the direction generations move each weight matrix in, refusing what `StepDirection.validate` refuses.
    public func setDirection(_ direction: StepDirection) throws {
        try direction.validate()
        self.direction = direction
    }

    /// One call for task `task` (an index into `tasks`): the gradient on call `call`'s group of
    /// `evaluator`'s training cases, then every parameter of `values` moved by the network's
    /// prediction at the task's learning rate. Returns the moved parameters and what the next
    /// call reads of this one (`memory`: a generation's first call reads the empty one).
    public func update(_ values: [Float], task: Int, evaluator: TaskEvaluator, call: Int = 0,
                       memory: CallMemory = CallMemory()) throws -> (values: [Float], memory: CallMemory) {
        try assembly.withNetwork(values) {
            try step(values, gradient: try gradient(holding: $0, evaluator: evaluator, call: call), task: task, call: call, memory: memory)
        }
    }

    /// One call (see `update`) measured on `network`, whose parameters are set to `values` first:
    /// a generation reuses one network, since making one per call draws a fresh initialisation
    /// each time. The gradient is read on `batch`. Also returns the gradient the call read and,
    /// where it read a batch of patches, that batch's foreground Dice at `values`.
    public func update(_ values: [Float], on network: PlainConvUNet, task: Int, evaluator: TaskEvaluator, call: Int,
                       memory: CallMemory, batch: CallBatch = .draw(stream: 0))
        throws -> (values: [Float], memory: CallMemory, gradient: [Float], batchDice: Double?) {
        try assembly.setParameters(of: network, to: values)
        let measured: (gradient: [Float], batchDice: Double?) = switch batch {
        case let .given(batch): try evaluator.patchGradient(network, layout: assembly.layout, batch: batch).withOptionalDice
        case let .draw(stream):
            try Self.measuredGradient(network, layout: assembly.layout, evaluator: evaluator, configuration: description.configuration,
                                      patchSize: description.patchSize, draw: Self.draw(call: call, stream: stream))
        }
        let (moved, next) = try step(values, gradient: measured.gradient, task: task, call: call, memory: memory)
        return (moved, next, measured.gradient, measured.batchDice)
    }

    /// The gradient call `call` of stream `stream` reads at `network`, which already holds the parameters.
    private func gradient(holding network: PlainConvUNet, evaluator: TaskEvaluator, call: Int, stream: Int = 0) throws -> [Float] {
        try Self.gradient(network, layout: assembly.layout, evaluator: evaluator, configuration: description.configuration,
                          patchSize: description.patchSize, draw: Self.draw(call: call, stream: stream))
    }

    /// The draw call `call` of fresh-draw stream `stream` reads: the call itself on stream 0,
    /// and on stream j the call plus j · 2³², so that no two streams share a draw.
    public static func draw(call: Int, stream: Int) -> UInt64 {
        precondition(call >= 0 && call < 1 << 32 && stream >= 0, "call \(call) or stream \(stream) out of range")
        return UInt64(stream) << 32 | UInt64(call)
    }

    /// The training-loss gradient call `call` reads: on group `call` of the task's training
    /// cases (cycling), or on the patches of draw `call`.
    public func gradient(_ values: [Float], evaluator: TaskEvaluator, call: Int) throws -> [Float] {
        try assembly.withNetwork(values) { try gradient(holding: $0, evaluator: evaluator, call: call) }
    }

    /// The gradient of `configuration`'s kind at `network`: whole cases, group `draw` (cycling),
    /// or a batch of patches drawn with `patchSeed(draw:)`.
    static func gradient(_ network: PlainConvUNet, layout: ParameterLayout, evaluator: TaskEvaluator,
                         configuration: LearnedOptimizerConfiguration, patchSize: [Int], draw: UInt64) throws -> [Float] {
        try measuredGradient(network, layout: layout, evaluator: evaluator, configuration: configuration, patchSize: patchSize, draw: draw).gradient
    }

    /// `gradient`, with the foreground Dice of the batch of patches it read (nil on whole cases).
    static func measuredGradient(_ network: PlainConvUNet, layout: ParameterLayout, evaluator: TaskEvaluator,
                                 configuration: LearnedOptimizerConfiguration, patchSize: [Int], draw: UInt64)
        throws -> (gradient: [Float], batchDice: Double?) {
        let size = configuration.casesPerCall
        switch configuration.gradient {
        case .wholeCases:
            return (try evaluator.lossGradient(network, layout: layout, group: Int(draw % UInt64(evaluator.trainingGroupCount(size: size))), size: size), nil)
        case .trainingPatches:
            return try evaluator.patchGradient(network, layout: layout, patchSize: patchSize, patches: size, seed: patchSeed(draw: draw)).withOptionalDice
        case .runBatches, .otherRunBatches, .runFirstBatches:
            throw GeneratorError.incompatible("this learned optimiser was distilled on its runs' own batches and reads a recipe's: "
                                              + "generate with a recipe and data seed (evaluate --data recipe-batches, generate --data-seed)")
        }
    }

    /// The seed of the training patches draw `draw` (call `draw` of a generation) reads: 9,000,000 + `draw`.
    public static func patchSeed(draw: UInt64) -> UInt64 {
        9_000_000 &+ draw
    }

    /// The move of call `call` from `values` with `gradient` already measured there (see
    /// `update`), filter norms held where `filterNorms` says.
    func step(_ values: [Float], gradient: [Float], task: Int, call: Int, memory: CallMemory) throws -> (values: [Float], memory: CallMemory) {
        let configuration = description.configuration
        let moments = readsMoments(memory, adding: gradient, count: values.count)
        let moves = try predictedMoves(values: values, gradient: gradient,
                                       previousMove: memory.previousMove ?? [Float](repeating: 0, count: values.count),
                                       moments: moments)
        let rate = description.learningRates[task] * configuration.schedule.fraction(call: call, of: configuration.maximumCalls)
        return (filterNorms.apply(moving(values, by: moves, rate: rate), before: values, assembly: assembly), CallMemory(previousMove: moves, moments: moments))
    }

    /// `values` moved by `moves` (in units of `moveScale`, per unit learning rate) at `rate`.
    func moving(_ values: [Float], by moves: [Float], rate: Float) -> [Float] {
        let tensorOf = features.tensorOfParameter, deviations = description.normalizer.deviations
        // A parameter the output does not depend on is held: its runs' moves are rounding noise.
        let held = assembly.cancelledByNorm
        return values.indices.map { held[tensorOf[$0]] ? values[$0] : values[$0] + moves[$0] * description.moveScale * rate * deviations[tensorOf[$0]] }
    }

    /// With a gradient history, the estimates a call reads: the memory's (empty at a
    /// generation's first call) after the call's gradient, which stands for one horizon.
    func readsMoments(_ memory: CallMemory, adding gradient: [Float], count: Int) -> GradientMoments? {
        let history = description.configuration.history
        guard history != .none else { return nil }
        return (memory.moments ?? .empty(count: count, history: history))?.adding(gradient, iterations: description.configuration.horizon)
    }

    /// Every parameter's move (in units of `moveScale`): the network's output, plus Adam's step
    /// over the horizon under `GradientHistory.adamStep`; `moments` are read only with a history.
    func predictedMoves(values: [Float], gradient: [Float], previousMove: [Float], moments: GradientMoments?) throws -> [Float] {
        try predictedMovesAndRows(values: values, gradient: gradient, previousMove: previousMove, moments: moments).moves
    }

    /// `predictedMoves`, with the feature rows the network read (every parameter's, in order).
    func predictedMovesAndRows(values: [Float], gradient: [Float], previousMove: [Float], moments: GradientMoments?) throws
        -> (moves: [Float], rows: [Float]) {
        let width = features.width, state = features.state(values: values, gradient: gradient, moments: moments)
        var rows = [Float](repeating: 0, count: values.count * width)
        rows.withUnsafeMutableBufferPointer { buffer in
            features.writeRows(into: buffer.baseAddress!, values: values, gradient: gradient, previousMove: previousMove,
                               moments: moments, state: state)
        }
        let output = try withNoGrad { try network(try Tensor(shape: [values.count, width], values: rows), networks: 1).scalars }
        let adam = features.adamMoves(iterations: description.configuration.horizon, moments: moments, state: state)
        return (adam.isEmpty ? output : zip(output, adam).map { $0 + $1 / description.moveScale }, rows)
    }

    /// Calls for task `task` from `start` until `stop` says or `calls` (the configuration's
    /// maximum by default) are spent; every network on the way is kept. Every generation makes
    /// at least one call. Stopping on reaching a target, the start is checked last, only when no
    /// call reached it (an answer then needs it). The calls read `data`; the networks kept and
    /// checked are those `iterates` makes of the calls' (forked calls' means as made), each
    /// call's matrices moved in `direction`.
    public func trajectory(from start: [Float], task: Int, evaluator: TaskEvaluator, stop: GenerationStop,
                           calls: Int? = nil, data: GenerationData = .freshDraws(stream: 0)) throws -> UpdateTrajectory {
        let began = Date()
        // On a lent network set to the start, as the recipe's training it is timed against:
        // building one draws a fresh initialisation of every layer only to overwrite it.
        return try assembly.withNetwork(start) {
            try trajectory(from: start, on: $0, began: began, task: task, evaluator: evaluator, stop: stop, calls: calls, data: data)
        }
    }

    /// `trajectory(from:...)` on `network`, which holds `start`, timed from `began`.
    private func trajectory(from start: [Float], on network: PlainConvUNet, began: Date, task: Int, evaluator: TaskEvaluator,
                            stop: GenerationStop, calls: Int?, data: GenerationData) throws -> UpdateTrajectory {
        let budget = max(1, calls ?? description.configuration.maximumCalls)
        var recipe: (batches: RecipeBatches, iterations: Int)?, stream = 0, forkStreams = 0..<0, forkedCalls = 0
        switch data {
        case let .freshDraws(drawn): stream = drawn
        case let .forkedDraws(streams, calls):
            guard !streams.isEmpty, streams.lowerBound >= 0, (1..<budget).contains(calls) else {
                throw GeneratorError.incompatible("forked draws need one stream or more and 1 to \(budget - 1) forked calls "
                                                  + "(their mean goes on for one call at least), not \(streams.count) streams and \(calls) calls")
            }
            (stream, forkStreams, forkedCalls) = (streams.lowerBound, streams, calls)
        case let .recipeBatches(hyperparameters, seed):
            recipe = (try evaluator.recipeBatches(hyperparameters: hyperparameters, patchSize: description.patchSize, seed: seed,
                                                  spatialRank: description.architecture.spatialRank), hyperparameters.iterations)
        }
        if case .reaching(_, .whenBatchDiceReaches, _) = stop, recipe == nil, description.configuration.gradient == .wholeCases {
            throw GeneratorError.incompatible("checks gated by the batch's Dice read the Dice of a call's patches; this learned optimiser's calls read whole cases")
        }
        var values = start, memory = CallMemory(), checking = 0.0
        /// A check on the way, as far as the stop's extent asks (nil: certainly below its floor); whole when `whole`.
        func checked(_ values: [Float], whole: Bool = false) throws -> Double? {
            let entered = Date()
            defer { checking += Date().timeIntervalSince(entered) }
            return try validationDice(values, network, evaluator, unlessBelow: whole ? nil : stop.checkFloor)
        }
        var trajectory = UpdateTrajectory(networks: [start], validationDice: [nil], batchDice: [], seconds: [0], checkSeconds: [0],
                                          forks: max(1, forkStreams.count), forkedCalls: forkedCalls)
        var forks = forkStreams.map { (stream: $0, values: start, memory: CallMemory()) }
        var reached = false, treated = TreatedIterates(iterates)
        var preconditioner = direction.preconditioner()
        // A fork's statistics would need a mean of their own when the forks join.
        guard preconditioner == nil || forkedCalls == 0 else {
            throw GeneratorError.incompatible("the direction \(direction) is not made for forked calls")
        }
        for call in 0..<budget where !reached {
            if call < forkedCalls {
                // Every fork makes the call on its own stream; their mean stands for the generation, unchecked.
                for f in forks.indices {
                    (forks[f].values, forks[f].memory, _, _) = try update(forks[f].values, on: network, task: task, evaluator: evaluator, call: call,
                                                                         memory: forks[f].memory, batch: .draw(stream: forks[f].stream))
                }
                values = parameterwiseMean(forks.map(\.values))
                if call == forkedCalls - 1 { memory = CallMemory.mean(forks.map(\.memory)) }
                trajectory.networks.append(values)
                trajectory.validationDice.append(nil)
                trajectory.batchDice.append(nil)
                trajectory.seconds.append(Date().timeIntervalSince(began))
                trajectory.checkSeconds.append(checking)
                continue
            }
            let batch = try recipe.map {
                CallBatch.given(try $0.batches.batch(iterations: description.configuration.gradient.batchIterations(
                    of: GenerationData.iterations(call: call, of: budget, runIterations: $0.iterations))))
            } ?? .draw(stream: stream)
            let measured = try update(values, on: network, task: task, evaluator: evaluator, call: call, memory: memory, batch: batch)
            // A preconditioner turns the rule's move once the rule's calls are over (its statistics gather
            // from the first call); filters held at their norms are held again after the turn.
            let batchDice = measured.batchDice
            var made = measured.values
            if preconditioner != nil {
                let turned = try preconditioner!.turning(made, from: values, gradient: measured.gradient, call: call, assembly: assembly)
                if call >= direction.ruleCalls { made = filterNorms.apply(turned, before: values, assembly: assembly) }
            }
            memory = measured.memory
            let shown: [Float]
            (values, shown) = treated.after(call: call, made: made, kept: trajectory.networks)
            var dice: Double?
            if case let .reaching(target, checks, _) = stop, checks.check(afterCall: call, batchDice: batchDice, target: target) {
                dice = try checked(shown)
                reached = (dice ?? -.infinity) >= target
                if dice == nil { trajectory.checkedBelowFloor.insert(trajectory.networks.count) }
            }
            trajectory.networks.append(shown)
            trajectory.validationDice.append(dice)
            trajectory.batchDice.append(batchDice)
            trajectory.seconds.append(Date().timeIntervalSince(began))
            trajectory.checkSeconds.append(checking)
        }
        let last = trajectory.networks.count - 1
        guard case .reaching = stop else {
            trajectory.validationDice[last] = try validationDice(trajectory.networks[last], network, evaluator)
            return trajectory
        }
        if !reached {
            // An answer needs the start's Dice and the last network's, which gated checks may have passed over.
            if trajectory.validationDice[last] == nil { trajectory.validationDice[last] = try checked(trajectory.networks[last], whole: true) }
            trajectory.validationDice[0] = try checked(start, whole: true)
            trajectory.seconds[last] = Date().timeIntervalSince(began)
            trajectory.checkSeconds[last] = checking
        }
        return trajectory
    }

    /// The validation Dice of `values`, set into `network` (0 for a non-finite vector); given a
    /// `floor`, nil as soon as it is certain to lie below it.
    private func validationDice(_ values: [Float], _ network: PlainConvUNet, _ evaluator: TaskEvaluator,
                                unlessBelow floor: Double? = nil) throws -> Double? {
        guard values.allSatisfy(\.isFinite) else { return 0 < (floor ?? 0) ? nil : 0 }
        try assembly.setParameters(of: network, to: values)
        guard let floor else { return try evaluator.validationDice(network) }
        return try evaluator.validationDice(network, unlessBelow: floor)
    }
}

extension ValidationChecks {
    /// Whether the network after call `call` (from 0), whose batch had foreground Dice
    /// `batchDice` (nil: a call on whole cases, which gated checks refuse), is checked, the
    /// generation's target being `target`.
    func check(afterCall call: Int, batchDice: Double?, target: Double) -> Bool {
        switch self {
        case .everyCall: true
        case let .everyNthCall(n): (call + 1) % n == 0
        case let .whenBatchDiceReaches(fraction): (batchDice ?? .infinity) >= fraction * target
        }
    }
}

private extension PatchGradient {
    /// The gradient and the batch's Dice as a call reports them (the Dice optional, as whole cases have none).
    var withOptionalDice: (gradient: [Float], batchDice: Double?) { (gradient, batchDice) }
}
