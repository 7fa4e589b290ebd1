import ArgumentParser
import Formats
import Foundation
import NeuralNetwork
import Segmentation
import Zoo

extension CheckpointSchedule: ExpressibleByArgument {}
extension CheckpointContent: ExpressibleByArgument {}
extension RecordedMetricSource: ExpressibleByArgument {}

/// `weightgen zoo`: builds and inspects checkpoint zoos, the generator's training data.
struct ZooCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zoo",
        abstract: "Build, resume, shard, merge, import into and inspect checkpoint zoos.",
        subcommands: [ZooCreate.self, ZooResume.self, ZooStats.self, ZooVerify.self, ZooCompare.self, ZooMerge.self, ZooImport.self,
                      ZooExport.self, ZooPairs.self])
}

/// `weightgen zoo create`: trains many U-Nets and records their checkpoints.
struct ZooCreate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Train many U-Nets per task and record their checkpoints and metrics in a zoo.",
        discussion: """
        Hyperparameters are drawn per run from a declared distribution (optimiser SGD or Adam, log-uniform \
        learning rate and weight decay, batch size, augmentation strength, run length), stored with the zoo. \
        Re-running the same command, or `weightgen zoo resume ZOO`, continues an interrupted build: finished \
        runs are kept and interrupted ones retrained.
        """)

    @Option(help: "Folder of nnU-Net raw datasets, one per task (as `weightgen phantom` writes).") var dataset: String
    @Option(help: "Comma-separated tasks (cord,canal,lesion).") var tasks = "cord,canal,lesion"
    @Option(help: "Network size for every run (default tiny; not with --base).") var preset: UNetPreset?
    @Option(help: "Train only part of this network (an nnU-Net model folder or a weightgen checkpoint) in every run: the parameters matching --trainable, the rest frozen.")
    var base: String?
    @Option(help: "With --base: comma-separated name patterns of the parameters each run trains (nnU-Net state-dict names, e.g. decoder.stages.3.*,decoder.seg_layers.3.*).")
    var trainable: String?
    @Option(help: "With --base and a --trainable subset inside the last decoder stage and head: train on the head inputs of this many augmented patches per task, computed once.")
    var headInputPool: Int?
    @Option(help: "Training patch size: y,x for 2D networks, z,y,x for a 3D base (default 48,48, or the base's); 2D checkpoints are evaluated on whole images, 3D ones by sliding windows.")
    var patch: String?
    @Option(help: "Runs per task.") var runs: Int
    @Option(help: "Checkpoints per run, initialisation and final included.") var checkpointsPerRun = 20
    @Option(help: "When checkpoints are taken: random (G.pt), log or linear.") var schedule: CheckpointSchedule = .random
    @Option(help: "What each checkpoint keeps: parameters, or parameters-and-optimizer-state (the moments the run's next step reads; about 3 × the storage with Adam).")
    var checkpointContent: CheckpointContent = .parameters
    @Option(help: "Run lengths in iterations to draw from, comma-separated.") var iterations = "300,600,1200"
    @Option(help: "Batch sizes to draw from, comma-separated.") var batchSizes = "4,8"
    @Option(help: "Cases per task held out for validation metrics.") var validationCases = 16
    @Option(help: "Cases per task held out for test metrics (never used for selection).") var testCases = 32
    @Option(help: "Seed of the split and of every run's hyperparameters and initialisation.") var seed: UInt64 = 0
    @Option(help: "Build only shard i of n (e.g. 0/8); merge the shards with `weightgen zoo merge`.") var shard: String?
    @Option(help: "Runs trained at once (default: one per core).") var workers = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "Output zoo folder.") var out: String

    func validate() throws {
        if base == nil && (trainable != nil || headInputPool != nil) {
            throw ValidationError("--trainable and --head-input-pool need --base")
        }
        if base != nil && (trainable == nil || preset != nil) {
            throw ValidationError("--base needs --trainable (the parameters each run trains) and fixes the architecture (leave out --preset)")
        }
    }

    func run() throws {
        var distribution = HyperparameterDistribution.standard
        distribution.iterations = try integers(iterations, option: "--iterations")
        distribution.batchSizes = try integers(batchSizes, option: "--batch-sizes")
        let (network, basePatch) = try self.network()
        let patchSize = try patch.map { try parsePatch($0, dimensions: network.spatialRank) } ?? basePatch ?? [1, 48, 48]
        let plan = ZooPlan(datasetPath: URL(fileURLWithPath: dataset).standardizedFileURL.path,
                           tasks: tasks.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) },
                           network: network, patchSize: patchSize,
                           runsPerTask: runs, checkpointsPerRun: checkpointsPerRun, schedule: schedule,
                           distribution: distribution, seed: seed, validationCases: validationCases, testCases: testCases,
                           checkpointContent: checkpointContent)
        let zoo = try Zoo.create(at: URL(fileURLWithPath: out), plan: plan, shard: try shard.map { try Shard(parsing: $0) })
        try buildZoo(zoo, workers: workers)
    }

    /// What the runs train, and the base's patch size for a partial zoo.
    private func network() throws -> (ZooNetwork, basePatch: [Int]?) {
        guard let base, let trainable else { return (.preset(preset ?? .tiny, spatialRank: 2), nil) }
        let url = URL(fileURLWithPath: base)
        let partial = try PartialNetwork(base: url, subset: try ParameterSubset(parsing: trainable),
                                         runs: headInputPool.map { .onCachedHeadInputs(patches: $0) } ?? .throughFrozenNetwork)
        return (.partial(partial), try BaseNetwork.load(url).patchSize)
    }
}

/// `weightgen zoo resume`: continues an interrupted build with the zoo's own plan, after growing it with `--runs`.
struct ZooResume: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume", abstract: "Continue building a zoo where it stopped, or grow it to more runs per task.",
        discussion: """
        With --runs N the zoo first grows to N runs per task: the runs built so far are kept (a run depends on its \
        index alone), and the new ones are those a zoo created with N runs holds, so one zoo serves a scaling \
        study from its first runs to all of them (`generator train --runs`, `learned-optimizer train --runs`).
        """)

    @Argument(help: "Zoo folder.") var zoo: String
    @Option(help: "Grow the zoo to this many runs per task first (at least its planned runs).") var runs: Int?
    @Option(help: "Runs trained at once (default: one per core).") var workers = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "Build only these tasks' missing runs, comma-separated (default: every task's, in the plan's order).") var tasks: String?

    func run() throws {
        let folder = URL(fileURLWithPath: zoo)
        try buildZoo(try runs.map { try Zoo.grow(folder, toRunsPerTask: $0) } ?? Zoo.open(folder), workers: workers,
                     tasks: tasks.map { Set($0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }) })
    }
}

/// Builds the missing runs of `zoo` (of `tasks` alone when given), printing a line per run and a summary.
func buildZoo(_ zoo: Zoo, workers: Int, tasks: Set<String>? = nil) throws {
    let plan = zoo.plan
    log("zoo \(zoo.folder.path): \(plan.tasks.joined(separator: ",")) × \(plan.runsPerTask) runs × \(plan.checkpointsPerRun) checkpoints, "
        + "\(plan.architectureName)\(plan.partial.map { " (trains \($0.subset))" } ?? "")\(zoo.shard.map { ", shard \($0)" } ?? ""), \(workers) workers")
    let summary = try ZooBuilder(zoo: zoo, workers: workers).build(tasks: tasks) { p in
        let dice = p.finalTestDice.map { String(format: "test Dice %.3f", $0) } ?? "no checkpoint"
        let empty = p.finalEmptyPredictions?.problem.map { " — warning: \($0) (kept in the zoo with its measured Dice)" } ?? ""
        log(String(format: "runs %d/%d (%d failed)  %.1f checkpoints/s  ETA %@  · %@ run %d: %@%@%@", p.runsRecorded, p.runsPlanned,
                   p.runsFailed, p.checkpointsPerSecond, formatDuration(p.secondsRemaining), p.task, p.runIndex, dice,
                   p.failure.map { " — failed: \($0)" } ?? "", empty))
    }
    log(String(format: "trained %d runs (%d failed), saved %d checkpoints in %@ (%.1f runs/min)", summary.runsTrained,
               summary.runsFailed, summary.checkpointsSaved, formatDuration(summary.seconds),
               Double(summary.runsTrained) / max(summary.seconds, 1e-9) * 60))
}

/// `weightgen zoo stats`: runs, checkpoints, metric distributions, best checkpoints, storage.
struct ZooStats: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stats", abstract: "Summarise a zoo.")

    @Argument(help: "Zoo folder.") var zoo: String
    @Flag(help: "Print the statistics as JSON on stdout.") var json = false

    func run() throws {
        let statistics = try Zoo.open(URL(fileURLWithPath: zoo)).statistics()
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(statistics), as: UTF8.self))
            return
        }
        func line(_ summary: MetricDistribution?) -> String {
            guard let s = summary else { return "n/a" }
            return String(format: "min %.3f  p10 %.3f  median %.3f  p90 %.3f  max %.3f  (n=%d)", s.minimum, s.p10, s.median, s.p90, s.maximum, s.count)
        }
        for task in statistics.tasks {
            print("\(task.task): runs \(task.runsDone)/\(task.runsPlanned) done, \(task.runsFailed) failed, \(task.runsImported) imported, \(task.runsRecorded) recorded by nnU-Net; "
                + "\(task.checkpoints) checkpoints")
            print("  test Dice at init   \(line(task.initialTestDice))")
            print("  test Dice at final  \(line(task.finalTestDice))")
            print("  test Dice, all      \(line(task.testDice))")
            if let best = task.best {
                print(String(format: "  best by validation Dice: run %d iteration %d  validation %.4f  test %.4f", best.runIndex,
                             best.iteration, best.validationDice, best.testDice))
            }
        }
        let kept = switch statistics.checkpointContent {
        case .parameters: "parameters"
        case .parametersAndOptimizerState: "parameters and optimiser state"
        }
        print(String(format: "%d checkpoints of %d parameters (%@ kept); run files %.1f MB (%.4f × raw float32), index %.1f MB; %@ of training",
                     statistics.checkpoints, statistics.parametersPerCheckpoint, kept, Double(statistics.runFileBytes) / 1e6,
                     statistics.storageRatio, Double(statistics.databaseBytes) / 1e6, formatDuration(statistics.trainingSeconds)))
    }
}

/// `weightgen zoo verify`: checks every checkpoint against the index.
struct ZooVerify: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "verify",
                                                    abstract: "Check a zoo: SQLite integrity, every checkpoint's file and CRC-32, counts against the plan.")

    @Argument(help: "Zoo folder.") var zoo: String
    @Flag(help: "Also fail when planned runs are not yet built (a finished build, or a merge of all its shards).") var complete = false

    func run() throws {
        let report = try Zoo.open(URL(fileURLWithPath: zoo)).verify()
        print("integrity_check: \(report.sqliteIntegrity); \(report.runsChecked) runs, \(report.checkpointsChecked) checkpoints checked; "
            + "\(report.runsMissing) planned runs not yet built")
        for problem in report.problems { print("problem: \(problem)") }
        if !report.isSound || (complete && report.runsMissing > 0) { throw ExitCode.failure }
    }
}

/// `weightgen zoo compare`: checkpoint by checkpoint, whether two zoos hold the same networks.
struct ZooCompare: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare two zoos checkpoint by checkpoint (task, run, iteration and CRC-32); exit 1 unless identical.")

    @Argument(help: "First zoo folder.") var first: String
    @Argument(help: "Second zoo folder.") var second: String

    func run() throws {
        let comparison = try Zoo.open(URL(fileURLWithPath: first)).compare(with: try Zoo.open(URL(fileURLWithPath: second)))
        func show(_ label: String, _ checkpoints: [CheckpointChecksum]) {
            for c in checkpoints.prefix(20) { print("\(label): \(c.task) run \(c.runIndex) iteration \(c.iteration)") }
            if checkpoints.count > 20 { print("\(label): ... \(checkpoints.count - 20) more") }
        }
        show("differs", comparison.differing)
        show("only in \(first)", comparison.onlyInFirst)
        show("only in \(second)", comparison.onlyInSecond)
        print("\(comparison.runs) runs: \(comparison.matching) checkpoints identical, \(comparison.differing.count) differ, "
            + "\(comparison.onlyInFirst.count) only in the first zoo, \(comparison.onlyInSecond.count) only in the second")
        if !comparison.isIdentical { throw ExitCode.failure }
    }
}

/// `weightgen zoo merge`: combines shards into one zoo.
struct ZooMerge: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "merge", abstract: "Merge zoo shards of one plan into one zoo.")

    @Argument(help: "Shard folders.") var shards: [String]
    @Option(help: "Merged zoo folder (created, or completed when it exists).") var out: String

    func run() throws {
        let opened = try shards.map { try Zoo.open(URL(fileURLWithPath: $0)) }
        let merged = try Zoo.merged(at: URL(fileURLWithPath: out), shards: opened)
        for shard in opened {
            let copied = try merged.merge(from: shard)
            log("\(shard.folder.lastPathComponent): \(copied) runs copied")
        }
        let report = try merged.verify()
        log("merged zoo: \(report.runsChecked) runs, \(report.checkpointsChecked) checkpoints; \(report.runsMissing) planned runs missing")
    }
}

/// `weightgen zoo import`: adds outside models, or runs recorded by nnU-Net's own trainer, to a zoo.
struct ZooImport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import a weightgen checkpoint, an nnU-Net model folder or .pth checkpoint, or runs recorded by nnU-Net, into a zoo.",
        discussion: """
        --nnunet-run takes the fold folder of an `nnUNetv2_train ... -tr nnUNetTrainerZoo` training (or its weightgen_zoo \
        folder) and imports every checkpoint it recorded as one run; repeat it for several runs. All of them are checked \
        (files, architecture, unseen test cases) before any is written. Test metrics are always measured on the zoo's \
        test cases.
        """)

    @Argument(help: "Zoo folder.") var zoo: String
    @Option(help: "Model to import as a one-checkpoint run (repeatable): a weightgen checkpoint, an nnU-Net model folder or .pth. A partial zoo takes models made on its base.")
    var model: [String] = []
    @Option(help: "Recorded nnU-Net run to import with all its checkpoints (repeatable).") var nnunetRun: [String] = []
    @Option(help: "Task the model segments.") var task: String
    @Option(help: "Fold of the nnU-Net model folders to import, each as its own run (repeatable; default 0).") var fold: [Int] = []
    @Option(help: "Known metrics of a single --model, e.g. validation_dice=0.91,test_dice=0.9; the rest are measured on the zoo's cases.")
    var metrics: String?
    @Option(help: "Selection metrics of --nnunet-run: measured (on the zoo's cases) or recorded (nnU-Net's training loss and pseudo-Dice).")
    var runMetrics: RecordedMetricSource = .measured

    func validate() throws {
        guard model.isEmpty != nnunetRun.isEmpty else { throw ValidationError("give either --model or --nnunet-run") }
        if metrics != nil && model.isEmpty { throw ValidationError("--metrics applies to --model; --nnunet-run takes --run-metrics") }
        if metrics != nil && model.count > 1 { throw ValidationError("--metrics states one model's metrics; give a single --model") }
        if !fold.isEmpty && model.isEmpty { throw ValidationError("--fold applies to --model") }
    }

    func run() throws {
        let opened = try Zoo.open(URL(fileURLWithPath: zoo))
        guard !model.isEmpty else {
            let runs = try nnunetRun.map { try NNUNetRecordedRun(URL(fileURLWithPath: $0)) }
            let imported = try opened.importRecordedRuns(runs, task: task, metrics: runMetrics, progress: log)
            for (run, record) in zip(runs, imported) {
                let last = try opened.checkpoints(run: record.id!).last!
                log(String(format: "imported %@ as %@ run %d: %d checkpoints%@, final validation Dice %.4f, test Dice %.4f",
                           run.folder.path, task, record.runIndex, run.manifest.checkpoints.count,
                           run.manifest.complete ? "" : " (training stopped before its last scheduled epoch)",
                           last.validationDice, last.testDice))
            }
            return
        }
        var given: [String: Double] = [:]
        for pair in (metrics ?? "").split(separator: ",") {
            let parts = pair.split(separator: "=")
            guard parts.count == 2, let value = Double(parts[1]) else { throw ValidationError("--metrics expects name=value pairs, got \(pair)") }
            given[String(parts[0])] = value
        }
        // Every model is read and checked against the zoo before the first is written.
        let models = try model.flatMap { path -> [(model: ImportedModel, fold: Int?)] in
            let url = URL(fileURLWithPath: path)
            guard NNUNetModelFolder.isModelFolder(url) else {
                guard fold.isEmpty else { throw ValidationError("--fold applies to nnU-Net model folders; \(path) is not one (no plans.json)") }
                return [(try ImportedModel(url, zoo: opened), nil)]
            }
            return try (fold.isEmpty ? [0] : fold).map { (try ImportedModel(url, fold: $0, zoo: opened), $0) }
        }
        for (model, _) in models { _ = try opened.checkedImport(model) }
        for (model, fold) in models {
            let run = try opened.importModel(model, task: task, given: given)
            let checkpoint = try opened.checkpoints(run: run.id!)[0]
            log(String(format: "imported %@%@ as %@ run %d (%@): validation Dice %.4f, test Dice %.4f", model.url.path,
                       fold.map { " fold \($0)" } ?? "", task, run.runIndex, model.name, checkpoint.validationDice, checkpoint.testDice))
        }
    }
}

/// `weightgen zoo pairs`: streams every training pair, reporting throughput and peak memory.
struct ZooPairs: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pairs", abstract: "Stream all training pairs of a zoo (as the generator reads them) and report count, speed and peak memory.")

    @Argument(help: "Zoo folder.") var zoo: String
    @Option(help: "Only these tasks, comma-separated.") var tasks: String?
    @Flag(help: "Include failed runs.") var includeFailed = false

    func run() throws {
        let opened = try Zoo.open(URL(fileURLWithPath: zoo))
        let start = Date()
        var count = 0, checksum = 0.0
        var iterator = TrainingPairs(zoo: opened, tasks: tasks?.split(separator: ",").map(String.init), includeFailed: includeFailed)
            .makeIterator()
        while let pair = iterator.next() {
            count += 1
            checksum += Double(pair.a.parameters[0]) + pair.b.metrics.testDice
        }
        if let error = iterator.error { throw error }
        let seconds = Date().timeIntervalSince(start)
        print(String(format: "%d pairs in %.1f s (%.0f pairs/s); peak RSS %.1f MB; checksum %.6g", count, seconds,
                     Double(count) / max(seconds, 1e-9), Double(peakResidentBytes()) / 1e6, checksum))
    }
}

/// "150,200" → [150, 200].
func integers(_ text: String, option: String) throws -> [Int] {
    let values = text.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
    guard !values.isEmpty, values.allSatisfy({ $0 > 0 }) else { throw ValidationError("\(option) expects positive integers, got \(text)") }
    return values
}

/// "1h02m", "4m10s", "12s".
func formatDuration(_ seconds: Double) -> String {
    guard seconds.isFinite else { return "?" }
    let total = Int(seconds.rounded())
    if total >= 3600 { return String(format: "%dh%02dm", total / 3600, total % 3600 / 60) }
    if total >= 60 { return String(format: "%dm%02ds", total / 60, total % 60) }
    return "\(total)s"
}

/// The process's peak resident set size in bytes.
func peakResidentBytes() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return usage.ru_maxrss * 1024
}
