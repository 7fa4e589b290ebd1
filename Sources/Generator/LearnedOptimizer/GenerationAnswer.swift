/// Which network of a generation answers a prompt it did not reach, as nnU-Net keeps two
/// checkpoints of a training: the first network whose validation Dice reaches the prompt
/// answers it either way (the generation stops there).
public enum GenerationAnswer: String, Codable, Sendable, CaseIterable {
    /// The network with the best validation Dice (nnU-Net's `checkpoint_best.pth`).
    case best
    /// The last network, where the calls ran out (nnU-Net's `checkpoint_final.pth`, the one its
    /// inference reads by default).
    case final
}
