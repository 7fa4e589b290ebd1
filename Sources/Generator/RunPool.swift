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
        let gradients: [[Float]]
    }

    let runs: [Run]

    /// Loads the done runs of `tasks` in the plan's architecture, the first `runsPerTask` of
    /// each task when given (for scaling studies), skipping runs with fewer than two checkpoints.
    /// With `alignment`, each run is permuted into the channel order of its task's reference
    /// run (the one with the best final validation Dice), all its checkpoints alike.
    init(zoo: Zoo, tasks: [String], runsPerTask: Int?, metric: PromptMetric, excluding excluded: Set<Int> = [],
         startGradient: StartGradient? = nil, alignment: UNetPermutation? = nil) throws {
        let architecture = try zoo.planArchitectureID()
        var runs: [Run] = []
        for (taskIndex, task) in tasks.enumerated() {
            let candidates = try zoo.runs(task: task, status: .done)
                .filter { $0.architectureId == architecture && $0.source == "trained" && !excluded.contains($0.runIndex) }
            let loaded = try candidates.prefix(runsPerTask ?? candidates.count).map { ($0, try zoo.parameters(of: $0)) }
                .filter { $0.1.count >= 2 }
            let reference = loaded.max { $0.1.last!.record.validationDice < $1.1.last!.record.validationDice }?.1.last!.values
            for (run, checkpoints) in loaded {
                var parameters = checkpoints.map(\.values)
                if let alignment, let reference {
                    let permutations = alignment.alignment(of: parameters.last!, to: reference)
                    parameters = parameters.map { alignment.apply(permutations, to: $0) }
                }
                let gradients = try startGradient.map { feature in
                    try parameters.dropLast().map { try feature.features($0, task: taskIndex) }
                } ?? []
                runs.append(Run(task: taskIndex, runIndex: run.runIndex, parameters: parameters,
                                metrics: checkpoints.map { Float(metric == .dice ? $0.record.testDice : $0.record.trainLoss) },
                                gradients: gradients))
            }
        }
        guard !runs.isEmpty else { throw GeneratorError.incompatible("the zoo at \(zoo.folder.path) has no finished runs for \(tasks)") }
        self.init(runs: runs)
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
