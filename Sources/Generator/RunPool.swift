import Foundation
import TensorEngine
import Zoo

/// The zoo runs a generator trains on, held in memory as flat parameter vectors with their
/// prompt metric: G.pt samples a run, then a start checkpoint and a later target checkpoint.
struct RunPool {
    struct Run {
        let task: Int
        let runIndex: Int
        let parameters: [[Float]]
        let metrics: [Float]
        /// Start-gradient features per checkpoint (empty unless the generator reads them; none for the last).
        var gradients: [[Float]]
        /// The recorded run this one is, or whose path it is: its index among all the pool's
        /// recorded runs, tasks in order (the row of a run embedding).
        var trajectory = 0
    }

    let runs: [Run]

    /// Loads `selected[i]`, runs of `tasks[i]` (as `trainingRuns` or `recordedRuns` give them),
    /// skipping runs with fewer than two checkpoints.
    /// With `alignment`, each run is permuted into the channel order of its task's reference
    /// run (the one with the best final validation Dice), all its checkpoints alike.
    /// With `paths`, each run also gets a path run (`pathRun`) whose networks `measure` scores.
    init(zoo: Zoo, tasks: [String], selected: [[RunRecord]], metric: PromptMetric,
         startGradient: StartGradient? = nil, alignment: UNetPermutation? = nil,
         paths: (count: Int, measure: (_ parameters: [Float], _ task: Int) throws -> Float)? = nil) throws {
        // Start-gradient features of every checkpoint but the last (never a start).
        func gradients(_ checkpoints: [[Float]], task: Int) throws -> [[Float]] {
            try startGradient.map { feature in try checkpoints.dropLast().map { try feature.features($0, task: task) } } ?? []
        }
        var recorded: [Run] = []
        for taskIndex in tasks.indices {
            let loaded = try selected[taskIndex].map { ($0, try zoo.parameters(of: $0)) }.filter { $0.1.count >= 2 }
            let reference = loaded.max { $0.1.last!.record.validationDice < $1.1.last!.record.validationDice }?.1.last!.values
            for (run, checkpoints) in loaded {
                var parameters = checkpoints.map(\.values)
                if let alignment, let reference {
                    let permutations = alignment.alignment(of: parameters.last!, to: reference)
                    parameters = parameters.map { alignment.apply(permutations, to: $0) }
                }
                recorded.append(Run(task: taskIndex, runIndex: run.runIndex, parameters: parameters,
                                    metrics: checkpoints.map { Float(metric.value(of: $0.record)) },
                                    gradients: try gradients(parameters, task: taskIndex), trajectory: recorded.count))
            }
        }
        var runs: [Run] = []
        if let paths, paths.count > 0 {
            // Scoring the path networks is most of a pool's making: the runs' paths side by side.
            let pathRuns = try parallelMap(recorded.count) { index in
                let run = recorded[index]
                var path = try Self.pathRun(run, count: paths.count, measure: { try paths.measure($0, run.task) })
                path.gradients = try gradients(path.parameters, task: run.task)
                return path
            }
            for (run, path) in zip(recorded, pathRuns) { runs += [run, path] }
        } else {
            runs = recorded
        }
        guard !runs.isEmpty else { throw GeneratorError.incompatible("the zoo at \(zoo.folder.path) has no finished runs for \(tasks)") }
        self.init(runs: runs)
    }

    /// The finished runs of `task` in the plan's architecture a generator learns from:
    /// `runsPerTask` of them (all when nil) chosen by `selection`, none of `excluded`.
    static func trainingRuns(zoo: Zoo, task: String, runsPerTask: Int?, selection: RunSelection, metric: PromptMetric,
                             excluding excluded: Set<Int>) throws -> [RunRecord] {
        let architecture = try zoo.planArchitectureID()
        var candidates = try zoo.runs(task: task, status: .done)
            .filter { $0.architectureId == architecture && $0.source.hasTrajectory && !excluded.contains($0.runIndex) }
        if selection == .bestValidation {
            // Final validation metric, best first; a run without checkpoints sorts last.
            let finals = try candidates.map { run -> Double in
                guard let last = try zoo.checkpoints(run: run.id!).last else { return -.infinity }
                return metric == .validationDice ? last.validationDice : -last.validationLoss
            }
            candidates = zip(candidates, finals).sorted { $0.1 > $1.1 }.map(\.0)
        }
        return Array(candidates.prefix(runsPerTask ?? candidates.count))
    }

    /// The finished runs of `task` with the zoo indices `indices`, in that order: the runs a
    /// generator recorded when it started learning, whatever the zoo has grown to since.
    static func recordedRuns(zoo: Zoo, task: String, indices: [Int]) throws -> [RunRecord] {
        let done = Dictionary(try zoo.runs(task: task, status: .done).filter(\.source.hasTrajectory).map { ($0.runIndex, $0) },
                              uniquingKeysWith: { first, _ in first })
        return try indices.map { index in
            guard let run = done[index] else {
                throw GeneratorError.incompatible("the zoo at \(zoo.folder.path) has no finished run \(index) of \(task), which the generator learned from")
            }
            return run
        }
    }

    /// Per task, the zoo indices of the recorded runs this pool holds, in pool order.
    func recordedRunIndices(tasks: [String]) -> [String: [Int]] {
        var indices: [String: [Int]] = Dictionary(uniqueKeysWithValues: tasks.map { ($0, []) })
        var seen = Set<Int>()
        for run in runs where seen.insert(run.trajectory).inserted { indices[tasks[run.task], default: []].append(run.runIndex) }
        return indices
    }

    /// The straight path from a run's initialisation to its final checkpoint as a run of its
    /// own: the two ends and `count` evenly spaced networks between, each scored by `measure`.
    /// A zoo holds few networks between fresh and trained (its runs cross that range in a
    /// checkpoint or two), while this line passes through every metric value between, so a
    /// generator learns prompts across the whole range from networks that really score them.
    static func pathRun(_ run: Run, count: Int, measure: ([Float]) throws -> Float) throws -> Run {
        let first = run.parameters[0], last = run.parameters[run.parameters.count - 1]
        var parameters = [first], metrics = [run.metrics[0]]
        for step in 1...count {
            let fraction = Float(step) / Float(count + 1)
            let between = zip(first, last).map { $0 + fraction * ($1 - $0) }
            parameters.append(between)
            metrics.append(try measure(between))
        }
        return Run(task: run.task, runIndex: run.runIndex, parameters: parameters + [last],
                   metrics: metrics + [run.metrics[run.metrics.count - 1]], gradients: [], trajectory: run.trajectory)
    }

    /// A pool of runs already in memory.
    init(runs: [Run]) {
        self.runs = runs
        uniformTargets = Self.targetTables(runs, balanced: false)
        balancedTargets = Self.targetTables(runs, balanced: true)
    }

    /// A start checkpoint and a strictly later target checkpoint, drawn as `sampling` says.
    func samplePair(_ rng: inout SeededGenerator, sampling: TargetSampling = .pairs) -> (run: Run, start: Int, target: Int) {
        guard sampling != .pairs else {
            let run = runs[Int(rng.next() % UInt64(runs.count))]
            let count = run.parameters.count
            let gap = 1 + Int(rng.next() % UInt64(count - 1))
            let start = Int(rng.next() % UInt64(count - gap))
            return (run, start, start + gap)
        }
        let tables = sampling == .balanced ? balancedTargets : uniformTargets
        let table = tables[Int(rng.next() % UInt64(tables.count))]
        let u = rng.nextUnitFloat() * table.cumulativeWeights.last!
        var low = 0, high = table.cumulativeWeights.count - 1
        while low < high {
            let middle = (low + high) / 2
            if table.cumulativeWeights[middle] > u { high = middle } else { low = middle + 1 }
        }
        let (runPosition, target) = table.targets[low]
        return (runs[runPosition], Int(rng.next() % UInt64(target)), target)
    }

    /// One row per recorded run in trajectory order: its task, zoo index, the fingerprint of
    /// its initialisation and the best metric on its path (recorded and path networks).
    func learnedRuns(higherIsBetter: Bool) -> [LearnedRun] {
        Dictionary(grouping: runs, by: \.trajectory).sorted { $0.key < $1.key }.map { _, group in
            let metrics = group.flatMap(\.metrics).filter(\.isFinite).map(Double.init)
            return LearnedRun(task: group[0].task, runIndex: group[0].runIndex,
                              initialisationFingerprint: InitialisationFingerprint.of(group[0].parameters[0]),
                              bestMetric: (higherIsBetter ? metrics.max() : metrics.min()) ?? 0)
        }
    }

    /// Every checkpoint vector (for normalisation statistics).
    var allParameters: [[Float]] { runs.flatMap(\.parameters) }

    /// Per task: every (run position, checkpoint ≥ 1) and the running sum of their weights.
    typealias TargetTable = (targets: [(Int, Int)], cumulativeWeights: [Float])
    /// Equal weights.
    let uniformTargets: [TargetTable]
    /// Weights that even out the metric: each task's later checkpoints fall into `bins`
    /// equal-width bins of its metric and a target weighs one over its bin's count.
    let balancedTargets: [TargetTable]

    static func targetTables(_ runs: [Run], balanced: Bool, bins: Int = 10) -> [TargetTable] {
        Dictionary(grouping: runs.indices, by: { runs[$0].task }).sorted { $0.key < $1.key }.map { _, positions in
            let targets = positions.flatMap { position in (1..<runs[position].parameters.count).map { (position, $0) } }
            let metrics = targets.map { runs[$0.0].metrics[$0.1] }, finite = metrics.filter(\.isFinite)
            let low = finite.min() ?? 0, width = max((finite.max() ?? 0) - low, 1e-6) / Float(bins)
            let binOf = metrics.map { $0.isFinite ? min(Int(($0 - low) / width), bins - 1) : 0 }
            var counts = [Int](repeating: 0, count: bins)
            for bin in binOf { counts[bin] += 1 }
            var total: Float = 0
            return (targets, binOf.map { bin in total += balanced ? 1 / Float(counts[bin]) : 1; return total })
        }
    }
}
