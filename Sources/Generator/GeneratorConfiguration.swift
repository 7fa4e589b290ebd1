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

/// A G.pt-style generator in four independent parts — the network, its training schedule, the
/// data it learns from and what it reads of the start — so that no two options can contradict
/// each other: each choice that excludes another is one value of one type. Presets are named
/// values (`small`, `gpt`, `startHidden`).
public struct GeneratorConfiguration: Codable, Sendable, Equatable {
    public var architecture: GeneratorArchitecture
    public var schedule: GeneratorSchedule
    public var data: DataRecipe
    public var conditioning: StartConditioning

    public init(architecture: GeneratorArchitecture, schedule: GeneratorSchedule, data: DataRecipe = DataRecipe(),
                conditioning: StartConditioning = .withStart(StartInputs())) {
        self.architecture = architecture
        self.schedule = schedule
        self.data = data
        self.conditioning = conditioning
    }

    private enum CodingKeys: String, CodingKey {
        case architecture, schedule, data, conditioning
    }

    /// Reads the typed parts, or migrates the flat options of a format-2 description
    /// (`CodingUserInfoKey.generatorFormatVersion` says which).
    public init(from decoder: Decoder) throws {
        if decoder.userInfo[.generatorFormatVersion] as? Int == 2 {
            self = try FlatGeneratorConfiguration(from: decoder).typed
            return
        }
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(architecture: try c.decode(GeneratorArchitecture.self, forKey: .architecture),
                  schedule: try c.decode(GeneratorSchedule.self, forKey: .schedule),
                  data: try c.decode(DataRecipe.self, forKey: .data),
                  conditioning: try c.decode(StartConditioning.self, forKey: .conditioning))
    }

    /// Whether the start is never read (the generator ignores the start and start metric it is handed).
    public var hidesStart: Bool { conditioning == .hidden }

    /// The inputs read from a start, or nil when the start is hidden.
    public var startInputs: StartInputs? {
        if case let .withStart(inputs) = conditioning { return inputs }
        return nil
    }

    /// Whether the model reads the training-loss gradient at the start.
    public var readsStartGradient: Bool { startInputs?.gradient ?? false }

    /// Whether the output is the decoded tokens plus the start (G.pt's global residual).
    public var hasGlobalResidual: Bool { startInputs?.globalResidual ?? false }

    /// The probability that a training pair's start is hidden: 1 for a start-hidden generator.
    public var startDropout: Float { startInputs?.dropout ?? 1 }

    /// G.pt's design at a size that trains in a few minutes, for tests and quick looks.
    public static let small = GeneratorConfiguration(
        architecture: GeneratorArchitecture(chunkSize: 128, width: 128, depth: 2, heads: 4),
        schedule: GeneratorSchedule(trainingSteps: 600, batchSize: 16, learningRate: 1e-3, warmupSteps: 50))
    /// G.pt's design (start given, global residual, permutation augmentation) at the largest
    /// size that trains within 45 minutes on 2 cores.
    public static let gpt = GeneratorConfiguration(
        architecture: GeneratorArchitecture(chunkSize: 128, width: 256, depth: 4, heads: 8),
        schedule: GeneratorSchedule(trainingSteps: 3000, batchSize: 32, learningRate: 4e-4, warmupSteps: 200))
    /// Prompted by task, run and target metric over a zoo whose runs share one channel order
    /// (canonical alignment, start hidden), from the 16 runs of each task with the best final
    /// validation Dice and 19 measured networks on each run's initialisation-to-final line,
    /// targets drawn metric-balanced. It follows the prompt from any start because it ignores the
    /// start: its networks are near-copies of the zoo's, or partly trained new ones from thousands
    /// of head runs (docs/results/GENERATOR.md). About 26 minutes on 2 cores.
    public static let startHidden = GeneratorConfiguration(
        architecture: GeneratorArchitecture(chunkSize: 128, width: 128, depth: 2, heads: 4),
        schedule: GeneratorSchedule(trainingSteps: 10000, batchSize: 32, learningRate: 1e-3, warmupSteps: 100),
        data: DataRecipe(alignment: .canonical, targetSampling: .balanced, runsPerTask: 16, runSelection: .bestValidation,
                         pathTargets: 19, runEmbedding: true),
        conditioning: .hidden)

    /// The options that shape this generator beyond its sizes, in words, for logs and reports.
    public var optionSummary: [String] {
        var options = ["runs \(data.alignment.words)"]
        switch conditioning {
        case .hidden: options.append("start hidden")
        case let .withStart(inputs):
            if inputs.gradient { options.append("start gradient on") }
            if !inputs.globalResidual { options.append("no global residual") }
            if inputs.dropout > 0 { options.append("start dropout \(inputs.dropout)") }
        }
        if architecture.promptOctaves != 10 { options.append("prompts embedded over \(architecture.promptOctaves) octaves") }
        if data.targetSampling != .pairs { options.append("targets drawn by \(data.targetSampling.rawValue)") }
        if data.pathTargets > 0 { options.append("\(data.pathTargets) path targets per run") }
        if data.runEmbedding { options.append("run embedding") }
        options.append(data.runsPerTask.map {
            data.runSelection == .first ? "first \($0) runs per task" : "\($0) runs per task with the best final validation metric"
        } ?? "all runs")
        return options
    }

    public func validate() throws {
        try architecture.validate()
        try schedule.validate()
        guard data.pathTargets >= 0 else { throw GeneratorError.invalidConfiguration("path targets must not be negative") }
        if let inputs = startInputs, !(0..<1).contains(inputs.dropout) {
            throw GeneratorError.invalidConfiguration("start dropout must lie in [0, 1); a start that is always hidden is the start-hidden conditioning")
        }
    }
}

/// The generator presets a command line or an experiment size names.
public enum GeneratorPreset: String, Codable, CaseIterable, Sendable {
    /// G.pt's design at a size that trains in a few minutes.
    case small
    /// The start-hidden, aligned-runs generator (`GeneratorConfiguration.startHidden`): it
    /// answers prompts by sampling the zoo's networks and ignores the start.
    case startHidden = "start-hidden"
    /// G.pt's design at the largest size that trains within 45 minutes on 2 cores.
    case gpt

    /// The configuration the preset stands for.
    public var configuration: GeneratorConfiguration {
        switch self {
        case .small: return .small
        case .startHidden: return .startHidden
        case .gpt: return .gpt
        }
    }
}
