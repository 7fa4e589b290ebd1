import Foundation
import GRDB

/// Quantiles of a metric over checkpoints.
public struct MetricDistribution: Codable, Sendable, Equatable {
    public var count: Int
    public var minimum: Double
    public var p10: Double
    public var median: Double
    public var p90: Double
    public var maximum: Double

    /// Nil for an empty sample.
    public init?(_ values: [Double]) {
        let sorted = values.filter { $0.isFinite }.sorted()
        guard !sorted.isEmpty else { return nil }
        func quantile(_ q: Double) -> Double { sorted[Int((q * Double(sorted.count - 1)).rounded())] }
        count = sorted.count
        minimum = sorted[0]
        p10 = quantile(0.1)
        median = quantile(0.5)
        p90 = quantile(0.9)
        maximum = sorted[sorted.count - 1]
    }
}

/// The best checkpoint of a task, chosen by validation Dice; its test Dice is reported, never used.
public struct BestCheckpoint: Codable, Sendable, Equatable {
    public var runIndex: Int
    public var iteration: Int
    public var validationDice: Double
    public var testDice: Double
}

/// One task's share of the zoo.
public struct TaskStatistics: Codable, Sendable {
    public var task: String
    public var runsPlanned: Int
    public var runsDone: Int
    public var runsFailed: Int
    public var runsImported: Int
    /// Trajectories recorded by nnU-Net's own trainer (`zoo import --nnunet-run`).
    public var runsRecorded: Int
    public var checkpoints: Int
    /// Test Dice of the initialisations, of the final checkpoints and of every checkpoint.
    public var initialTestDice: MetricDistribution?
    public var finalTestDice: MetricDistribution?
    public var testDice: MetricDistribution?
    public var best: BestCheckpoint?
}

/// `weightgen zoo stats`: what a zoo holds and what it costs on disk.
public struct ZooStatistics: Codable, Sendable {
    public var tasks: [TaskStatistics]
    public var checkpoints: Int
    /// Parameters of the largest architecture in the zoo.
    public var parametersPerCheckpoint: Int
    /// Bytes of all run files.
    public var runFileBytes: Int
    /// Bytes of the SQLite index.
    public var databaseBytes: Int
    /// Run-file bytes per checkpoint over the raw float32 size of its parameters (about 3 where
    /// the checkpoints keep Adam's state beside them).
    public var storageRatio: Double
    /// What each checkpoint keeps.
    public var checkpointContent: CheckpointContent
    public var trainingSeconds: Double
}

extension Zoo {
    /// Summarises runs, checkpoints, metric distributions, the best checkpoint per task and storage.
    public func statistics() throws -> ZooStatistics {
        let planned = plan.runs(in: shard)
        let tasks = try plan.tasks.map { task -> TaskStatistics in
            let taskID = try self.task(named: task).id
            return try database.queue.read { db in
                let count = { (sql: String) in try Int.fetchOne(db, sql: sql, arguments: [taskID]) ?? 0 }
                let dice = { (sql: String) in try Double.fetchAll(db, sql: sql, arguments: [taskID]) }
                let best = try Row.fetchOne(db, sql: """
                    SELECT r.run_index, c.iteration, c.validation_dice, c.test_dice FROM checkpoints c JOIN runs r ON r.id = c.run_id
                    WHERE r.task_id = ? AND r.status = 'done' ORDER BY c.validation_dice DESC, c.id LIMIT 1
                    """, arguments: [taskID])
                return TaskStatistics(
                    task: task, runsPlanned: planned.filter { $0.task == task }.count,
                    runsDone: try count("SELECT COUNT(*) FROM runs WHERE task_id = ? AND status = 'done' AND source = 'trained'"),
                    runsFailed: try count("SELECT COUNT(*) FROM runs WHERE task_id = ? AND status = 'failed'"),
                    runsImported: try count("SELECT COUNT(*) FROM runs WHERE task_id = ? AND source = 'imported'"),
                    runsRecorded: try count("SELECT COUNT(*) FROM runs WHERE task_id = ? AND source = 'recorded'"),
                    checkpoints: try count("SELECT COUNT(*) FROM checkpoints c JOIN runs r ON r.id = c.run_id WHERE r.task_id = ?"),
                    initialTestDice: MetricDistribution(try dice("""
                        SELECT c.test_dice FROM checkpoints c JOIN runs r ON r.id = c.run_id
                        WHERE r.task_id = ? AND r.status = 'done' AND c.iteration = 0
                        """)),
                    finalTestDice: MetricDistribution(try dice("""
                        SELECT c.test_dice FROM checkpoints c JOIN runs r ON r.id = c.run_id
                        WHERE r.task_id = ? AND r.status = 'done' AND c.iteration = r.iterations
                        """)),
                    testDice: MetricDistribution(try dice("""
                        SELECT c.test_dice FROM checkpoints c JOIN runs r ON r.id = c.run_id WHERE r.task_id = ? AND r.status = 'done'
                        """)),
                    best: best.map { BestCheckpoint(runIndex: $0[0], iteration: $0[1], validationDice: $0[2], testDice: $0[3]) })
            }
        }
        let totals = try database.queue.read { db in
            (checkpoints: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM checkpoints") ?? 0,
             parameters: try Int.fetchOne(db, sql: "SELECT MAX(parameter_count) FROM architectures") ?? 0,
             storedParameters: try Int.fetchOne(db, sql: """
                SELECT SUM(a.parameter_count) FROM checkpoints c JOIN runs r ON r.id = c.run_id
                JOIN architectures a ON a.id = r.architecture_id
                """) ?? 0,
             seconds: try Double.fetchOne(db, sql: "SELECT TOTAL(seconds) FROM runs") ?? 0,
             files: try String.fetchAll(db, sql: "SELECT file FROM runs"))
        }
        let fileBytes = totals.files.reduce(0) { $0 + fileSize(url(ofRunFile: $1)) }
        let rawBytes = totals.storedParameters * 4
        return ZooStatistics(tasks: tasks, checkpoints: totals.checkpoints, parametersPerCheckpoint: totals.parameters,
                             runFileBytes: fileBytes, databaseBytes: fileSize(database.url),
                             storageRatio: rawBytes > 0 ? Double(fileBytes) / Double(rawBytes) : 0,
                             checkpointContent: plan.checkpointContent, trainingSeconds: totals.seconds)
    }
}

func fileSize(_ url: URL) -> Int {
    ((try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? NSNumber)?.intValue ?? 0
}
