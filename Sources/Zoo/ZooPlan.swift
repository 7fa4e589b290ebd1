import Foundation
import Segmentation
import TensorEngine

/// What a zoo's runs train: whole networks of a preset from fresh initialisations, or a
/// parameter subset of a base network with the rest frozen.
public enum ZooNetwork: Sendable, Equatable {
    /// Whole U-Nets of `preset`, 2D (slices) or 3D (patches).
    case preset(UNetPreset, spatialRank: Int)
    case partial(PartialNetwork)

    /// 2 (slices) or 3 (patches).
    public var spatialRank: Int {
        switch self {
        case let .preset(_, spatialRank): return spatialRank
        case let .partial(partial): return partial.architecture.spatialRank
        }
    }
}

/// Everything that decides what a zoo contains: the data, tasks, architecture, how many runs
/// and checkpoints, and the distribution of their hyperparameters. Stored in the zoo, so
/// `zoo resume` and shards rebuild exactly the same runs.
public struct ZooPlan: Codable, Sendable, Equatable {
    /// Folder of nnU-Net raw datasets, one per task (as `weightgen phantom` writes).
    public var datasetPath: String
    public var tasks: [String]
    public var network: ZooNetwork
    /// Patch extent (z, y, x); z = 1 for 2D.
    public var patchSize: [Int]
    public var runsPerTask: Int
    public var checkpointsPerRun: Int
    public var schedule: CheckpointSchedule
    public var distribution: HyperparameterDistribution
    /// Seed of the split, of every run's hyperparameters and initialisation.
    public var seed: UInt64
    /// Cases per task held out for validation metrics.
    public var validationCases: Int
    /// Cases per task held out for test metrics, never used for any selection.
    public var testCases: Int
    /// Training cases on which each checkpoint's training loss is measured.
    public var trainingLossCases: Int
    /// What each checkpoint keeps.
    public var checkpointContent: CheckpointContent

    public init(datasetPath: String, tasks: [String], network: ZooNetwork = .preset(.tiny, spatialRank: 2),
                patchSize: [Int] = [1, 48, 48], runsPerTask: Int, checkpointsPerRun: Int,
                schedule: CheckpointSchedule = .random, distribution: HyperparameterDistribution = .standard,
                seed: UInt64 = 0, validationCases: Int = 16, testCases: Int = 32, trainingLossCases: Int = 16,
                checkpointContent: CheckpointContent = .parameters) {
        self.datasetPath = datasetPath
        self.tasks = tasks
        self.network = network
        self.patchSize = patchSize
        self.runsPerTask = runsPerTask
        self.checkpointsPerRun = checkpointsPerRun
        self.schedule = schedule
        self.distribution = distribution
        self.seed = seed
        self.validationCases = validationCases
        self.testCases = testCases
        self.trainingLossCases = trainingLossCases
        self.checkpointContent = checkpointContent
    }

    /// 2 (slices) or 3 (patches).
    public var spatialRank: Int { network.spatialRank }

    /// The partial network, for a partial zoo.
    public var partial: PartialNetwork? {
        if case let .partial(partial) = network { return partial }
        return nil
    }

    /// The name of the plan's architecture in the index, e.g. `tiny-2d`, or the base's folder name for a partial zoo.
    public var architectureName: String {
        switch network {
        case let .preset(preset, spatialRank): return UNetPreset.architectureName(preset, spatialRank: spatialRank)
        case let .partial(partial): return "partial-" + URL(fileURLWithPath: partial.base).lastPathComponent
        }
    }

    /// The architecture of the plan's networks for data with `channels` input channels and `classes` classes.
    public func architecture(channels: Int, classes: Int) throws -> PlainConvUNetConfiguration {
        switch network {
        case let .preset(preset, spatialRank):
            return preset.configuration(spatialRank: spatialRank, inputChannels: channels, numClasses: classes)
        case let .partial(partial):
            let a = partial.architecture
            guard a.inputChannels == channels, a.numClasses == classes else {
                throw ZooError.invalidPlan("the base \(partial.base) takes \(a.inputChannels) channel(s) and \(a.numClasses) classes; "
                                           + "the data has \(channels) and \(classes)")
            }
            return a
        }
    }

    // The stored form keeps the keys of whole-network plans ("preset", "spatialRank"), so
    // zoos built before partial zoos existed open unchanged.
    enum CodingKeys: String, CodingKey {
        case datasetPath, tasks, preset, spatialRank, partial, patchSize, runsPerTask, checkpointsPerRun, schedule,
             distribution, seed, validationCases, testCases, trainingLossCases, checkpointContent
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        datasetPath = try c.decode(String.self, forKey: .datasetPath)
        tasks = try c.decode([String].self, forKey: .tasks)
        if let partial = try c.decodeIfPresent(PartialNetwork.self, forKey: .partial) {
            network = .partial(partial)
        } else {
            network = .preset(try c.decode(UNetPreset.self, forKey: .preset), spatialRank: try c.decode(Int.self, forKey: .spatialRank))
        }
        patchSize = try c.decode([Int].self, forKey: .patchSize)
        runsPerTask = try c.decode(Int.self, forKey: .runsPerTask)
        checkpointsPerRun = try c.decode(Int.self, forKey: .checkpointsPerRun)
        schedule = try c.decode(CheckpointSchedule.self, forKey: .schedule)
        distribution = try c.decode(HyperparameterDistribution.self, forKey: .distribution)
        seed = try c.decode(UInt64.self, forKey: .seed)
        validationCases = try c.decode(Int.self, forKey: .validationCases)
        testCases = try c.decode(Int.self, forKey: .testCases)
        trainingLossCases = try c.decode(Int.self, forKey: .trainingLossCases)
        checkpointContent = try c.decodeIfPresent(CheckpointContent.self, forKey: .checkpointContent) ?? .parameters
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(datasetPath, forKey: .datasetPath)
        try c.encode(tasks, forKey: .tasks)
        switch network {
        case let .preset(preset, spatialRank):
            try c.encode(preset, forKey: .preset)
            try c.encode(spatialRank, forKey: .spatialRank)
        case let .partial(partial):
            try c.encode(partial, forKey: .partial)
        }
        try c.encode(patchSize, forKey: .patchSize)
        try c.encode(runsPerTask, forKey: .runsPerTask)
        try c.encode(checkpointsPerRun, forKey: .checkpointsPerRun)
        try c.encode(schedule, forKey: .schedule)
        try c.encode(distribution, forKey: .distribution)
        try c.encode(seed, forKey: .seed)
        try c.encode(validationCases, forKey: .validationCases)
        try c.encode(testCases, forKey: .testCases)
        try c.encode(trainingLossCases, forKey: .trainingLossCases)
        // Written only where it differs from the default, so the stored text of older plans is unchanged.
        if checkpointContent != .parameters { try c.encode(checkpointContent, forKey: .checkpointContent) }
    }

    /// The plan as the zoo's index stores it (keys sorted, so equal plans are equal text).
    func storedText() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// Checks counts and ranges before any work starts.
    public func validate() throws {
        guard !tasks.isEmpty, Set(tasks).count == tasks.count else {
            throw ZooError.invalidPlan("tasks must be a non-empty list without repeats, got \(tasks)")
        }
        guard runsPerTask > 0, checkpointsPerRun >= 2 else {
            throw ZooError.invalidPlan("need at least one run per task and two checkpoints per run (initialisation and final)")
        }
        guard spatialRank == 2 || spatialRank == 3, patchSize.count == 3, patchSize.allSatisfy({ $0 > 0 }),
              spatialRank == 3 || patchSize[0] == 1 else {
            throw ZooError.invalidPlan("patch size \(patchSize) does not fit a \(spatialRank)D network")
        }
        guard validationCases > 0, testCases > 0, trainingLossCases > 0 else {
            throw ZooError.invalidPlan("validation, test and training-loss case counts must be positive")
        }
        try distribution.validate()
    }

    /// Every run the plan asks for, in a fixed order (task by task).
    public var runs: [RunSpecification] {
        tasks.enumerated().flatMap { taskIndex, task in
            (0..<runsPerTask).map { index in specification(task: task, taskIndex: taskIndex, index: index) }
        }
    }

    /// The runs of shard `shard` (all runs when nil): every `count`-th run of `runs`.
    public func runs(in shard: Shard?) -> [RunSpecification] {
        guard let shard else { return runs }
        return runs.enumerated().filter { $0.offset % shard.count == shard.index }.map(\.element)
    }

    /// Run `index` of `task`: its seed and hyperparameters depend only on the plan's seed,
    /// the task's position and the index, never on which shard or worker trains it.
    private func specification(task: String, taskIndex: Int, index: Int) -> RunSpecification {
        let runSeed = mix(seed, UInt64(taskIndex), UInt64(index))
        var rng = SeededGenerator(seed: runSeed)
        let hyperparameters = distribution.sample(&rng)
        var scheduleRNG = rng.split()
        let iterations = schedule.iterations(total: hyperparameters.iterations, count: checkpointsPerRun, rng: &scheduleRNG)
        return RunSpecification(task: task, index: index, seed: runSeed, hyperparameters: hyperparameters,
                                checkpointIterations: iterations)
    }

    /// The cases of a task split into training, validation and test by the plan's seed.
    func split(_ identifiers: [String]) throws -> CaseSplit {
        guard identifiers.count >= validationCases + testCases + 1 else {
            throw ZooError.invalidPlan("\(identifiers.count) cases cannot hold \(testCases) test and \(validationCases) "
                + "validation cases plus training cases; pass smaller --test-cases/--validation-cases or more data")
        }
        var rng = SeededGenerator(seed: mix(seed, 0x5B117, 0))
        var shuffled = identifiers.sorted()
        for i in stride(from: shuffled.count - 1, to: 0, by: -1) { shuffled.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
        return CaseSplit(test: Array(shuffled.prefix(testCases)).sorted(),
                         validation: Array(shuffled.dropFirst(testCases).prefix(validationCases)).sorted(),
                         training: Array(shuffled.dropFirst(testCases + validationCases)).sorted())
    }
}

extension UNetPreset {
    /// `tiny-2d`, `small-3d`, …: how a zoo names a preset's architecture.
    static func architectureName(_ preset: UNetPreset, spatialRank: Int) -> String { "\(preset.rawValue)-\(spatialRank)d" }
}

/// One planned training run.
public struct RunSpecification: Sendable, Equatable {
    public let task: String
    /// Position among the task's runs.
    public let index: Int
    /// Seed of the initialisation and the data stream.
    public let seed: UInt64
    public let hyperparameters: RunHyperparameters
    /// Iterations whose parameters are saved, ascending, from 0 to the last.
    public let checkpointIterations: [Int]
}

/// Which cases a task trains on, validates on and tests on.
public struct CaseSplit: Sendable, Equatable {
    public let test: [String]
    public let validation: [String]
    public let training: [String]
}

/// Shard `index` of `count`: independent parts of one plan, built separately and merged.
public struct Shard: Codable, Sendable, Equatable, CustomStringConvertible {
    public let index: Int
    public let count: Int

    /// Parses "i/n" with 0 ≤ i < n.
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2, let index = parts[0], let count = parts[1], count > 0, (0..<count).contains(index) else {
            throw ZooError.invalidPlan("shard must be i/n with 0 ≤ i < n, got \(text)")
        }
        self.index = index
        self.count = count
    }

    public var description: String { "\(index)/\(count)" }
}

/// SplitMix64 of three words: independent, well-spread seeds per (plan, task, run).
func mix(_ a: UInt64, _ b: UInt64, _ c: UInt64) -> UInt64 {
    var z = a &+ 0x9E37_79B9_7F4A_7C15 &* (b &+ 1) &+ 0xBF58_476D_1CE4_E5B9 &* (c &+ 1)
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
}
