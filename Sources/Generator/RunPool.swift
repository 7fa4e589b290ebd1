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
        self.runs = runs
    }

    /// A start checkpoint and a strictly later target checkpoint of one random run.
    func samplePair(_ rng: inout SeededGenerator) -> (run: Run, start: Int, target: Int) {
        let run = runs[Int(rng.next() % UInt64(runs.count))]
        let count = run.parameters.count
        let gap = 1 + Int(rng.next() % UInt64(count - 1))
        let start = Int(rng.next() % UInt64(count - gap))
        return (run, start, start + gap)
    }

    /// Every checkpoint vector (for normalisation statistics).
    var allParameters: [[Float]] { runs.flatMap(\.parameters) }
}
