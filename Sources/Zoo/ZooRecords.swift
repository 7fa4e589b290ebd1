import Foundation
import GRDB
import Segmentation

/// A row of `runs`: one training run (or one imported model) and how it ended.
public struct RunRecord: Codable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "runs"
    public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
    public static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy.convertToSnakeCase

    /// How a run ended.
    public enum Status: String, Codable, Sendable, DatabaseValueConvertible {
        case done
        /// Diverged (non-finite values or |w| > 10): kept for the record, left out of training pairs.
        case failed
    }

    /// Where a run's checkpoints come from.
    public enum Source: String, Codable, Sendable, DatabaseValueConvertible {
        /// Trained by the zoo's own plan.
        case trained
        /// One outside model (`zoo import --model`): a single checkpoint, no trajectory.
        case imported
        /// A trajectory recorded by nnU-Net's own trainer (`zoo import --nnunet-run`).
        case recorded

        /// Whether the run holds a training trajectory (initialisation to final), as generators learn from.
        public var hasTrajectory: Bool { self != .imported }
    }

    public var id: Int64?
    public var taskId: Int64
    public var architectureId: Int64
    /// Position among the task's planned runs; imported models take indices after the plan's.
    public var runIndex: Int
    public var seed: Int64
    public var optimizer: String
    public var learningRate: Double
    public var batchSize: Int
    public var weightDecay: Double
    public var augmentationStrength: Double
    public var iterations: Int
    public var status: Status
    public var failure: String?
    /// Run file, relative to the zoo folder.
    public var file: String
    public var seconds: Double
    public var source: Source

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// A row of `checkpoints`: one saved parameter vector and its metrics.
public struct CheckpointRecord: Codable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "checkpoints"
    public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
    public static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy.convertToSnakeCase

    public var id: Int64?
    public var runId: Int64
    public var iteration: Int
    /// The tensor holding it in the run file.
    public var tensorName: String
    public var byteCount: Int
    /// CRC-32 of the tensor's bytes.
    public var crc32: Int64
    /// Learning rate in effect at this iteration.
    public var learningRate: Double
    /// Dice + cross-entropy on the plan's fixed training-loss cases.
    public var trainLoss: Double
    public var validationLoss: Double
    public var validationDice: Double
    public var testLoss: Double
    public var testDice: Double
    /// CRC-32 of the checkpoint's optimiser state tensor; nil where the zoo keeps none.
    public var optimizerStateCrc32: Int64? = nil

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

extension RunRecord {
    /// The recipe this run was trained with, to train another network the same way.
    public var hyperparameters: RunHyperparameters {
        RunHyperparameters(optimizer: TrainingConfiguration.OptimizerKind(rawValue: optimizer) ?? .adam, learningRate: learningRate,
                           batchSize: batchSize, weightDecay: weightDecay, augmentationStrength: augmentationStrength,
                           iterations: iterations)
    }
}
