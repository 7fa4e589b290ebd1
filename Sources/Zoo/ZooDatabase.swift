import Foundation
import GRDB
import Segmentation

/// The zoo's SQLite index (GRDB): the plan, datasets, tasks and their case split,
/// architectures with their parameter layout, runs with hyperparameters, and checkpoints with
/// metrics. Parameter tensors live in run files the rows point to.
final class ZooDatabase {
    static let fileName = "zoo.sqlite"
    let queue: DatabaseQueue
    let url: URL

    /// Opens (creating when `create`) the database in `folder` and brings its schema up to date.
    init(folder: URL, create: Bool) throws {
        url = folder.appendingPathComponent(Self.fileName)
        guard create || FileManager.default.fileExists(atPath: url.path) else { throw ZooError.notAZoo(folder.path) }
        var configuration = Configuration()
        configuration.busyMode = .timeout(30)
        configuration.label = "weightgen.zoo"
        queue = try DatabaseQueue(path: url.path, configuration: configuration)
        try Self.migrate(queue, folder: folder)
    }

    /// Brings the schema up to date. Processes opening the same zoo at once (several
    /// evaluations of one zoo) would each see a migration missing and apply it twice, so the
    /// check and the migration happen under an exclusive lock on a file beside the index.
    private static func migrate(_ queue: DatabaseQueue, folder: URL) throws {
        guard try !queue.read({ try migrator.hasCompletedMigrations($0) }) else { return }
        let lockPath = folder.appendingPathComponent(fileName + ".migration-lock").path
        let descriptor = open(lockPath, O_CREAT | O_RDWR, 0o644)
        guard descriptor >= 0 else { throw ZooError.corrupt(path: lockPath, reason: "cannot open the migration lock (errno \(errno))") }
        defer { close(descriptor) }
        guard flock(descriptor, LOCK_EX) == 0 else { throw ZooError.corrupt(path: lockPath, reason: "cannot take the migration lock (errno \(errno))") }
        defer { flock(descriptor, LOCK_UN) }
        try migrator.migrate(queue)
    }

    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.create(table: "zoo") { t in
                t.primaryKey("id", .integer).check { $0 == 1 }
                t.column("plan", .text).notNull()
                t.column("shard_index", .integer)
                t.column("shard_count", .integer)
                t.column("created_at", .datetime).notNull()
            }
            try db.create(table: "datasets") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("path", .text).notNull().unique()
            }
            try db.create(table: "tasks") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("name", .text).notNull().unique()
                t.column("dataset_id", .integer).notNull().references("datasets")
                t.column("dataset_folder", .text).notNull()
            }
            try db.create(table: "cases") { t in
                t.column("task_id", .integer).notNull().references("tasks")
                t.column("identifier", .text).notNull()
                t.column("role", .text).notNull().check { ["training", "validation", "test"].contains($0) }
                t.primaryKey(["task_id", "identifier"])
            }
            try db.create(table: "architectures") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("name", .text).notNull()
                t.column("configuration", .text).notNull().unique()
                t.column("layout", .text).notNull()
                t.column("parameter_count", .integer).notNull()
            }
            try db.create(table: "runs") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("task_id", .integer).notNull().references("tasks")
                t.column("architecture_id", .integer).notNull().references("architectures")
                t.column("run_index", .integer).notNull()
                t.column("seed", .integer).notNull()
                t.column("optimizer", .text).notNull()
                t.column("learning_rate", .double).notNull()
                t.column("batch_size", .integer).notNull()
                t.column("weight_decay", .double).notNull()
                t.column("augmentation_strength", .double).notNull()
                t.column("iterations", .integer).notNull()
                t.column("status", .text).notNull().check { ["done", "failed"].contains($0) }
                t.column("failure", .text)
                t.column("file", .text).notNull().unique()
                t.column("seconds", .double).notNull()
                t.column("source", .text).notNull()
                t.uniqueKey(["task_id", "run_index"])
            }
            try db.create(table: "checkpoints") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("run_id", .integer).notNull().references("runs", onDelete: .cascade)
                t.column("iteration", .integer).notNull()
                t.column("tensor_name", .text).notNull()
                t.column("byte_count", .integer).notNull()
                t.column("crc32", .integer).notNull()
                t.column("learning_rate", .double).notNull()
                t.column("train_loss", .double).notNull()
                t.column("validation_loss", .double).notNull()
                t.column("validation_dice", .double).notNull()
                t.column("test_loss", .double).notNull()
                t.column("test_dice", .double).notNull()
                t.uniqueKey(["run_id", "iteration"])
            }
        }
        migrator.registerMigration("v2: optimiser state") { db in
            // NULL where the checkpoint keeps no optimiser state.
            try db.alter(table: "checkpoints") { t in t.add(column: "optimizer_state_crc32", .integer) }
        }
        return migrator
    }
}
