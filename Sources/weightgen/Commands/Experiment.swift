import ArgumentParser
import Experiments
import Foundation

/// `weightgen experiment`: the whole pipeline and its report.
struct Experiment: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run phantom (or your dataset) → zoo → the learned optimiser and a diffusion generator → evaluation against baselines → HTML report.",
        discussion: """
        Writes OUT/data (the phantom, unless --dataset is given), OUT/zoo, OUT/generator, OUT/generator-TASK, \
        OUT/learned-optimizer and OUT/report/index.html with results.json. Re-running the same command resumes: finished \
        stages (zoo runs, generator steps, the learned optimiser) are kept. --size demo finishes in about 7 minutes on a 2-core machine after the build; \
        --size full is the acceptance scale: 3 × 128 runs × 20 checkpoints (hours). `weightgen experiment report OUT/report` \
        re-renders the HTML from results.json.
        """,
        subcommands: [ExperimentRun.self, ExperimentReport.self], defaultSubcommand: ExperimentRun.self)
}

/// The sizes `weightgen experiment --size` names.
enum ExperimentSize: String, ExpressibleByArgument, CaseIterable {
    case demo, full

    var configuration: ExperimentConfiguration {
        switch self {
        case .demo: return .demo
        case .full: return .full
        }
    }
}

struct ExperimentRun: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Run the experiment and write its report.")

    @Option(help: "Output folder.") var out = "runs/experiment"
    @Option(help: "demo (minutes) or full (the acceptance scale: 3 × 128 runs × 20 checkpoints).") var size = ExperimentSize.demo
    @Option(help: "An nnU-Net raw dataset, or a folder of them (one per task); default: the built-in phantom.") var dataset: String?
    @Option(help: "Comma-separated tasks (default: cord,canal,lesion for the phantom; set it for your dataset).") var tasks: String?
    @Option(help: "Zoo runs per task (default: the size's).") var runs: Int?
    @Option(help: "Generator training steps (default: the size's).") var generatorSteps: Int?
    @Option(help: "Seeds per comparison (default: the size's).") var seeds: Int?
    @Option(help: "Cases per task held out for validation metrics (default: the size's).") var validationCases: Int?
    @Option(help: "Cases per task held out for test metrics (default: the size's).") var testCases: Int?
    @Option(help: "Seed of the zoo's case split, run hyperparameters and initialisations.") var zooSeed: UInt64 = 0
    @Flag(inversion: .prefixedNo, help: "Train one generator per task as well, for the multi-task comparison (default: the size's; full does, demo does not).")
    var perTaskGenerators: Bool?

    func run() throws {
        var configuration = size.configuration
        if let tasks { configuration.tasks = tasks.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        if let runs { configuration.runsPerTask = runs }
        if let generatorSteps { configuration.generatorSteps = generatorSteps }
        if let seeds { configuration.seeds = seeds }
        if let validationCases { configuration.validationCases = validationCases }
        if let testCases { configuration.testCases = testCases }
        configuration.zooSeed = zooSeed
        if let perTaskGenerators { configuration.perTaskGenerators = perTaskGenerators }
        let command = (["weightgen"] + CommandLine.arguments.dropFirst()).joined(separator: " ")
        let runner = ExperimentRunner(configuration: configuration, folder: URL(fileURLWithPath: out),
                                      dataset: dataset.map { URL(fileURLWithPath: $0) }, command: command,
                                      log: { log($0) }, detail: { log("  " + $0) })
        let start = Date()
        let results = try runner.run()
        for line in results.conclusions { print(line) }
        log("experiment done in \(formatDuration(Date().timeIntervalSince(start))); report: \(out)/report/index.html")
    }
}

struct ExperimentReport: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "report", abstract: "Re-render index.html from a report folder's results.json.")

    @Argument(help: "Report folder (OUT/report).") var folder: String

    func run() throws {
        try ReportWriter.rerender(folder: URL(fileURLWithPath: folder))
        log("rendered \(folder)/index.html")
    }
}
