import Segmentation

/// A head zoo's pool of cached head inputs for one task, built on first use: the frozen part's
/// outputs for the augmented training patches every run of the task trains on. Drawn with
/// nnU-Net's augmentation from a seed of the plan and the task alone, so every shard, worker
/// and evaluator of the zoo sees the same pool.
struct TaskHeadInputPool: Sendable {
    private let built: ComputedOnce<HeadInputPool>

    /// The pool of `task` in a zoo whose runs train on cached head inputs, or nil for any other zoo.
    init?(plan: ZooPlan, task: String, training: [SegmentationCase], architecture: PlainConvUNetConfiguration) {
        guard case let .onCachedHeadInputs(patches)? = plan.partial?.runs, let taskIndex = plan.tasks.firstIndex(of: task) else {
            return nil
        }
        built = ComputedOnce {
            // The frozen part is the base's whatever the seed: seed 0's network serves.
            let network = try NetworkAssembly(architecture: architecture, partial: plan.partial).initialNetwork(seed: 0)
            return try HeadInputPool(network: network, cases: training, sampler: PatchSampler(patchSize: plan.patchSize),
                                     count: patches, seed: mix(plan.seed, UInt64(taskIndex), 0x9001))
        }
    }

    /// The pool, computed on the first call (one caller computes while others wait).
    func pool() throws -> HeadInputPool {
        try built.value()
    }
}
