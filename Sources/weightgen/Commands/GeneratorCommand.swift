import ArgumentParser
import Foundation
import Formats
import Generator
import Segmentation
import Zoo

extension PromptMetric: ExpressibleByArgument {}
extension TargetSampling: ExpressibleByArgument {}
extension RunSelection: ExpressibleByArgument {}
extension ChannelAlignment: ExpressibleByArgument {}
extension GeneratorPreset: ExpressibleByArgument {}

/// `weightgen generator`: trains and evaluates G.pt-style generators over a zoo.
struct GeneratorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generator", abstract: "Train or evaluate a diffusion generator over a checkpoint zoo.",
        subcommands: [GeneratorTrain.self, GeneratorEvaluate.self])
}

/// `weightgen generator train`.
struct GeneratorTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a generator on a zoo's checkpoint pairs (resumes when --out holds one of the same setup).",
        discussion: """
        On SIGTERM or SIGINT it finishes the step under way, saves and exits with status 143; the same command \
        resumes, and a run stopped and resumed any number of times ends with the same weights as one that never \
        stopped (bit for bit, with the same OpenBLAS kernel and thread count). Under Slurm: `sbatch --requeue`, \
        see scripts/slurm/generator_train.sh.
        """)

    @Option(help: "Zoo folder.") var zoo: String
    @Option(help: "Generator folder.") var out: String
    @Option(help: ArgumentHelp(
        "Preset: gpt (G.pt's design), small (G.pt's, quick) or start-hidden (runs aligned, start hidden: it samples the zoo's networks).",
        discussion: "None is the default: from unseen starts gpt and small return start-level networks and start-hidden near-copies "
            + "of the zoo's, whatever the start; new networks of the start's own come from `weightgen learned-optimizer`."))
    var config: GeneratorPreset
    @Option(help: "Training steps (default: the configuration's).") var steps: Int?
    @Option(help: "Batch size (default: the configuration's).") var batchSize: Int?
    @Option(help: "Tasks to learn, comma-separated (default: all of the zoo's).") var tasks: String?
    @Option(help: "Use only N runs of each task (default: the preset's; 0: all).") var runs: Int?
    @Option(help: "Which N runs: first (in run order) or best-validation (best final validation metric; default: the preset's).")
    var runSelection: RunSelection?
    @Option(help: "Prompt metric: validation-dice or training-loss (test cases are never learned from).")
    var metric: PromptMetric = .validationDice
    @Option(help: "Channel order of the runs: none, permutation-augmentation (G.pt's) or canonical (aligned to a reference run; default: the preset's).")
    var alignment: ChannelAlignment?
    @Option(help: "What the generator reads of the start: given (G.pt's) or hidden (default: the preset's).") var start: StartChoice?
    @Option(help: "With the start given: probability of hiding a training pair's start, below 1.") var startDropout: Float?
    @Flag(help: "With the start given: also feed the training-loss gradient at the start parameters.") var startGradient = false
    @Flag(help: "With the start given: drop G.pt's global residual (output = decoded + start).") var noResidual = false
    @Option(help: "Training pairs: pairs (G.pt's), checkpoints (every checkpoint equally) or balanced (every metric range equally).")
    var targetSampling: TargetSampling?
    @Option(help: "Transformer width (default: the preset's; G.pt's 1,536-2,048).") var width: Int?
    @Option(help: "Transformer blocks (default: the preset's; G.pt's 12).") var depth: Int?
    @Option(help: "Attention heads, dividing the width (default: the preset's).") var heads: Int?
    @Option(help: "Octaves of the metric prompts' frequency embedding (default: the preset's; G.pt's 10).") var promptOctaves: Double?
    @Option(help: "Networks per run on the line from its initialisation to its final checkpoint, scored and learned as targets (default: the preset's).")
    var pathTargets: Int?
    @Flag(help: "Give the generator a learned embedding of the training run each target comes from; a start is answered from one run's path.")
    var runEmbedding = false
    @Option(help: "Seed of the initialisation and the pair stream.") var seed: UInt64 = 0

    func run() throws {
        var configuration = config.configuration
        if let steps { configuration.schedule.trainingSteps = steps }
        if let batchSize { configuration.schedule.batchSize = batchSize }
        if let runs { configuration.data.runsPerTask = runs > 0 ? runs : nil }
        if let runSelection { configuration.data.runSelection = runSelection }
        configuration.data.metric = metric
        if let alignment { configuration.data.alignment = alignment }
        configuration.conditioning = try conditioning(preset: configuration)
        if let targetSampling { configuration.data.targetSampling = targetSampling }
        if let width { configuration.architecture.width = width }
        if let depth { configuration.architecture.depth = depth }
        if let heads { configuration.architecture.heads = heads }
        if let promptOctaves { configuration.architecture.promptOctaves = promptOctaves }
        if let pathTargets { configuration.data.pathTargets = pathTargets }
        if runEmbedding { configuration.data.runEmbedding = true }
        try configuration.validate()
        if configuration.data.pathTargets > 0 { log("scoring \(configuration.data.pathTargets) networks on each run's initialisation-to-final line") }
        let opened = try Zoo.open(URL(fileURLWithPath: zoo))
        let trainer = try GeneratorTrainer(zoo: opened, folder: URL(fileURLWithPath: out), configuration: configuration,
                                           tasks: tasks?.split(separator: ",").map(String.init), seed: seed)
        let d = trainer.description
        var options = configuration.optionSummary
        if d.step > 0 { options.append("resuming at step \(d.step)") }
        let a = configuration.architecture
        let sizes = "\(d.tokenizer.tokenCount) tokens of \(a.chunkSize), width \(a.width), depth \(a.depth)"
        let schedule = "\(configuration.schedule.trainingSteps) steps at batch \(configuration.schedule.batchSize)"
        log("generator: \(sizes); tasks \(d.tasks.joined(separator: ",")); \(schedule); " + options.joined(separator: "; "))
        let signals = SignalStop()
        let outcome = try trainer.train(stopWhen: { signals.isRequested }) { p in
            var line = String(format: "step %d/%d  loss %.5f  lr %.2e  %.2f steps/s  ETA %@", p.step, p.steps, p.loss, p.learningRate,
                              p.stepsPerSecond, formatDuration(p.secondsRemaining))
            if let prompted = p.heldOutPrompted, let achieved = p.heldOutAchieved {
                line += String(format: "  held-out: prompted %.3f achieved %.3f", prompted, achieved)
            }
            log(line)
        }
        if case .stopped(let step) = outcome {
            log("stopped at step \(step) of \(configuration.schedule.trainingSteps) and saved \(out); the same command resumes it")
            throw ExitCode(Self.stoppedExitCode)
        }
        log(String(format: "saved %@ (%@ of training)", out, formatDuration(trainer.description.seconds)))
    }

    /// The exit status of a training stopped by a signal and saved: 128 + SIGTERM, as if the signal had
    /// ended it, so job schedulers and scripts see an unfinished job.
    static let stoppedExitCode = 128 + SIGTERM

    /// The start conditioning the options ask for; options about a start the generator would not read are refused.
    func conditioning(preset: GeneratorConfiguration) throws -> StartConditioning {
        switch start ?? (preset.hidesStart ? .hidden : .given) {
        case .hidden:
            guard startDropout == nil, !startGradient, !noResidual else {
                throw ValidationError("--start-dropout, --start-gradient and --no-residual describe a start the generator reads, "
                                      + "but this one hides it; add --start given")
            }
            return .hidden
        case .given:
            var inputs = preset.startInputs ?? StartInputs(globalResidual: false)
            if let startDropout { inputs.dropout = startDropout }
            if startGradient { inputs.gradient = true }
            if noResidual { inputs.globalResidual = false }
            return .withStart(inputs)
        }
    }
}

/// Whether a generator reads the start it is handed.
enum StartChoice: String, ExpressibleByArgument {
    case given
    case hidden
}

/// `weightgen generator evaluate`.
struct GeneratorEvaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Generate from unseen and seen initialisations prompted with the zoo's best validation Dice; "
            + "report test Dice, prompt alignment and the memorisation audit.")

    @Option(help: "Generator folder.") var generator: String
    @Option(help: "Zoo folder (default: the one the generator was trained on).") var zoo: String?
    @Option(help: "Initialisations per kind and task.") var seeds = 16
    @Option(help: "Starts per kind and task for prompt alignment (20 prompts each).") var alignmentStarts = 4
    @Option(help: "DDIM steps (0: ancestral DDPM over all steps).") var samplingSteps = 50
    @Option(help: "Write the results as JSON to this file.") var json: String?
    @Flag(help: "Sample with the last raw weights instead of the EMA weights.") var rawWeights = false
    @Flag(help: "Pass prompts above the generator's training data on unchanged (default: answer them as its best).") var extrapolate = false
    @Option(help: "Unseen starts per task trained with the zoo's recipe for the audit's start fidelity.") var fidelityStarts = 4
    @Flag(help: "Skip the memorisation audit (novelty, start dependence, start fidelity, the baselines' frontier).") var noAudit = false

    func run() throws {
        let loaded = try WeightGenerator(folder: URL(fileURLWithPath: generator), exponentialMovingAverage: !rawWeights)
        let opened = try Zoo.open(URL(fileURLWithPath: zoo ?? loaded.description.zoo))
        let evaluation = try loaded.evaluate(on: opened, seeds: seeds, alignmentStarts: alignmentStarts,
                                             sampler: samplingSteps > 0 ? .ddim(steps: samplingSteps) : .ddpm, extrapolate: extrapolate,
                                             fidelityStarts: noAudit ? nil : fidelityStarts, progress: { log($0) })
        try report(evaluation, json: json)
    }
}

/// Prints a generator evaluation's audits and writes it as JSON to `json` when given.
func report(_ evaluation: GeneratorEvaluation, json: String?) throws {
    for audit in evaluation.tasks.compactMap(\.audit) { printAudit(audit) }
    if let json {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        // Prompt alignment is NaN when no starts were asked for (--alignment-starts 0).
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        try encoder.encode(evaluation).write(to: URL(fileURLWithPath: json), options: .atomic)
    }
    log(String(format: "evaluated in %@", formatDuration(evaluation.seconds)))
}

/// `weightgen generate`: one trained U-Net from a start network and a prompt.
struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate a trained U-Net in one call with a diffusion generator, from a random initialisation or a checkpoint, prompted with a target Dice.")

    @Option(help: "Generator folder.") var generator: String
    @Option(help: "Task.") var task: String
    @Option(help: "Target validation Dice (default: the best the generator learned).") var targetDice: Double?
    @Option(help: "Start network: 'random' (the default) or a weightgen checkpoint folder; refused by generators that hide the start.")
    var from: String?
    @Option(help: "Seed of the random initialisation and of sampling.") var seed: UInt64 = 0
    @Option(help: "Feed the output back as the start this many more times (recursive prompting).") var recursive = 0
    @Option(help: "DDIM steps (0: ancestral DDPM over all steps).") var samplingSteps = 50
    @Flag(help: "Pass a target above the generator's training data on unchanged (default: answer it as its best).") var extrapolate = false
    @Option(help: "Output folder: a weightgen checkpoint, with an nnU-Net v2 model folder in OUT/nnunet.") var out: String

    func run() throws {
        let start = Date()
        let loaded = try WeightGenerator(folder: URL(fileURLWithPath: generator))
        let d = loaded.description
        let taskIndex = try loaded.taskIndex(task)
        let layout = d.normalizer.layout
        if d.configuration.hidesStart && (from != nil || recursive > 0) {
            throw ValidationError("this generator was trained with the start hidden (--start hidden): it does not read a start "
                                  + "network, so --from and --recursive would change nothing; drop them (--seed varies the output)")
        }
        var parameters: [Float]
        if let from, from != "random" {
            let (network, _) = try UNetCheckpoint.read(URL(fileURLWithPath: from))
            try loaded.assembly.checkFits(network, source: from)
            parameters = try layout.flatten(network)
        } else {
            parameters = try layout.flatten(try PlainConvUNet(d.architecture, seed: seed))
        }
        let target = targetDice ?? d.bestMetric[task] ?? 1
        let attainable = loaded.attainablePrompt(target, task: taskIndex)
        if attainable != target && !extrapolate {
            log(String(format: "note: prompt %.4f is beyond the best the generator was trained on; generating for %.4f (--extrapolate asks for %.4f)",
                       target, attainable, target))
        }
        if let row = loaded.answeringRun(for: parameters, task: taskIndex, target: extrapolate ? target : attainable),
           let run = d.learnedRuns?[row] {
            log(String(format: "answering from the path of %@ training run %d (best Dice on it %.4f)", task, run.runIndex, run.bestMetric))
        }
        var startMetric = d.initialMetric[task] ?? 0
        let zoo = d.configuration.readsStartGradient ? try Zoo.open(URL(fileURLWithPath: d.zoo)) : nil
        let evaluators = try zoo.map { zoo in try d.tasks.map { try TaskEvaluator(zoo: zoo, task: $0) } }
        for _ in 0...(d.configuration.hidesStart ? 0 : max(recursive, 0)) {
            let gradients = try evaluators.flatMap { try loaded.startGradients(for: [parameters], tasks: [taskIndex], evaluators: $0) }
            parameters = try loaded.generate(starts: [parameters], tasks: [taskIndex], startMetrics: [startMetric], targetMetrics: [target],
                                             startGradients: gradients, sampler: samplingSteps > 0 ? .ddim(steps: samplingSteps) : .ddpm,
                                             seed: seed, extrapolate: extrapolate)[0]
            startMetric = target
        }
        let nnUNetFolder = try writeGenerated(try loaded.network(from: parameters), architecture: d.architecture, partial: d.partial,
                                              patchSize: d.patchSize, spacing: d.spacing, task: task, prompt: target, out: out)
        log(String(format: "generated %@ (and the nnU-Net model folder %@) for %@ prompted with Dice %.4f in %.2f s", out,
                   nnUNetFolder.path, task, target, Date().timeIntervalSince(start)))
    }
}

/// Writes a generated network as a weightgen checkpoint folder `out` and an nnU-Net v2 model
/// folder `out/nnunet` (returned). A partial network keeps its base's preprocessing and, for an
/// nnU-Net base, its plans.
func writeGenerated(_ network: PlainConvUNet, architecture: PlainConvUNetConfiguration, partial: PartialNetwork?, patchSize: [Int],
                    spacing: [Double], task: String, prompt: Double, out: String) throws -> URL {
    let nnUNetFolder = URL(fileURLWithPath: out).appendingPathComponent("nnunet")
    if let partial {
        let base = try partial.loadBase()
        try UNetCheckpoint.write(network, description: UNetCheckpointDescription(
            architecture: architecture, patchSize: base.patchSize, task: task, iteration: 0, metrics: ["prompted_dice": prompt],
            spacing: base.spacing, reoriented: base.reoriented), to: URL(fileURLWithPath: out))
        if UNetCheckpoint.isCheckpoint(base.url) {
            try NNUNetExport.write(network, patchSize: base.patchSize, spacing: base.spacing ?? spacing, labels: ["background", task],
                                   to: nnUNetFolder)
        } else {
            try NNUNetExport.write(network, reusing: try NNUNetModelFolder.open(base.url), to: nnUNetFolder)
        }
    } else {
        try UNetCheckpoint.write(network, description: UNetCheckpointDescription(
            architecture: architecture, patchSize: patchSize, task: task, iteration: 0,
            metrics: ["prompted_dice": prompt], reoriented: true), to: URL(fileURLWithPath: out))
        try NNUNetExport.write(network, patchSize: patchSize, spacing: spacing, labels: ["background", task], to: nnUNetFolder)
    }
    return nnUNetFolder
}
