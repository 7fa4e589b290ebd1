import NeuralNetwork

/// Where a run goes on from: the iteration its network was saved at, its optimiser's state
/// there, and the last iteration to train. Trained on, the run draws the batches and learning
/// rates it would have drawn from that iteration on, so with the run's own seed it retraces
/// the run, and with another it is the run continued on another data order.
public struct RunResumption {
    /// The iteration the network and state were saved after (0: before the first step).
    public let iteration: Int
    public let moments: OptimizerMoments
    /// The last iteration trained, at most the run's length.
    public let until: Int

    public init(iteration: Int, moments: OptimizerMoments, until: Int) {
        self.iteration = iteration
        self.moments = moments
        self.until = until
    }

    /// The iterations a run of `iterations` trains when resumed here, or an error where they lie outside it.
    func iterations(of iterations: Int) throws -> ClosedRange<Int>? {
        guard iteration >= 0, until >= iteration, until <= iterations else {
            throw TrainingError.invalidResumption("from iteration \(iteration) until \(until) does not lie within a run of \(iterations) iterations")
        }
        return until > iteration ? (iteration + 1)...until : nil
    }
}
