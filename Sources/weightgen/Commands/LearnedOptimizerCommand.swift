import ArgumentParser
import Foundation
import Generator
import Zoo

/// `weightgen learned-optimizer`: distils a per-parameter update rule from a zoo's trajectories and evaluates it as a generator.
struct LearnedOptimizerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "learned-optimizer", abstract: "Train or evaluate a learned optimiser distilled from a zoo's training trajectories.",
        subcommands: [LearnedOptimizerTrain.self, LearnedOptimizerEvaluate.self])
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
    @Option(help: "Distil the runs trained with this optimiser: adam or sgd.") var optimizer = LearnedOptimizerConfiguration.standard.optimizer
    @Option(help: "Iterations of zoo training one call stands for.") var horizon = LearnedOptimizerConfiguration.standard.horizon
    @Option(help: "Training steps.") var steps = LearnedOptimizerConfiguration.standard.trainingSteps
    @Option(help: "Hidden width of the per-parameter network.") var width = LearnedOptimizerConfiguration.standard.width
    @Option(help: "The most calls one generation may make.") var maximumCalls = LearnedOptimizerConfiguration.standard.maximumCalls
    @Option(help: "Seed of the network and the example stream.") var seed: UInt64 = 0

    func run() throws {
        var configuration = LearnedOptimizerConfiguration.standard
        configuration.runsPerTask = runs
        configuration.optimizer = optimizer
        configuration.horizon = horizon
        configuration.trainingSteps = steps
        configuration.width = width
        configuration.maximumCalls = maximumCalls
        let opened = try Zoo.open(URL(fileURLWithPath: zoo))
        let trainer = try LearnedOptimizerTrainer(zoo: opened, folder: URL(fileURLWithPath: out), configuration: configuration,
                                                  tasks: tasks?.split(separator: ",").map(String.init), seed: seed, progress: { log($0) })
        let trained = try trainer.train(progress: { p in
            if p.step % 500 == 0 || p.step == p.steps { log(String(format: "step %d/%d  relative loss %.4f (1: no better than no move)", p.step, p.steps, p.loss)) }
        }, log: { log($0) })
        log(String(format: "saved %@ (%d examples, learning rate %.4g, %@ of training)", out, trained.description.examples,
                   trained.description.learningRate, formatDuration(trained.description.seconds)))
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
    @Option(help: "Learning rate of a call (default: the one chosen in training).") var learningRate: Float?

    func run() throws {
        let loaded = try LearnedOptimizer(folder: URL(fileURLWithPath: optimizer))
        if let learningRate { loaded.description.learningRate = learningRate }
        let opened = try Zoo.open(URL(fileURLWithPath: zoo ?? loaded.description.zoo))
        let evaluation = try loaded.evaluate(on: opened, seeds: seeds, alignmentStarts: alignmentStarts, fidelityStarts: fidelityStarts,
                                             progress: { log($0) })
        try report(evaluation, json: json)
    }
}
