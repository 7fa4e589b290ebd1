/// The generator network's sizes and embeddings.
public struct GeneratorArchitecture: Codable, Sendable, Equatable {
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
    /// nearby prompts look alike (docs/results/GENERATOR.md).
    public var promptOctaves: Double
    /// Diffusion steps in training.
    public var diffusionSteps: Int

    public init(chunkSize: Int, width: Int, depth: Int, heads: Int, frequencies: Int = 32, promptOctaves: Double = 10,
                diffusionSteps: Int = 1000) {
        self.chunkSize = chunkSize
        self.width = width
        self.depth = depth
        self.heads = heads
        self.frequencies = frequencies
        self.promptOctaves = promptOctaves
        self.diffusionSteps = diffusionSteps
    }

    func validate() throws {
        guard chunkSize > 0, width > 0, depth > 0, heads > 0, width % heads == 0, frequencies > 0,
              promptOctaves >= 0, promptOctaves <= 20, diffusionSteps >= 2 else {
            throw GeneratorError.invalidConfiguration(
                "sizes must be positive, width divisible by heads, prompt octaves in 0…20 and at least 2 diffusion steps")
        }
    }
}

/// How the generator trains: steps, batch, AdamW with warm-up and cosine decay, clipping, EMA.
public struct GeneratorSchedule: Codable, Sendable, Equatable {
    public var trainingSteps: Int
    public var batchSize: Int
    /// Peak learning rate.
    public var learningRate: Float
    public var warmupSteps: Int
    public var weightDecay: Float
    public var gradientClip: Float
    public var emaDecay: Float

    public init(trainingSteps: Int, batchSize: Int, learningRate: Float = 4e-4, warmupSteps: Int = 100, weightDecay: Float = 0.1,
                gradientClip: Float = 1, emaDecay: Float = 0.999) {
        self.trainingSteps = trainingSteps
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.warmupSteps = warmupSteps
        self.weightDecay = weightDecay
        self.gradientClip = gradientClip
        self.emaDecay = emaDecay
    }

    func validate() throws {
        guard trainingSteps > 0, batchSize > 0, learningRate > 0 else {
            throw GeneratorError.invalidConfiguration("steps, batch size and learning rate must be positive")
        }
    }
}

/// The channel order in which the generator sees the zoo's runs: exactly one of three.
public enum ChannelAlignment: String, Codable, Sendable, CaseIterable {
    /// As each run was trained.
    case none
    /// A fresh random permutation of hidden channels per training pair, start and target alike (G.pt's augmentation).
    case permutationAugmentation = "permutation-augmentation"
    /// Every run brought into its task's reference run's order by weight matching of its final
    /// checkpoint, all its checkpoints alike: trained networks of different runs share a frame.
    case canonical

    /// The choice in words, for logs.
    var words: String {
        switch self {
        case .none: return "in their trained channel order"
        case .permutationAugmentation: return "permuted at random per pair"
        case .canonical: return "aligned to a reference"
        }
    }
}

/// What the generator learns from: which runs, in which channel order, which targets, with which metric.
public struct DataRecipe: Codable, Sendable, Equatable {
    public var metric: PromptMetric
    public var alignment: ChannelAlignment
    /// How training pairs are drawn from the zoo's runs.
    public var targetSampling: TargetSampling
    /// Learn from N finished runs of each task (nil: all of them), chosen by `runSelection`.
    public var runsPerTask: Int?
    public var runSelection: RunSelection
    /// Networks per run on the straight line from its initialisation to its final checkpoint,
    /// each scored on the zoo's validation cases and learned as a run of its own (0: none,
    /// G.pt's data). A zoo's runs cross from fresh to trained in a checkpoint or two; these lines
    /// pass through every metric value between, so middle prompts have networks to answer with.
    public var pathTargets: Int
    /// Give the model a learned embedding of the training run a target comes from, and at
    /// sampling the run a start is assigned to (`WeightGenerator.answeringRun`): the targets of
    /// one prompt then form one network per run instead of a mixture the model must pick from.
    public var runEmbedding: Bool

    public init(metric: PromptMetric = .validationDice, alignment: ChannelAlignment = .permutationAugmentation,
                targetSampling: TargetSampling = .pairs, runsPerTask: Int? = nil, runSelection: RunSelection = .first,
                pathTargets: Int = 0, runEmbedding: Bool = false) {
        self.metric = metric
        self.alignment = alignment
        self.targetSampling = targetSampling
        self.runsPerTask = runsPerTask
        self.runSelection = runSelection
        self.pathTargets = pathTargets
        self.runEmbedding = runEmbedding
    }
}

/// What the generator reads of the start network it is handed.
public enum StartConditioning: Codable, Sendable, Equatable {
    /// G.pt's: the start's parameters and metric, and what `StartInputs` adds.
    case withStart(StartInputs)
    /// Never the start: the generator is prompted by task (and run) and target metric alone,
    /// and predicts the target outright (a residual to a start it does not read would be noise).
    case hidden
}

/// The start inputs of a generator that reads its start.
public struct StartInputs: Codable, Sendable, Equatable {
    /// Probability of hiding a training pair's start — its parameters, metric and gradient —
    /// as classifier-free guidance drops its condition; below 1 (always hidden is `.hidden`).
    public var dropout: Float
    /// Also read the training-loss gradient at the start parameters (per tensor, scaled to unit
    /// RMS), encoded per token and added to the start tokens: what the task asks of this start.
    public var gradient: Bool
    /// G.pt's global residual: output = decoded tokens + start parameters.
    public var globalResidual: Bool

    public init(dropout: Float = 0, gradient: Bool = false, globalResidual: Bool = true) {
        self.dropout = dropout
        self.gradient = gradient
        self.globalResidual = globalResidual
    }
}
