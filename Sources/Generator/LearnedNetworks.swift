import Foundation
import TensorEngine
import Zoo

/// Every network a generator learned from for one task, run by run: each run's recorded
/// checkpoints followed by the path networks on its initialisation-to-final line (when the
/// generator learns them). A generated network is a copy when one of these lies next to it.
public struct LearnedNetworks {
    /// Per run: its networks; the recorded checkpoints come first, the last of them is the run's final.
    public let runs: [[[Float]]]
    /// Per run: the index of its recorded checkpoint with the best validation Dice.
    public let bestCheckpoint: [Int]
    /// Per run: the validation Dice of that checkpoint.
    public let bestValidationDice: [Double]
    /// Per run: the index of its final recorded checkpoint.
    public let final: [Int]

    public init(runs: [[[Float]]], bestCheckpoint: [Int], bestValidationDice: [Double], final: [Int]) {
        self.runs = runs
        self.bestCheckpoint = bestCheckpoint
        self.bestValidationDice = bestValidationDice
        self.final = final
    }

    /// The networks `description`'s generator learned for `task` from `zoo`: the same runs its
    /// trainer read (`GeneratorDescription.learnedRunRecords`) and, with path targets, the same path networks.
    public static func of(_ description: GeneratorDescription, task: String, zoo: Zoo) throws -> LearnedNetworks {
        try of(try description.learnedRunRecords(task: task, zoo: zoo), task: task, zoo: zoo,
               pathTargets: description.configuration.data.pathTargets)
    }

    /// The networks of `records` (runs of `task` in `zoo`), each run's recorded checkpoints
    /// followed by `pathTargets` networks on its initialisation-to-final line.
    public static func of(_ records: [RunRecord], task: String, zoo: Zoo, pathTargets: Int = 0) throws -> LearnedNetworks {
        var runs: [[[Float]]] = [], best: [Int] = [], bestDice: [Double] = [], finals: [Int] = []
        for record in records {
            let checkpoints = try zoo.parameters(of: record)
            guard checkpoints.count >= 2 else { continue }
            let first = checkpoints[0].values, last = checkpoints[checkpoints.count - 1].values
            let path = (0..<pathTargets).map { step -> [Float] in
                let fraction = Float(step + 1) / Float(pathTargets + 1)
                return zip(first, last).map { $0 + fraction * ($1 - $0) }
            }
            let bestIndex = checkpoints.indices.max { checkpoints[$0].record.validationDice < checkpoints[$1].record.validationDice }!
            runs.append(checkpoints.map(\.values) + path)
            best.append(bestIndex)
            bestDice.append(checkpoints[bestIndex].record.validationDice)
            finals.append(checkpoints.count - 1)
        }
        guard runs.count >= 2 else {
            throw GeneratorError.incompatible("the audit of \(task) needs at least two learned runs; the generator learned \(runs.count)")
        }
        return LearnedNetworks(runs: runs, bestCheckpoint: best, bestValidationDice: bestDice, final: finals)
    }

    /// The learned network nearest to `values` after alignment, among the runs other than
    /// `excluded`. Each run is first aligned once, by its final checkpoint (a run's networks
    /// share its channel order, and a path network is a mix of two of them); then every network
    /// of the `refined` closest runs is aligned on its own.
    public func nearest(to values: [Float], excludingRun excluded: Int? = nil, distance: AlignedDistance, refined: Int = 3)
        -> (distance: Double, run: Int, index: Int) {
        var perRun: [(distance: Double, run: Int, index: Int)] = []
        for (run, networks) in runs.enumerated() where run != excluded {
            let sources = distance.permutation.sources(distance.permutation.alignment(of: networks[final[run]], to: values))
            var best = (distance: Double.infinity, run: run, index: -1)
            for (index, network) in networks.enumerated() {
                let d = distance.unaligned(values, network, readAt: sources)
                if d < best.distance { best = (d, run, index) }
            }
            perRun.append(best)
        }
        perRun.sort { $0.distance < $1.distance }
        var best: (distance: Double, run: Int, index: Int) = perRun.first ?? (.infinity, -1, -1)
        for candidate in perRun.prefix(refined) {
            for (index, network) in runs[candidate.run].enumerated() {
                let d = distance(values, network)
                if d < best.distance { best = (d, candidate.run, index) }
            }
        }
        return best
    }

    /// The runs whose finals stand for the zoo in its own measures (reference distance,
    /// behavioural overlap between runs): every run up to `limit`, else `limit` runs evenly
    /// spaced in run order. Each is still compared with every other run, so the cost grows with
    /// the runs rather than their square (4,000 runs: 9 million alignments for all of them).
    public func referenceRuns(limit: Int = 256) -> [Int] {
        runs.count <= limit ? Array(runs.indices) : (0..<limit).map { $0 * runs.count / limit }
    }

    /// The zoo's own reference distance: the median over the reference runs of a final
    /// checkpoint's distance to the nearest network of any other run. A generated network at
    /// this distance is as new as another training run.
    public func referenceDistance(_ distance: AlignedDistance) throws -> (median: Double, perRun: [Double]) {
        let sampled = referenceRuns()
        let perRun = try parallelMap(sampled.count) { k in
            nearest(to: runs[sampled[k]][final[sampled[k]]], excludingRun: sampled[k], distance: distance).distance
        }
        return (median(perRun), perRun)
    }
}
