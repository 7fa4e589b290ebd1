import Foundation
import TensorEngine

/// A batch ready for the network: images [B, C, (pz,) py, px] and labels [B, 1, (pz,) py, px].
public struct TrainingBatch: @unchecked Sendable {
    public let images: Tensor
    public let labels: Tensor

    public init(images: Tensor, labels: Tensor) {
        self.images = images
        self.labels = labels
    }
}

/// Produces augmented training batches on a background thread, a few batches ahead of the
/// training step, so sampling and augmentation never stall it. The sequence of batches is
/// fixed by the seed: one producer draws every random number in order.
public final class BatchLoader: @unchecked Sendable {
    private let cases: [SegmentationCase]
    private let sampler: PatchSampler
    private let batchSize: Int
    private let spatialRank: Int
    private var rng: SeededGenerator
    private let condition = NSCondition()
    private var queue: [TrainingBatch] = []
    private let capacity: Int
    private var stopped = false
    private var worker: Thread?

    /// `spatialRank` 2 drops the z axis of (1, py, px) patches.
    public init(cases: [SegmentationCase], sampler: PatchSampler, batchSize: Int, spatialRank: Int, seed: UInt64,
                prefetch: Int = 3) throws {
        guard !cases.isEmpty else { throw SegmentationDataError.invalidCase("(training set)", "no training cases") }
        if let unlabelled = cases.first(where: { $0.label == nil }) {
            throw SegmentationDataError.invalidCase(unlabelled.identifier, "training needs a label")
        }
        if spatialRank == 2 && sampler.patchSize[0] != 1 {
            throw SegmentationDataError.invalidCase("(patch)", "2D training needs patch size (1, y, x), got \(sampler.patchSize)")
        }
        self.cases = cases
        self.sampler = sampler
        self.batchSize = batchSize
        self.spatialRank = spatialRank
        self.rng = SeededGenerator(seed: seed)
        self.capacity = max(1, prefetch)
        let thread = Thread { [weak self] in self?.produce() }
        thread.name = "weightgen.batch-loader"
        worker = thread
        thread.start()
    }

    deinit { stop() }

    /// The next batch, waiting for the worker if it is behind.
    public func next() -> TrainingBatch {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty { condition.wait() }
        let batch = queue.removeFirst()
        condition.signal()
        return batch
    }

    /// Stops the worker; pending batches are dropped.
    public func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    private func produce() {
        while true {
            let batch = makeBatch()
            condition.lock()
            while queue.count >= capacity && !stopped { condition.wait() }
            if stopped { condition.unlock(); return }
            queue.append(batch)
            condition.broadcast()
            condition.unlock()
        }
    }

    /// Samples one batch (called only from the worker thread).
    func makeBatch() -> TrainingBatch {
        sampler.batch(from: cases, size: batchSize, spatialRank: spatialRank, using: &rng)
    }
}
