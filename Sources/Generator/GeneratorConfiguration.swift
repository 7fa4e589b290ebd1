/// How the generator trainer draws its (start, target) pairs.
public enum TargetSampling: String, Codable, Sendable, CaseIterable {
    /// G.pt's: a run, a gap, then a start; targets lean heavily towards a run's late checkpoints.
    case pairs
    /// Each task equally, then each of its later checkpoints equally, the start uniformly among
    /// the target's earlier checkpoints: the zoo's own distribution, for a generator that hides the start.
    case checkpoints
    /// Each task equally, then each metric range of it equally (more weight on the zoo's rare
    /// half-trained networks, which low prompts ask for).
    case balanced
}

/// Which of a task's finished runs a generator with `runsPerTask` learns from.
public enum RunSelection: String, Codable, Sendable, CaseIterable {
    /// The first N in run order (the scaling studies' choice: every size contains the smaller ones).
    case first
    /// The N whose final checkpoint scores best on the validation cases (never the test cases
    /// the acceptance protocol measures): the zoo's best runs, as a user would pick them.
    case bestValidation = "best-validation"
}

/// Sizes and options of a G.pt-style generator.
public struct GeneratorConfiguration: Codable, Sendable, Equatable {
    /// Values per parameter token.
    public var chunkSize: Int
    /// Transformer width.
    public var width: Int
    public var depth: Int
    public var heads: Int
    /// Frequencies of the scalar embeddings [sin(f·x), cos(f·x), x].
    public var frequencies: Int
    /// The metric prompts' frequencies span π·2^0 … π·2^promptOctaves (the diffusion step's
    /// always span ten octaves, G.pt's). G.pt's ten octaves resolve Dice to 0.002, fine
    /// enough for a small zoo's generator to key each checkpoint by its exact metric and
    /// answer prompts between them with no network in particular; fewer octaves make
    /// nearby prompts look alike (docs/GENERATOR.md: R² rises from about −1.3 to −0.5, and
    /// with 16 runs per task the best prompt's networks get worse).
    public var promptOctaves: Double
    public var metric: PromptMetric
    /// Diffusion steps in training.
    public var diffusionSteps: Int
    /// Training steps, batch, peak learning rate, warm-up, decay, clipping and EMA.
    public var trainingSteps: Int
    public var batchSize: Int
    public var learningRate: Float
    public var warmupSteps: Int
    public var weightDecay: Float
    public var gradientClip: Float
    public var emaDecay: Float
    /// Permute each pair's hidden channels at random (G.pt's augmentation).
    public var permutationAugmentation: Bool
    /// Also give the model the training-loss gradient at the start parameters (per tensor,
    /// scaled to unit RMS), encoded per token and added to the start tokens: information about
    /// what the task asks of this particular start network, which G.pt's inputs lack.
    public var startGradient: Bool
    /// G.pt's global residual: output = decoded tokens + start parameters. Without it the
    /// model predicts the target outright (the start still enters through its encoder).
    public var globalResidual: Bool
    /// Bring every run into one channel order before training (weight matching of the run's
    /// final checkpoint to a reference run of its task, the same permutation applied to all
    /// the run's checkpoints): trained networks of different runs then share a frame, so the
    /// generator's targets are no longer spread over the channel-permutation orbits.
    /// Excludes permutation augmentation, which undoes it.
    public var canonicalAlignment: Bool
    /// Probability of replacing a training pair's start with the zoo mean (zero after
    /// normalisation) and its start metric with 0, as classifier-free guidance drops its
    /// condition: at 1 the generator is prompted by target metric and task alone and ignores
    /// the start it is given.
    public var startDropout: Float
    /// Whether the start is always hidden (start dropout 1): the generator then ignores the
    /// start and start metric it is handed.
    public var hidesStart: Bool { startDropout >= 1 }
    /// How training pairs are drawn from the zoo's runs.
    public var targetSampling: TargetSampling
    /// Learn from N finished runs of each task (nil: all of them), chosen by `runSelection`.
    public var runsPerTask: Int?
    public var runSelection: RunSelection
    /// Networks per run on the straight line from its initialisation to its final checkpoint,
    /// each scored on the zoo's cases and learned as a run of its own (0: none, G.pt's data).
    /// A zoo's runs cross from fresh to trained in a checkpoint or two; these lines pass
    /// through every metric value between, so middle prompts have networks to answer with.
    public var pathTargets: Int
    /// Give the model a learned embedding of the training run a target comes from, and at
    /// sampling the run a start is assigned to (`WeightGenerator.answeringRun`): the targets of
    /// one prompt then form one network per run instead of a mixture the model must pick from,
    /// and a start's answers to different prompts come from one run's path.
    public var runEmbedding: Bool

    public init(chunkSize: Int, width: Int, depth: Int, heads: Int, frequencies: Int = 32, promptOctaves: Double = 10,
                metric: PromptMetric = .validationDice,
                diffusionSteps: Int = 1000, trainingSteps: Int, batchSize: Int, learningRate: Float = 4e-4,
                warmupSteps: Int = 100, weightDecay: Float = 0.1, gradientClip: Float = 1, emaDecay: Float = 0.999,
                permutationAugmentation: Bool = true, startGradient: Bool = false, globalResidual: Bool = true,
                canonicalAlignment: Bool = false, startDropout: Float = 0, targetSampling: TargetSampling = .pairs,
                runsPerTask: Int? = nil, runSelection: RunSelection = .first, pathTargets: Int = 0, runEmbedding: Bool = false) {
        self.chunkSize = chunkSize
        self.width = width
        self.depth = depth
        self.heads = heads
        self.frequencies = frequencies
        self.promptOctaves = promptOctaves
        self.metric = metric
        self.diffusionSteps = diffusionSteps
        self.trainingSteps = trainingSteps
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.warmupSteps = warmupSteps
        self.weightDecay = weightDecay
        self.gradientClip = gradientClip
        self.emaDecay = emaDecay
        self.permutationAugmentation = permutationAugmentation
        self.startGradient = startGradient
        self.globalResidual = globalResidual
        self.canonicalAlignment = canonicalAlignment
        self.startDropout = startDropout
        self.targetSampling = targetSampling
        self.runsPerTask = runsPerTask
        self.runSelection = runSelection
        self.pathTargets = pathTargets
        self.runEmbedding = runEmbedding
    }

    /// G.pt's design at a size that trains in a few minutes, for tests and quick looks.
    public static let small = GeneratorConfiguration(chunkSize: 128, width: 128, depth: 2, heads: 4, trainingSteps: 600,
                                                     batchSize: 16, learningRate: 1e-3, warmupSteps: 50)
    /// G.pt's design (start given, global residual, permutation augmentation) at the largest
    /// size that trains within the issue's 45 minutes on 2 cores.
    public static let gpt = GeneratorConfiguration(chunkSize: 128, width: 256, depth: 4, heads: 8, trainingSteps: 3000,
                                                   batchSize: 32, learningRate: 4e-4, warmupSteps: 200)
    /// The default: prompted by task, run and target metric over a zoo whose runs share one
    /// channel order (canonical alignment, start hidden, no residual), from the 16 runs of
    /// each task with the best final validation Dice and 19 measured networks on each run's
    /// initialisation-to-final line, targets drawn metric-balanced — the variant that
    /// generates trained networks from unseen initialisations and follows the prompt on this
    /// machine (docs/GENERATOR.md). About 26 minutes on 2 cores.
    public static let standard = GeneratorConfiguration(chunkSize: 128, width: 128, depth: 2, heads: 4, trainingSteps: 10000,
                                                        batchSize: 32, learningRate: 1e-3, warmupSteps: 100, permutationAugmentation: false,
                                                        globalResidual: false, canonicalAlignment: true, startDropout: 1,
                                                        targetSampling: .balanced, runsPerTask: 16, runSelection: .bestValidation,
                                                        pathTargets: 19, runEmbedding: true)

    /// The preset a command-line or experiment size names: `small`, `default` or `gpt`.
    public static func named(_ name: String) throws -> GeneratorConfiguration {
        switch name {
        case "small": return .small
        case "default": return .standard
        case "gpt": return .gpt
        default: throw GeneratorError.invalidConfiguration("generator size \(name) is not small, default or gpt")
        }
    }

    /// Reads a configuration; options added after a generator was saved take their defaults.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        chunkSize = try c.decode(Int.self, forKey: .chunkSize)
        width = try c.decode(Int.self, forKey: .width)
        depth = try c.decode(Int.self, forKey: .depth)
        heads = try c.decode(Int.self, forKey: .heads)
        frequencies = try c.decode(Int.self, forKey: .frequencies)
        promptOctaves = try c.decodeIfPresent(Double.self, forKey: .promptOctaves) ?? 10
        metric = try c.decode(PromptMetric.self, forKey: .metric)
        diffusionSteps = try c.decode(Int.self, forKey: .diffusionSteps)
        trainingSteps = try c.decode(Int.self, forKey: .trainingSteps)
        batchSize = try c.decode(Int.self, forKey: .batchSize)
        learningRate = try c.decode(Float.self, forKey: .learningRate)
        warmupSteps = try c.decode(Int.self, forKey: .warmupSteps)
        weightDecay = try c.decode(Float.self, forKey: .weightDecay)
        gradientClip = try c.decode(Float.self, forKey: .gradientClip)
        emaDecay = try c.decode(Float.self, forKey: .emaDecay)
        permutationAugmentation = try c.decode(Bool.self, forKey: .permutationAugmentation)
        startGradient = try c.decodeIfPresent(Bool.self, forKey: .startGradient) ?? false
        globalResidual = try c.decodeIfPresent(Bool.self, forKey: .globalResidual) ?? true
        canonicalAlignment = try c.decodeIfPresent(Bool.self, forKey: .canonicalAlignment) ?? false
        startDropout = try c.decodeIfPresent(Float.self, forKey: .startDropout) ?? 0
        targetSampling = try c.decodeIfPresent(TargetSampling.self, forKey: .targetSampling) ?? .pairs
        runsPerTask = try c.decodeIfPresent(Int.self, forKey: .runsPerTask)
        runSelection = try c.decodeIfPresent(RunSelection.self, forKey: .runSelection) ?? .first
        pathTargets = try c.decodeIfPresent(Int.self, forKey: .pathTargets) ?? 0
        runEmbedding = try c.decodeIfPresent(Bool.self, forKey: .runEmbedding) ?? false
    }

    /// The options that shape this generator beyond its sizes, in words, for logs and reports.
    public var optionSummary: [String] {
        var options = ["permutation augmentation \(permutationAugmentation ? "on" : "off")"]
        if startGradient { options.append("start gradient on") }
        if !globalResidual { options.append("no global residual") }
        if canonicalAlignment { options.append("runs aligned to a reference") }
        if startDropout > 0 { options.append("start dropout \(startDropout)") }
        if promptOctaves != 10 { options.append("prompts embedded over \(promptOctaves) octaves") }
        if targetSampling != .pairs { options.append("targets drawn by \(targetSampling.rawValue)") }
        if pathTargets > 0 { options.append("\(pathTargets) path targets per run") }
        if runEmbedding { options.append("run embedding") }
        options.append(runsPerTask.map {
            runSelection == .first ? "first \($0) runs per task" : "\($0) runs per task with the best final validation metric"
        } ?? "all runs")
        return options
    }

    public func validate() throws {
        guard chunkSize > 0, width > 0, depth > 0, heads > 0, width % heads == 0, frequencies > 0,
              promptOctaves >= 0, promptOctaves <= 20 else {
            throw GeneratorError.invalidConfiguration("sizes must be positive, width divisible by heads and prompt octaves in 0…20")
        }
        guard trainingSteps > 0, batchSize > 0, learningRate > 0, diffusionSteps >= 2 else {
            throw GeneratorError.invalidConfiguration("steps, batch size and learning rate must be positive")
        }
        guard pathTargets >= 0 else { throw GeneratorError.invalidConfiguration("path targets must not be negative") }
        guard (0...1).contains(startDropout) else {
            throw GeneratorError.invalidConfiguration("start dropout must lie in 0…1")
        }
        guard !(startGradient && hidesStart) else {
            throw GeneratorError.invalidConfiguration("the start gradient is an input about the start, which start dropout 1 hides")
        }
        guard !(canonicalAlignment && permutationAugmentation) else {
            throw GeneratorError.invalidConfiguration("canonical alignment and permutation augmentation exclude each other")
        }
    }
}
