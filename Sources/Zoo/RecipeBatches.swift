import Segmentation
import TensorEngine

/// The batches a run with a zoo recipe and data seed draws, iteration by iteration, exactly as
/// its training draws them (`TaskEvaluator.train` with the same recipe and seed): a generation
/// that reads them sees the data that run trained on, in its order. Read in increasing
/// iterations; the batches before a requested range are drawn and skipped, as a resumed run
/// skips them.
public final class RecipeBatches {
    private enum Source {
        /// Training patches drawn and augmented by the run's sampler from one random stream.
        case patches(cases: [SegmentationCase], sampler: PatchSampler, batchSize: Int, spatialRank: Int, rng: SeededGenerator)
        /// A head zoo's pool rows, in the order the run fixes before it starts.
        case headInputs(pool: HeadInputPool, configuration: HeadRunConfiguration)
    }

    private var source: Source
    /// The first iteration not yet read: none before it is read again.
    private var drawn = 0

    init(trainingCases cases: [SegmentationCase], spatialRank: Int, configuration: TrainingConfiguration) {
        source = .patches(cases: cases, sampler: configuration.batchSampler, batchSize: configuration.batchSize, spatialRank: spatialRank,
                          rng: SeededGenerator(seed: configuration.dataSeed))
    }

    init(pool: HeadInputPool, configuration: HeadRunConfiguration) {
        source = .headInputs(pool: pool, configuration: configuration)
    }

    /// The batches of `iterations` (0 is the run's first) as one batch, in order.
    /// Throws for an empty range or one that starts before an iteration already read.
    public func batch(iterations: Range<Int>) throws -> PatchBatch {
        try batches([iterations])[0]
    }

    /// The batches of each of `ranges` as one batch each, drawn in one pass (ranges may
    /// overlap). Throws for an empty range or one that starts before an iteration already read.
    public func batches(_ ranges: [Range<Int>]) throws -> [PatchBatch] {
        guard let end = ranges.map(\.upperBound).max() else { return [] }
        if let wrong = ranges.first(where: { $0.isEmpty || $0.lowerBound < drawn }) {
            throw ZooError.incompatible("recipe batches are read once, in increasing iterations: asked for \(wrong) after \(drawn)")
        }
        defer { drawn = end }
        switch source {
        case .patches(let cases, let sampler, let batchSize, let spatialRank, var rng):
            let needed = Set(ranges.flatMap { $0 })
            var kept: [Int: TrainingBatch] = [:]
            for iteration in drawn..<end {
                let batch = sampler.batch(from: cases, size: batchSize, spatialRank: spatialRank, using: &rng)
                if needed.contains(iteration) { kept[iteration] = batch }
            }
            source = .patches(cases: cases, sampler: sampler, batchSize: batchSize, spatialRank: spatialRank, rng: rng)
            return ranges.map { range in
                .patches(TrainingBatch(images: Self.stacked(range.map { kept[$0]!.images }), labels: Self.stacked(range.map { kept[$0]!.labels })))
            }
        case .headInputs(let pool, var configuration):
            // The order's prefix does not depend on its length: draw as far as asked.
            configuration.iterations = end
            let order = configuration.batchOrder(poolCount: pool.count)
            return try ranges.map { range in
                let batch = try pool.batch(range.flatMap { order[$0] })
                return .headInputs(inputs: batch.inputs, labels: batch.labels)
            }
        }
    }

    /// Tensors of one shape but the first, one after another along it.
    private static func stacked(_ tensors: [Tensor]) -> Tensor {
        let rows = tensors.reduce(0) { $0 + $1.shape[0] }
        let result = Tensor.zeros(Shape([rows] + Array(tensors[0].shape.dims.dropFirst())))
        var offset = 0
        for tensor in tensors {
            for i in 0..<tensor.count { result.pointer[offset + i] = tensor.pointer[i] }
            offset += tensor.count
        }
        return result
    }
}
