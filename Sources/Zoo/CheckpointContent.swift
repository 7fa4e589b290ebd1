/// What a zoo keeps of each checkpoint.
public enum CheckpointContent: String, Codable, Sendable, CaseIterable {
    /// The network's parameters alone.
    case parameters
    /// The parameters and the optimiser state the run's next step reads (`OptimizerMoments`,
    /// flattened in the parameters' layout): as nnU-Net's checkpoints carry theirs, so that what
    /// moves a run next can be read from its checkpoint. About three times the storage with Adam.
    case parametersAndOptimizerState = "parameters-and-optimizer-state"
}
