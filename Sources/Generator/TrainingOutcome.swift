/// How a training call ended.
public enum TrainingOutcome: Equatable, Sendable {
    /// Every planned step is done.
    case finished
    /// Stopped on request after `step` steps, with its state saved; training the same folder again resumes there.
    case stopped(step: Int)
}
