import Foundation
import Generator
import Segmentation
import TensorEngine

/// Are generated networks more than copies of the zoo? The distance from each generated
/// network to its nearest zoo checkpoint after aligning channels, against the same distance
/// between zoo runs, and how much their mistakes overlap.
enum NoveltyStudy {
    static func measure(_ context: TaskContext, generated: [[Float]]) throws -> Novelty {
        let normalizer = context.generator.description.normalizer
        let candidates = context.runs.map { $0.checkpoints.map(\.values) }
        // Nearest checkpoint of `values` among the runs whose indices are in `allowed`: runs
        // are ranked by aligned distance to their final checkpoint, then every checkpoint of
        // the 3 closest runs is aligned and measured.
        func nearest(_ values: [Float], allowed: [Int]) -> (distance: Double, values: [Float]) {
            let normalized = normalizer.normalize(values)
            func distance(_ other: [Float]) -> (Double, [Float]) {
                let aligned = context.permutation.align(other, to: values)
                let moved = normalizer.normalize(aligned)
                let squares = zip(normalized, moved).map { Double(($0 - $1) * ($0 - $1)) }.reduce(0, +)
                return ((squares / Double(max(values.count, 1))).squareRoot(), aligned)
            }
            let shortlist = allowed.map { ($0, distance(candidates[$0].last!).0) }.sorted { $0.1 < $1.1 }.prefix(3)
            var best: (distance: Double, values: [Float]) = (.infinity, values)
            for (run, _) in shortlist {
                for checkpoint in candidates[run] {
                    let (d, aligned) = distance(checkpoint)
                    if d < best.distance { best = (d, aligned) }
                }
            }
            return best
        }
        let everyRun = Array(candidates.indices)
        let generatedNearest = try parallelMap(generated.count) { nearest(generated[$0], allowed: everyRun) }
        let zooCount = min(context.configuration.seeds, candidates.count)
        let zooNearest = try parallelMap(zooCount) { index in
            nearest(candidates[index].last!, allowed: everyRun.filter { $0 != index }).distance
        }
        let overlaps = try zip(generated, generatedNearest).map { values, neighbour in
            try errorOverlap(context, values, neighbour.values)
        }
        return Novelty(generatedToZoo: Estimate(generatedNearest.map(\.distance)), zooToZoo: Estimate(zooNearest),
                       permutationAligned: true, errorOverlap: Estimate(overlaps))
    }

    /// Dice between the error voxels (prediction ≠ reference) of two networks over the validation cases.
    static func errorOverlap(_ context: TaskContext, _ a: [Float], _ b: [Float]) throws -> Double {
        let first = try context.evaluator.validationPredictions(try context.generator.network(from: a))
        let second = try context.evaluator.validationPredictions(try context.generator.network(from: b))
        var both = 0, onlyA = 0, onlyB = 0
        for (x, y) in zip(first, second) {
            let reference = x.item.label ?? [UInt8](repeating: 0, count: x.prediction.count)
            for i in reference.indices {
                let wrongA = x.prediction[i] != reference[i], wrongB = y.prediction[i] != reference[i]
                if wrongA && wrongB { both += 1 } else if wrongA { onlyA += 1 } else if wrongB { onlyB += 1 }
            }
        }
        let total = 2 * both + onlyA + onlyB
        return total > 0 ? Double(2 * both) / Double(total) : 1
    }
}
