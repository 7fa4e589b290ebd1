import ArgumentParser
import Benchmarks
import Foundation
import Generator
import TensorEngine

/// `weightgen bench`: performance measurements side by side with PyTorch.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmarks, side by side with PyTorch in the same run.",
        subcommands: [EngineCommand.self, TrainCommand.self, GeneratorBenchCommand.self, ZooBenchCommand.self,
                      LearnedOptimizerBenchCommand.self])

    /// Options every bench subcommand shares.
    struct Options: ParsableArguments {
        @Option(help: "Python interpreter with torch for the comparison (default: python3 on PATH).")
        var python: String?
        @Flag(help: "Skip the PyTorch comparison.") var noPytorch = false
        @Flag(help: "Print the report as JSON on stdout.") var json = false
        @Option(help: "Threads for both sides (default: WEIGHTGEN_THREADS or all cores).") var threads: Int?
        @Option(help: "Timed repetitions per case (the median is reported).") var repeats = 10
        @Option(help: "Untimed warm-up repetitions per case.") var warmup = 3
        @Option(help: "Run only the cases whose name contains this text.") var filter: String?

        func apply() {
            if let threads { Engine.threadCount = threads }
        }

        /// Runs a benchmark with progress lines on standard error and prints its report.
        func run(_ benchmark: ((String) -> Void) throws -> BenchmarkReport) throws {
            apply()
            let report = try benchmark { message in FileHandle.standardError.write(Data("bench: \(message)\n".utf8)) }
            print(json ? try report.json() : report.table())
        }
    }

    struct EngineCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "engine",
            abstract: "Convolution, transformer block, message passing, symmetric eigendecomposition and PlainConvUNet "
                + "training step against PyTorch CPU.")
        @OptionGroup var options: Options

        func run() throws {
            try options.run { progress in
                try EngineBenchmark(repeats: options.repeats, warmup: options.warmup,
                                    peer: options.noPytorch ? nil : PyTorchPeer(python: options.python),
                                    filter: options.filter).run(progress: progress)
            }
        }
    }

    struct TrainCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "train",
            abstract: "weightgen's trainer against nnU-Net v2's own trainer (needs nnunetv2 for the comparison).")
        @OptionGroup var options: Options

        func run() throws {
            try options.run { progress in
                try TrainBenchmark(iterations: max(options.repeats, 5), warmup: options.warmup,
                                   peer: options.noPytorch ? nil : PyTorchPeer(python: options.python)).run(progress: progress)
            }
        }
    }

    struct GeneratorBenchCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "generator",
            abstract: "A generator training step and one network's sampling against the same model in PyTorch.")
        @OptionGroup var options: Options
        @Option(help: "Generator preset: start-hidden, gpt or small.") var config = GeneratorPreset.startHidden

        func run() throws {
            let generator = config.configuration
            try options.run { progress in
                try GeneratorBenchmark(repeats: max(options.repeats / 2, 3), warmup: min(options.warmup, 2),
                                       peer: options.noPytorch ? nil : PyTorchPeer(python: options.python),
                                       configuration: generator).run(progress: progress)
            }
        }
    }

    struct ZooBenchCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "zoo",
            abstract: "One head-zoo run (a frozen U-Net's last decoder stage and head, on cached inputs) against the same run in PyTorch.")
        @OptionGroup var options: Options

        func run() throws {
            try options.run { progress in
                try HeadRunBenchmark(repeats: max(options.repeats / 2, 3), warmup: min(options.warmup, 1),
                                     peer: options.noPytorch ? nil : PyTorchPeer(python: options.python)).run(progress: progress)
            }
        }
    }

    struct LearnedOptimizerBenchCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "learned-optimizer",
            abstract: "Calls of a saved learned optimiser, as a generation makes them, against the same calls in PyTorch.")
        @OptionGroup var options: Options
        @Option(help: "The learned optimiser folder (`weightgen learned-optimizer train --out`).") var optimizer: String
        @Option(help: "Its zoo (default: the path its description records).") var zoo: String?

        func run() throws {
            try options.run { progress in
                try LearnedOptimizerBenchmark(optimizer: URL(fileURLWithPath: optimizer), zoo: zoo.map { URL(fileURLWithPath: $0) },
                                              calls: options.repeats, warmup: options.warmup,
                                              peer: options.noPytorch ? nil : PyTorchPeer(python: options.python)).run(progress: progress)
            }
        }
    }
}
