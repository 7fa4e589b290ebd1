import ArgumentParser
import Foundation
import Formats
import Generator
import Segmentation
import TensorEngine
import Zoo

extension UpdateMemory: ExpressibleByArgument {}
extension GradientHistory: ExpressibleByArgument {}
extension RuleScope: ExpressibleByArgument {}
extension CallSchedule: ExpressibleByArgument {}
extension MoveUnit: ExpressibleByArgument {}
extension CallGradient: ExpressibleByArgument {}
extension EvaluationData: ExpressibleByArgument {}
extension StreamSharing: ExpressibleByArgument {}
extension CallLearningRate: ExpressibleByArgument {}
extension GenerationAnswer: ExpressibleByArgument {}
extension ValidationChecks: ExpressibleByArgument {}
extension IterateTreatment: ExpressibleByArgument {}
extension FilterNorms: ExpressibleByArgument {}
extension StepDirection: ExpressibleByArgument {}
extension DistilledMoves: ExpressibleByArgument {}

/// The help of `--learning-rate`, alike for every command that generates.
private let learningRateHelp = ArgumentHelp("Learning rate of a call: calibrated (each task's, chosen in training), recipe (each "
                                            + "task's zoo recipe's, the best validation run's) or a rate for every task.")

/// The help of `--average-last`, alike for every command that generates.
private let averageLastHelp = ArgumentHelp("Answer with the parameter-wise mean of the answered network and the K − 1 networks "
                                           + "before it (Polyak's averaging of the last calls' iterates; 1: the network itself). "
                                           + "The mean is not checked on the way, so it may fall short of a prompt its last network reached.",
                                           valueName: "K")

/// The help of `--forked-calls`, alike for every command that generates.
private let forkedCallsHelp = ArgumentHelp("With --generations K: the K generations of a start run apart for their first N calls "
                                           + "only, each on its own stream of fresh draws, unchecked, and their mean (with the mean of "
                                           + "their memories) goes on alone on the first stream (0: apart to the end).", valueName: "N")

/// The help of `--answer`, alike for every command that generates.
private let answerHelp = ArgumentHelp("The network that answers a prompt no call reached: best (the best validation Dice, as "
                                      + "nnU-Net's checkpoint_best) or final (the last, as its checkpoint_final); or unchecked: "
                                      + "every call is made with no validation check and the last network answers (a fixed "
                                      + "number of calls, as G.pt's recursive prompting; the prompt is not followed).")

/// The help of `--checks`, alike for every command that generates.
private let checksHelp = ArgumentHelp("Which networks a generation checks on validation cases: every-call, every:N (the network "
                                      + "after calls N, 2N, …, N ≥ 2), or batch-dice:F (only the network after a call whose training "
                                      + "batch's foreground Dice reached F × the prompt; a check passes over every validation case, the "
                                      + "batch's Dice comes with the call's gradient). When no call reached the prompt the last network "
                                      + "is checked. Default every-call; not with --answer unchecked.",
                                      valueName: "every-call|every:N|batch-dice:F")

/// The help of `--iterates`, alike for every command that generates.
private let iteratesHelp = ArgumentHelp("What a generation makes of each call's network: as-made (checked, kept and answering as "
                                        + "the call made it), ema:D (the exponential moving average of the calls' networks, decay D "
                                        + "in [0, 1), is checked, kept and answers; the calls go on from their own networks) or "
                                        + "extrapolate:N:F (after calls N, 2N, … the network moves on by F × its move over the last "
                                        + "N calls, and the calls go on from there).",
                                        valueName: "as-made|ema:D|extrapolate:N:F")

/// The help of `--filter-norms`, alike for every command that generates.
private let filterNormsHelp = ArgumentHelp("free, or held: after every call each convolution filter an instance norm follows (the "
                                           + "network does not depend on its scale) is scaled back to the norm it had before the call.")

/// The help of `--direction`, alike for every command that generates.
private let directionHelp = ArgumentHelp("The direction each call moves each weight matrix in: rule (the rule's move), or "
                                         + "shampoo:D:N (Shampoo's preconditioned gradient at the length of the rule's move, tensor by "
                                         + "tensor; its statistics decay by D per call, their roots recomputed every N calls), or "
                                         + "soap:B1:B2:N (SOAP's: Adam in the eigenbasis of Shampoo's statistics, at the rule's length; the "
                                         + "gradient's moments decay by B1 and B2 per call, the eigenbasis recomputed every N calls; each "
                                         + "tensor read as a matrix, output channels × the rest), or soap:B1:B2:N:modes (the same with one "
                                         + "statistic per mode: output channels, input channels, kernel positions); either preconditioner "
                                         + "followed by :after:K leaves the first K calls to the rule's move, its statistics gathering from "
                                         + "the first; not with --forked-calls.", valueName: "rule|shampoo:D:N[:after:K]|soap:B1:B2:N[:modes][:after:K]")

/// The help of `--bounded-checks`, alike for every command that generates.
private let boundedChecksHelp = ArgumentHelp("Stop a check as soon as the network's validation Dice is certain to lie below the lowest "
                                             + "Dice asked about (the prompt; for evaluate 0.9 × the prompt), its validation cases measured "
                                             + "a few slices at a time, most foreground first; such a network is left unmeasured, as a gated "
                                             + "check passes one over. Not with --answer unchecked.")

/// `weightgen learned-optimizer`: distils a per-parameter update rule from a zoo's trajectories and evaluates it as a generator.
struct LearnedOptimizerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "learned-optimizer", abstract: "Train, evaluate or generate with a learned optimiser distilled from a zoo's training trajectories (the default generator).",
        subcommands: [LearnedOptimizerTrain.self, LearnedOptimizerEvaluate.self, LearnedOptimizerGenerate.self,
                      LearnedOptimizerPredictability.self])
}

/// `weightgen learned-optimizer predictability`: the ceiling of distillation on a zoo.
struct LearnedOptimizerPredictability: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predictability",
        abstract: "Rerun the recipe from sampled checkpoints for one horizon on two data orders: how much of a move the network decides.",
        discussion: "The cosine of the two reruns' moves is the share of a move's variance a perfect rule would explain; 1 − cosine is "
            + "the least relative error distillation can reach (the trainer's relative loss) for moves from a fresh optimiser state. "
            + "The run's own moves also depend on the optimiser state its checkpoints do not hold: the second figure, their cosine "
            + "with a rerun, shows how much.")

    @Option(help: "Zoo folder.") var zoo: String
    @Option(help: "Task (default: the zoo's first).") var task: String?
    @Option(help: "Iterations of one move, as the optimiser's horizon.") var horizon = LearnedOptimizerConfiguration.standard.horizon
    @Option(help: "Sample the first N runs of the task trained with Adam (default: all).") var runs: Int?
    @Option(help: "Checkpoints sampled.") var samples = 32

    func run() throws {
        let opened = try Zoo.open(URL(fileURLWithPath: zoo))
        var configuration = LearnedOptimizerConfiguration.standard
        configuration.horizon = horizon
        configuration.runsPerTask = runs
        let task = task ?? opened.plan.tasks[0]
        let measured = try MovePredictability.measure(zoo: opened, task: task, configuration: configuration, samples: samples)
        func estimate(_ value: Estimate) -> String { String(format: "%.3f [%.3f, %.3f]", value.mean, value.lower, value.upper) }
        print("\(task): \(measured.rerunCosine.values.count) checkpoints rerun for \(horizon) iterations on two data orders: "
              + "cosine of their moves \(estimate(measured.rerunCosine)) (least relative error of a rule: "
              + String(format: "%.3f", 1 - measured.rerunCosine.mean) + "); the run's own move against a rerun: \(estimate(measured.zooCosine))"
              + (measured.resumedCosine.map { "; against the run resumed with its recorded optimiser state on another data order: \(estimate($0))" } ?? ""))
    }
}

/// `weightgen learned-optimizer train`.
struct LearnedOptimizerTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Distil a learned optimiser from every checkpoint of a zoo's runs (the last two runs of each task held out).")

    @Option(help: "Zoo folder.") var zoo: String
    @Option(help: "Learned optimiser folder (written when training ends).") var out: String
    @Option(help: "Tasks to learn, comma-separated (default: all of the zoo's).") var tasks: String?
    @Option(help: "Use only the first N runs of each task trained with the optimiser (default: all).") var runs: Int?
    @Option(help: "Keep the next N runs of each task out of distillation and report the rule's error on their moves.")
    var validationRuns = LearnedOptimizerConfiguration.standard.validationRuns
    @Option(help: "Distil the runs trained with this optimiser: adam or sgd.") var optimizer = LearnedOptimizerConfiguration.standard.optimizer
    @Option(help: "Iterations of zoo training one call stands for.") var horizon = LearnedOptimizerConfiguration.standard.horizon
    @Option(help: "The rate a distilled move is divided by: current-rate (the runs' decay divided out) or peak-rate (the decay learned).")
    var moveUnit = LearnedOptimizerConfiguration.standard.moveUnit
    @Option(help: ArgumentHelp("What a call's gradient is taken on: whole-cases (a group of training cases), training-patches (patches drawn "
                               + "as the zoo's runs drew theirs) or run-batches (the batches the run followed trained on; generations "
                               + "then read a recipe's, in a data order they are given), other-run-batches (its control: the same recipe's "
                               + "batches on another data order) or run-first-batches:N (of the run's batches over a call's "
                               + "iterations the first N alone, 1 to the horizon: N iterations' gradients per call)."))
    var gradient = LearnedOptimizerConfiguration.standard.gradient
    @Option(help: ArgumentHelp("Training cases (whole-cases) or patches (training-patches) per call's gradient: fewer make a call cheaper "
                               + "and its gradient noisier (default \(LearnedOptimizerConfiguration.standard.casesPerCall); the run-batch kinds read "
                               + "the run's batches whole)."))
    var casesPerCall: Int?
    @Option(help: "Training steps (0 keeps the rule untrained: with adam-step, Adam's own step over the horizon, the control a correction is measured against).") var steps = LearnedOptimizerConfiguration.standard.trainingSteps
    @Option(help: "Hidden width of the per-parameter network.") var width = LearnedOptimizerConfiguration.standard.width
    @Option(help: "Hidden layers of the per-parameter network (a narrower or shallower one makes a call cheaper).")
    var depth = LearnedOptimizerConfiguration.standard.depth
    @Option(help: "The most calls one generation may make.") var maximumCalls = LearnedOptimizerConfiguration.standard.maximumCalls
    @Option(help: "What a call reads of the call before: none or previous-move.") var memory = LearnedOptimizerConfiguration.standard.memory
    @Option(help: "What a call reads of past gradients: none, second-moment (Adam's running mean of the squared gradient), adam-moments (also the running mean of the gradient) or adam-step (as adam-moments, the rule's output added to Adam's own step: it learns a correction to Adam); each distilled from a zoo created with --checkpoint-content parameters-and-optimizer-state.")
    var history = LearnedOptimizerConfiguration.standard.history
    @Option(help: "What a parameter's move reads: parameter (itself and its tensor's statistics) or channel-graph (also the parameters of its channels, by message passing over the network's channels).")
    var scope = LearnedOptimizerConfiguration.standard.scope
    @Option(help: "Learning rate over a generation's calls: constant or poly.") var schedule = LearnedOptimizerConfiguration.standard.schedule
    @Option(help: "Rounds of on-policy correction: generate from fresh starts and learn the zoo's recipe's move from every network visited.")
    var corrections = LearnedOptimizerConfiguration.standard.corrections
    @Option(help: ArgumentHelp("After distillation, train the rule through N calls in a row from the runs' checkpoints, by how far the "
                               + "last lies from the run's checkpoint those calls stand for (0: no unrolled training)."))
    var unrolledCalls = 0
    @Option(help: "Training steps through unrolled calls (with --unrolled-calls; default 400).") var unrolledSteps: Int?
    @Option(help: "Weight of the per-move distillation loss beside the endpoint error in unrolled training (with --unrolled-calls; default 0: the endpoint error alone).")
    var unrolledMoveWeight: Float?
    @Option(help: ArgumentHelp("After distillation (and the choice of its rate), meta-train the rule for N steps of evolution strategies "
                               + "by the mean training-patch Dice of its generations' first calls (0: none)."))
    var evolutionSteps = 0
    @Option(help: "Calls per generation an evolution step scores (with --evolution-steps; default: 8, or the maximum calls if fewer).")
    var evolutionCalls: Int?
    @Option(help: "Random directions per evolution step, each tried both ways (with --evolution-steps; default 8).") var evolutionPairs: Int?
    @Option(help: "Fresh starts each perturbed rule generates from per evolution step (with --evolution-steps; default 2).") var evolutionStarts: Int?
    @Option(help: "Standard deviation of the perturbation of each weight (with --evolution-steps; default 0.05).") var evolutionSigma: Float?
    @Option(help: "Adam's learning rate on the rule's weights in evolution (with --evolution-steps; default 0.01).") var evolutionRate: Float?
    @Option(help: ArgumentHelp("The runs' moves to distil: every-checkpoint (a rule for every call) or from-initialisation (the move "
                               + "over each run's first horizon alone: a rule that makes one call from a start; --maximum-calls 1)."))
    var moves = LearnedOptimizerConfiguration.standard.distilledMoves
    @Option(help: "Seed of the network and the example stream.") var seed: UInt64 = 0

    func validate() throws {
        if gradient.readsRunBatches && casesPerCall != nil { throw ValidationError("--cases-per-call does not apply to --gradient \(gradient)") }
        if unrolledCalls < 0 { throw ValidationError("--unrolled-calls must not be negative") }
        if unrolledCalls == 0 && (unrolledSteps != nil || unrolledMoveWeight != nil) {
            throw ValidationError("--unrolled-steps and --unrolled-move-weight need --unrolled-calls")
        }
        if evolutionSteps < 0 { throw ValidationError("--evolution-steps must not be negative") }
        if evolutionSteps == 0 && (evolutionCalls != nil || evolutionPairs != nil || evolutionStarts != nil || evolutionSigma != nil || evolutionRate != nil) {
            throw ValidationError("--evolution-calls, --evolution-pairs, --evolution-starts, --evolution-sigma and --evolution-rate need --evolution-steps")
        }
    }

    func run() throws {
        var configuration = LearnedOptimizerConfiguration.standard
        configuration.runsPerTask = runs
        configuration.validationRuns = validationRuns
        configuration.optimizer = optimizer
        configuration.horizon = horizon
        configuration.moveUnit = moveUnit
        configuration.gradient = gradient
        configuration.casesPerCall = casesPerCall ?? configuration.casesPerCall
        configuration.trainingSteps = steps
        configuration.width = width
        configuration.depth = depth
        configuration.maximumCalls = maximumCalls
        configuration.memory = memory
        configuration.history = history
        configuration.scope = scope
        configuration.schedule = schedule
        configuration.corrections = corrections
        configuration.distilledMoves = moves
        configuration.unrolling = unrolledCalls > 0 ? CallUnrolling(calls: unrolledCalls, steps: unrolledSteps ?? 400, moveLossWeight: unrolledMoveWeight ?? 0) : nil
        if evolutionSteps > 0 {
            let standard = EvolutionStrategy(steps: evolutionSteps, calls: min(8, maximumCalls))
            configuration.evolution = EvolutionStrategy(steps: evolutionSteps, calls: evolutionCalls ?? standard.calls,
                                                        pairs: evolutionPairs ?? standard.pairs, starts: evolutionStarts ?? standard.starts,
                                                        sigma: evolutionSigma ?? standard.sigma, learningRate: evolutionRate ?? standard.learningRate)
        }
        let opened = try Zoo.open(URL(fileURLWithPath: zoo))
        let trainer = try LearnedOptimizerTrainer(zoo: opened, folder: URL(fileURLWithPath: out), configuration: configuration,
                                                  tasks: tasks?.split(separator: ",").map(String.init), seed: seed, progress: { log($0) })
        let trained = try trainer.train(progress: { p in
            if p.step % 500 == 0 || p.step == p.steps { log(String(format: "step %d/%d  relative loss %.4f (1: no better than no move)", p.step, p.steps, p.loss)) }
        }, log: { log($0) })
        if let error = trained.description.distillationError {
            log(String(format: "relative error over every learned parameter of every distilled example %.4f (1: no better than no move)", error))
        }
        if let error = trained.description.validationError {
            log(String(format: "relative error on the validation runs' examples %.4f", error))
        }
        let rates = zip(trained.description.tasks, trained.description.learningRates).map { String(format: "%@ %.4g", $0, $1) }
        log(String(format: "saved %@ (%d examples, learning rate %@, %@ of training)", out, trained.description.examples,
                   rates.joined(separator: ", "), formatDuration(trained.description.seconds)))
    }
}

/// `weightgen learned-optimizer evaluate`.
struct LearnedOptimizerEvaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Generate from unseen and seen initialisations prompted with the zoo's best validation Dice; report test Dice, "
            + "prompt alignment, the memorisation audit and the time to 0.9 × the prompt against the zoo's recipe.")

    @Option(help: "Learned optimiser folder.") var optimizer: String
    @Option(help: "Zoo folder (default: the one it was distilled from).") var zoo: String?
    @Option(help: "Initialisations per kind and task.") var seeds = 16
    @Option(help: "Starts per kind and task for prompt alignment (20 prompts each).") var alignmentStarts = 4
    @Option(help: "Unseen starts per task trained with the zoo's recipe (start fidelity and the time comparison).") var fidelityStarts = 4
    @Option(help: "Write the results as JSON to this file.") var json: String?
    @Option(help: learningRateHelp) var learningRate = CallLearningRate.calibrated
    @Option(help: answerHelp) var answer = GenerationAnswer.best
    @Option(help: checksHelp) var checks: ValidationChecks?
    @Option(help: "The most calls one generation may make (default: the one set in training).") var maximumCalls: Int?
    @Option(help: "Learning rate over a generation's calls: constant or poly (default: the one set in training).") var schedule: CallSchedule?
    @Option(help: ArgumentHelp("What the calls read: fresh-draws, or recipe-batches (each generation the batches of the run its "
                               + "start fidelity is measured against, in that run's order). Default: recipe-batches for an optimiser "
                               + "distilled with --gradient run-batches, else fresh-draws.")) var data: EvaluationData?
    @Option(help: ArgumentHelp("Also train each fidelity start this many more times with the recipe, each on another data order, "
                               + "and audit the mean of those networks: the network a start leads to whatever the data (0: none).",
                               valueName: "K")) var rerunMean = 0
    @Option(help: ArgumentHelp("Answer each start with the parameter-wise mean of K generations from it, each reading its own stream "
                               + "of fresh draws (K times the calls; fresh-draws only).", valueName: "K")) var generations = 1
    @Option(help: ArgumentHelp("The first stream of fresh draws the generations read (another first stream is another data "
                               + "order; see --streams).",
                               valueName: "S")) var firstStream = 0
    @Option(help: ArgumentHelp("Which streams of fresh draws the starts read: shared (every start the same ones; figures "
                               + "averaged over starts are one data order's) or per-start (each its own; start dependence then "
                               + "compares a start's network with its successor's on the same streams, one more generation per start).",
                               valueName: "SHARING")) var streams = StreamSharing.shared
    @Option(help: averageLastHelp) var averageLast = 1
    @Option(help: forkedCallsHelp) var forkedCalls = 0
    @Flag(help: boundedChecksHelp) var boundedChecks = false
    @Option(help: iteratesHelp) var iterates = IterateTreatment.asMade
    @Option(help: filterNormsHelp) var filterNorms = FilterNorms.free
    @Option(help: directionHelp) var direction = StepDirection.rule

    func run() throws {
        let loaded = try LearnedOptimizer(folder: URL(fileURLWithPath: optimizer))
        try loaded.setCalls(maximum: maximumCalls, schedule: schedule)
        let opened = try Zoo.open(URL(fileURLWithPath: zoo ?? loaded.description.zoo))
        try loaded.setLearningRates(learningRate, zoo: opened)
        try loaded.setIterates(iterates)
        loaded.filterNorms = filterNorms
        try loaded.setDirection(direction)
        let evaluation = try loaded.evaluate(on: opened, seeds: seeds, alignmentStarts: alignmentStarts, fidelityStarts: fidelityStarts,
                                             data: data, answer: answer, checks: checks, rerunMean: rerunMean, generations: generations, firstStream: firstStream,
                                             streams: streams, averagedNetworks: averageLast, forkedCalls: forkedCalls,
                                             boundedChecks: boundedChecks, progress: { log($0) })
        try report(evaluation, json: json)
    }
}

/// `weightgen learned-optimizer generate`: one trained U-Net from a start, called until the prompt.
struct LearnedOptimizerGenerate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Train a start network with the learned optimiser until its validation Dice reaches the prompt (or the calls run out).",
        discussion: "It reads the zoo's training and validation cases (gradients and the stopping check), never its test cases.")

    @Option(help: "Learned optimiser folder.") var optimizer: String
    @Option(help: "Zoo folder whose cases it reads (default: the one it was distilled from).") var zoo: String?
    @Option(help: "Task.") var task: String
    @Option(help: "Target validation Dice (default: the zoo's best checkpoint's).") var targetDice: Double?
    @Option(help: "Start network: 'random' (the default) or a weightgen checkpoint folder.") var from: String?
    @Option(help: "Seed of the random initialisation.") var seed: UInt64 = 0
    @Option(help: "Output folder: a weightgen checkpoint, with an nnU-Net v2 model folder in OUT/nnunet.") var out: String
    @Option(help: "The most calls the generation may make (default: the one set in training).") var maximumCalls: Int?
    @Option(help: "Learning rate over the calls: constant or poly (default: the one set in training).") var schedule: CallSchedule?
    @Option(help: learningRateHelp) var learningRate = CallLearningRate.calibrated
    @Option(help: answerHelp) var answer = GenerationAnswer.best
    @Option(help: checksHelp) var checks: ValidationChecks?
    @Option(help: ArgumentHelp("Read the batches of the zoo's best validation run's recipe in this seed's data order, as a training "
                               + "run with that recipe and seed would (needed by an optimiser distilled with --gradient run-batches)."))
    var dataSeed: UInt64?
    @Option(help: ArgumentHelp("Answer with the parameter-wise mean of K generations from the start, each reading its own stream of "
                               + "fresh draws (K times the calls; not with --data-seed, one data order).", valueName: "K"))
    var generations = 1
    @Option(help: averageLastHelp) var averageLast = 1
    @Option(help: forkedCallsHelp) var forkedCalls = 0
    @Flag(help: boundedChecksHelp) var boundedChecks = false
    @Option(help: iteratesHelp) var iterates = IterateTreatment.asMade
    @Option(help: filterNormsHelp) var filterNorms = FilterNorms.free
    @Option(help: directionHelp) var direction = StepDirection.rule

    func validate() throws {
        if generations < 1 { throw ValidationError("--generations must be 1 or more") }
        if forkedCalls < 0 || (forkedCalls > 0 && generations < 2) {
            throw ValidationError("--forked-calls \(forkedCalls): the generations (--generations 2 or more) run apart for N ≥ 1 calls")
        }
        if averageLast < 1 { throw ValidationError("--average-last must be 1 or more") }
        if generations > 1 && dataSeed != nil { throw ValidationError("--generations \(generations) reads \(generations) streams of fresh draws; --data-seed is one data order") }
    }

    func run() throws {
        let began = Date()
        let loaded = try LearnedOptimizer(folder: URL(fileURLWithPath: optimizer))
        let taskIndex = try loaded.taskIndex(task)
        try loaded.setCalls(maximum: maximumCalls, schedule: schedule)
        try loaded.setIterates(iterates)
        loaded.filterNorms = filterNorms
        try loaded.setDirection(direction)
        let opened = try Zoo.open(URL(fileURLWithPath: zoo ?? loaded.description.zoo))
        loaded.description.learningRates[taskIndex] = try loaded.learningRate(learningRate, task: taskIndex, zoo: opened)
        let d = loaded.description
        let start: [Float]
        if let from, from != "random" {
            let (network, _) = try UNetCheckpoint.read(URL(fileURLWithPath: from))
            try loaded.assembly.checkFits(network, source: from)
            start = try loaded.assembly.layout.flatten(network)
        } else {
            start = try loaded.assembly.layout.flatten(try PlainConvUNet(d.architecture, seed: seed))
        }
        let runs = try opened.runs(task: task, status: .done)
        let prompt = try targetDice ?? runs.flatMap { try opened.checkpoints(run: $0.id!) }.map(\.validationDice).max() ?? 1
        let data = try dataSeed.map { [GenerationData.recipeBatches(try recipeRun(task: task, in: opened).hyperparameters, seed: $0)] }
            ?? (forkedCalls > 0 ? [.forkedDraws(streams: 0..<generations, calls: forkedCalls)] : (0..<generations).map { .freshDraws(stream: $0) })
        let evaluator = try TaskEvaluator(zoo: opened, task: task)
        let stop = try answer.stop(reaching: prompt, checks: checks, extent: boundedChecks ? .untilCertainlyBelow(prompt) : nil)
        let trajectories = try parallelMap(data.count) {
            try loaded.trajectory(from: start, task: taskIndex, evaluator: evaluator, stop: stop, data: data[$0])
        }
        let mean = MeanOfGenerations(trajectories)
        let generated = try loaded.assembly.network(mean.answer(prompt: prompt, choice: answer, averagedNetworks: averageLast))
        let nnUNetFolder = try writeGenerated(generated, architecture: d.architecture, partial: d.partial, patchSize: d.patchSize,
                                              spacing: d.spacing, task: task, prompt: prompt, out: out)
        let startDice = mean.startValidationDice.map { String(format: "%.4f", $0) }
            ?? (answer == .unchecked ? "not checked" : "not checked: a call reached the prompt")
        let answered = trajectories.map { $0.answer(prompt: prompt, choice: answer) }
        // A mean is a network no generation checked: it is checked here (on validation cases).
        let dice = try trajectories.count == 1 && averageLast == 1 ? trajectories[0].validationDice[answered[0]] ?? .nan : evaluator.validationDice(generated)
        log(String(format: "generated %@ (and %@) for %@: validation Dice %.4f, %@ (prompt %.4f, start %@) in %.1f s", out,
                   nnUNetFolder.path, task, dice,
                   (trajectories.count == 1 ? "after \(answered[0]) of \(trajectories[0].networks.count - 1) calls"
                       : "the mean of \(trajectories.count) generations' answers after \(answered.map(String.init).joined(separator: ", ")) calls")
                       + (averageLast > 1 ? ", each the mean of the last \(averageLast) networks" : ""),
                   prompt, startDice, Date().timeIntervalSince(began)))
        for trajectory in trajectories {
            log("validation Dice per call: " + trajectory.validationDice.map { $0.map { String(format: "%.3f", $0) } ?? "–" }.joined(separator: " "))
            log("training batch Dice per call: " + trajectory.batchDice.map { $0.map { String(format: "%.3f", $0) } ?? "–" }.joined(separator: " "))
        }
    }
}
