import Foundation
import Segmentation

extension Zoo {
    /// The network of `run`'s checkpoint at `iteration` (its last when nil), with the checkpoint's record.
    public func network(of run: RunRecord, iteration: Int? = nil) throws -> (network: PlainConvUNet, checkpoint: CheckpointRecord) {
        let stored = try parameters(of: run)
        guard let chosen = iteration.map({ wanted in stored.first { $0.record.iteration == wanted } }) ?? stored.last else {
            throw ZooError.incompatible("run \(run.runIndex) (\(run.file)) has no checkpoint at iteration \(iteration!); "
                                        + "it has \(stored.map { String($0.record.iteration) }.joined(separator: ", "))")
        }
        return (try assembly(run.architectureId).network(chosen.values), chosen.record)
    }
}
