import NeuralNetwork
import Segmentation

/// A learned optimiser: a small network applied to every parameter (on its own, or reading the
/// parameters of its channels: `scope`), reading the parameter, its training-loss gradient and
/// its tensor's state, and returning the parameter's
/// move over `horizon` iterations of the zoo's training per unit learning rate. Applied call
/// after call from any start, it trains that start; it is distilled from the zoo's trajectories.
public struct LearnedOptimizerConfiguration: Codable, Sendable, Equatable {
    /// Hidden width of the per-parameter network.
    public var width: Int
    /// Hidden layers of the per-parameter network.
    public var depth: Int
    /// Iterations of zoo training one call stands for: a target is a run's move from a
    /// checkpoint to its first checkpoint at least this many iterations later, scaled to exactly this many.
    public var horizon: Int
    /// The learning rate a target move is divided by.
    public var moveUnit: MoveUnit
    /// Training steps of the per-parameter network; 0 leaves it as initialised, its output near zero
    /// (under `GradientHistory.adamStep`, Adam's own step over the horizon).
    public var trainingSteps: Int
    /// Parameters (rows) per training step.
    public var batchSize: Int
    public var learningRate: Float
    /// Learn from the runs trained with this optimiser (moves per unit learning rate differ in kind between optimisers).
    public var optimizer: TrainingConfiguration.OptimizerKind
    /// Learn from N finished runs of each task with that optimiser (nil: all but the held-out ones).
    public var runsPerTask: Int?
    /// Runs per task after those learned from whose examples only measure the rule's error on
    /// moves it never saw (`LearnedOptimizerDescription.validationError`); 0: none.
    public var validationRuns: Int
    /// The most calls one generation may make.
    public var maximumCalls: Int
    /// What the gradient a call reads is taken on.
    public var gradient: CallGradient
    /// Training cases (whole cases) or patches (training patches) per gradient: with whole
    /// cases call k reads group k of the task's training cases in groups of this size
    /// (cycling), as training reads mini-batches; each example reads a random group.
    public var casesPerCall: Int
    /// What a call remembers of the calls before it.
    public var memory: UpdateMemory
    /// What each parameter's row reads of its past gradients.
    public var history: GradientHistory
    /// Which other parameters a parameter's move reads.
    public var scope: RuleScope
    /// How the learning rate of a call changes over a generation's calls.
    public var schedule: CallSchedule
    /// Rounds of on-policy correction after distillation (`OnPolicyCorrection`): each round
    /// generates from fresh starts, labels every network visited with the move the zoo's
    /// recipe makes from it, and trains on those examples beside the zoo's.
    public var corrections: Int
    /// Training through unrolled calls after distillation (nil: none): the rule is judged by
    /// where several of its calls end, not by each move.
    public var unrolling: CallUnrolling?
    /// Which of the runs' moves the rule is distilled from.
    public var distilledMoves: DistilledMoves
    /// Meta-training by evolution strategies after distillation (nil: none): the rule is judged
    /// by how fast its generations train, not by how near its moves are to the runs'.
    public var evolution: EvolutionStrategy?

    public init(width: Int = 64, depth: Int = 2, horizon: Int = 25, moveUnit: MoveUnit = .currentRate, trainingSteps: Int = 3000, batchSize: Int = 8192,
                learningRate: Float = 1e-3, optimizer: TrainingConfiguration.OptimizerKind = .adam, runsPerTask: Int? = nil, validationRuns: Int = 0,
                maximumCalls: Int = 64, gradient: CallGradient = .trainingPatches, casesPerCall: Int = 16, memory: UpdateMemory = .previousMove,
                history: GradientHistory = .none, scope: RuleScope = .parameter, schedule: CallSchedule = .poly, corrections: Int = 0,
                unrolling: CallUnrolling? = nil, distilledMoves: DistilledMoves = .everyCheckpoint, evolution: EvolutionStrategy? = nil) {
        self.width = width
        self.depth = depth
        self.horizon = horizon
        self.moveUnit = moveUnit
        self.trainingSteps = trainingSteps
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.optimizer = optimizer
        self.runsPerTask = runsPerTask
        self.validationRuns = validationRuns
        self.maximumCalls = maximumCalls
        self.gradient = gradient
        self.casesPerCall = casesPerCall
        self.memory = memory
        self.history = history
        self.scope = scope
        self.schedule = schedule
        self.corrections = corrections
        self.unrolling = unrolling
        self.distilledMoves = distilledMoves
        self.evolution = evolution
    }

    /// The preset `weightgen learned-optimizer train` starts from: gradients on training patches,
    /// at most 64 calls under poly decay (eight zoo runs' worth of 25-iteration calls). On the
    /// cord and gray-matter head zoos it beats whole-case gradients over 100 constant calls on
    /// the validation Dice its rate is chosen by and on unseen starts' test Dice, and 32 calls on
    /// both (docs/results/GENERATOR.md).
    public static let standard = LearnedOptimizerConfiguration()

    /// Throws when a size, rate or count is out of range.
    public func validate() throws {
        guard width > 0, depth > 0, horizon > 0, trainingSteps >= 0, batchSize > 0, learningRate > 0, maximumCalls > 0, casesPerCall > 0,
              corrections >= 0, validationRuns >= 0, runsPerTask.map({ $0 >= 2 }) ?? true else {
            throw GeneratorError.invalidConfiguration("sizes, horizon, batch, learning rate, calls and cases per call must be positive; steps, corrections and validation runs not negative; runs per task at least 2")
        }
        if case let .runFirstBatches(count) = gradient, !(1...horizon).contains(count) {
            throw GeneratorError.invalidConfiguration("a call reads the batches of 1 to the horizon's \(horizon) iterations, not \(count)")
        }
        guard !gradient.readsRunBatches || corrections == 0 else {
            throw GeneratorError.invalidConfiguration("on-policy correction labels networks with fresh draws; a rule that reads its runs' batches has none to read")
        }
        guard unrolling.map({ $0.calls > 0 && $0.steps > 0 && $0.moveLossWeight >= 0 && $0.moveLossWeight.isFinite }) ?? true else {
            throw GeneratorError.invalidConfiguration("unrolled training needs at least one call per path, one step and a finite move-loss weight that is not negative")
        }
        if let evolution {
            guard evolution.steps > 0, evolution.calls >= 2, evolution.calls <= maximumCalls, evolution.pairs > 0, evolution.starts > 0,
                  evolution.sigma > 0, evolution.sigma.isFinite, evolution.learningRate > 0, evolution.learningRate.isFinite else {
                throw GeneratorError.invalidConfiguration("evolution needs a step, 2 to the \(maximumCalls) maximum calls per generation, "
                                                          + "a pair, a start, and a finite positive spread and learning rate")
            }
            guard gradient == .trainingPatches else {
                throw GeneratorError.invalidConfiguration("evolution scores a generation by its calls' training patches' Dice; calls reading \(gradient) have none")
            }
        }
        guard distilledMoves == .everyCheckpoint || (maximumCalls == 1 && corrections == 0 && unrolling == nil) else {
            throw GeneratorError.invalidConfiguration("a rule distilled from the runs' initialisations alone knows a generation's first call: "
                                                      + "it makes one call (not \(maximumCalls)), with no on-policy correction or unrolled training")
        }
    }
}

/// Training through unrolled calls (`LearnedOptimizerTrainer.trainThroughUnrolledCalls`): from a
/// zoo checkpoint the rule makes `calls` calls in a row, each reading the gradient at the network
/// its own moves reached (on the run's next batches, or a fresh draw), and learns by how far the
/// last network lies from the run's checkpoint those calls stand for. Distillation teaches each
/// move from the run's own networks; this teaches where the calls end from the rule's own, so
/// errors that later calls undo cost nothing and errors that compound cost what they compound to.
public struct CallUnrolling: Codable, Sendable, Equatable {
    /// Calls per unrolled path.
    public var calls: Int
    /// Training steps, each on `LearnedOptimizerTrainer.pathsPerUnrolledStep` paths.
    public var steps: Int
    /// The weight of distillation's per-move loss (relative to no move) added to the endpoint
    /// error at each step (0: the endpoint error alone): each move is kept near the runs' move
    /// while the paths are taught where to end.
    public var moveLossWeight: Float

    public init(calls: Int, steps: Int, moveLossWeight: Float = 0) {
        self.calls = calls
        self.steps = steps
        self.moveLossWeight = moveLossWeight
    }

    /// Reads a stored unrolling; one written before `moveLossWeight` existed weighed the endpoint error alone.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(calls: try c.decode(Int.self, forKey: .calls), steps: try c.decode(Int.self, forKey: .steps),
                  moveLossWeight: try c.decodeIfPresent(Float.self, forKey: .moveLossWeight) ?? 0)
    }
}

/// Which of the zoo's moves a learned optimiser is distilled from.
public enum DistilledMoves: String, Codable, Sendable, CaseIterable {
    /// The move from every checkpoint of every run: a rule for each call of a generation.
    case everyCheckpoint = "every-checkpoint"
    /// The move from each run's initialisation over its first horizon alone: a rule for one call
    /// that jumps from a start, as G.pt's generator does, reading the start's gradient.
    case fromInitialisation = "from-initialisation"
}

/// The learning rate a distilled move is divided by, which decides whether the rule learns the
/// runs' learning-rate decay.
public enum MoveUnit: String, Codable, Sendable, CaseIterable {
    /// The rate in effect over the move: the decay is divided out, so a move late in a run
    /// counts as much as an early one and the rule never learns to slow down.
    case currentRate = "current-rate"
    /// The run's initial (peak) rate: late moves stay as small as the decayed rate made them, so
    /// the rule learns to move less where the runs moved less (measured: less, not to a stop).
    case peakRate = "peak-rate"

    /// The rate a move is divided by, given the mean rate in effect over it and the run's initial rate.
    func rate(meanOverMove: Double, peak: Double) -> Double {
        switch self {
        case .currentRate: meanOverMove
        case .peakRate: peak
        }
    }
}

/// What the learned optimiser carries from one call to the next.
public enum UpdateMemory: String, Codable, Sendable, CaseIterable {
    /// Each call reads only the network and its gradient.
    case none
    /// Each call also reads every parameter's previous move (the rule's own output at the call
    /// before; in distillation the run's move over the horizon before the checkpoint), so it can
    /// keep a direction the way momentum does, from a gradient that reads only a few cases.
    case previousMove = "previous-move"
}

/// What the learned optimiser reads of each parameter's past gradients.
public enum GradientHistory: String, Codable, Sendable, CaseIterable {
    /// Only the gradient of the call.
    case none
    /// Also the running mean of the parameter's squared gradient (`MomentEstimate`), which
    /// divides Adam's steps: the gradient over its root and the root's size within its tensor.
    /// A zoo move depends on it and a checkpoint's parameters do not hold it, so distillation
    /// reads the runs' recorded Adam state (a zoo created with its optimiser state) and a
    /// generation keeps its own estimate over its calls.
    case secondMoment = "second-moment"
    /// Also the running mean of the parameter's gradient, Adam's first moment, over its second
    /// moment's root (Adam's own step direction): a gradient averaged over past iterations in
    /// distillation and over past calls in a generation, less noisy than one call's few patches.
    case adamMoments = "adam-moments"
    /// Adam's moments as `adamMoments`, and the move is Adam's own step over the horizon (the
    /// mean gradient over its root, per unit learning rate) plus the rule's output: the rule
    /// learns a correction to Adam instead of each tensor's scale of Adam's step, which a rule
    /// whose output is the whole move in the zoo's per-tensor units must learn.
    case adamStep = "adam-step"

    /// Whether the rule reads Adam's first moment (its step direction).
    public var readsFirstMoment: Bool {
        switch self {
        case .none, .secondMoment: false
        case .adamMoments, .adamStep: true
        }
    }
}

/// Which parameters the rule reads to move one.
public enum RuleScope: String, Codable, Sendable, CaseIterable {
    /// The parameter alone, with its tensor's statistics (`ParameterwiseRule`): distilled from
    /// random parameters of random checkpoints.
    case parameter
    /// Also the parameters of its channels, in its tensor and in the layers before and after,
    /// through one round of message passing over the network's `ChannelGraph`
    /// (`ChannelGraphRule`): distilled from whole checkpoints.
    case channelGraph = "channel-graph"
}

/// The learning rate of each call of a generation, as a fraction of the optimiser's.
public enum CallSchedule: String, Codable, Sendable, CaseIterable {
    /// Every call moves at the full rate.
    case constant
    /// nnU-Net's poly decay over the maximum calls, (1 − k / calls)^0.9: as the zoo's runs
    /// decayed theirs, so late calls settle instead of moving at the noise of a few cases.
    case poly

    /// The fraction for call `call` of at most `calls`.
    public func fraction(call: Int, of calls: Int) -> Float {
        switch self {
        case .constant: 1
        case .poly: PolyLearningRate(initial: 1, totalSteps: calls).learningRate(at: call)
        }
    }
}

extension LearnedOptimizerConfiguration {
    /// Reads a stored configuration; one written before `history` existed read none, one
    /// written before `scope` existed read the parameter alone, one before `validationRuns` none,
    /// one before `unrolling` was trained through no unrolled calls, one before `distilledMoves`
    /// was distilled from every checkpoint, one before `evolution` was not evolved.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(width: try c.decode(Int.self, forKey: .width), depth: try c.decode(Int.self, forKey: .depth),
                  horizon: try c.decode(Int.self, forKey: .horizon), moveUnit: try c.decode(MoveUnit.self, forKey: .moveUnit),
                  trainingSteps: try c.decode(Int.self, forKey: .trainingSteps), batchSize: try c.decode(Int.self, forKey: .batchSize),
                  learningRate: try c.decode(Float.self, forKey: .learningRate),
                  optimizer: try c.decode(TrainingConfiguration.OptimizerKind.self, forKey: .optimizer),
                  runsPerTask: try c.decodeIfPresent(Int.self, forKey: .runsPerTask),
                  validationRuns: try c.decodeIfPresent(Int.self, forKey: .validationRuns) ?? 0, maximumCalls: try c.decode(Int.self, forKey: .maximumCalls),
                  gradient: try c.decode(CallGradient.self, forKey: .gradient), casesPerCall: try c.decode(Int.self, forKey: .casesPerCall),
                  memory: try c.decode(UpdateMemory.self, forKey: .memory),
                  history: try c.decodeIfPresent(GradientHistory.self, forKey: .history) ?? GradientHistory.none,
                  scope: try c.decodeIfPresent(RuleScope.self, forKey: .scope) ?? .parameter,
                  schedule: try c.decode(CallSchedule.self, forKey: .schedule), corrections: try c.decode(Int.self, forKey: .corrections),
                  unrolling: try c.decodeIfPresent(CallUnrolling.self, forKey: .unrolling),
                  distilledMoves: try c.decodeIfPresent(DistilledMoves.self, forKey: .distilledMoves) ?? .everyCheckpoint,
                  evolution: try c.decodeIfPresent(EvolutionStrategy.self, forKey: .evolution))
    }
}
