import Foundation
import GRDB

/// What `Zoo.verify()` found.
public struct ZooIntegrityReport: Codable, Sendable {
    /// SQLite's `PRAGMA integrity_check` answer ("ok" when sound).
    public var sqliteIntegrity: String
    public var runsChecked: Int
    public var checkpointsChecked: Int
    /// Runs of this zoo's part of the plan not yet recorded.
    public var runsMissing: Int
    /// Every inconsistency, each naming the run or file.
    public var problems: [String]

    public var isSound: Bool { sqliteIntegrity == "ok" && problems.isEmpty }
}

extension Zoo {
    /// Checks the database and every checkpoint: each row's tensor (and optimiser state, where
    /// kept) is readable from its run file and matches its CRC-32; each trained run holds exactly the checkpoints its plan
    /// schedules (or a prefix of them when it failed); no run outside the plan or shard.
    public func verify() throws -> ZooIntegrityReport {
        let integrity = try database.queue.read { try String.fetchAll($0, sql: "PRAGMA integrity_check") }.joined(separator: "; ")
        let planned = Dictionary(uniqueKeysWithValues: plan.runs(in: shard).map { (RunKey(task: $0.task, index: $0.index), $0) })
        var problems: [String] = [], checkpointCount = 0, recorded = Set<RunKey>()
        let allRuns = try runs()
        for run in allRuns {
            let task = try taskName(run.taskId)
            let name = "run \(run.runIndex) of \(task) (\(run.file))"
            let records = try checkpoints(run: run.id!)
            checkpointCount += records.count
            if run.source == .trained {
                let key = RunKey(task: task, index: run.runIndex)
                recorded.insert(key)
                if let specification = planned[key] {
                    let expected = specification.checkpointIterations
                    let iterations = records.map(\.iteration)
                    let fits = run.status == .done ? iterations == expected : Array(expected.prefix(iterations.count)) == iterations
                    if !fits { problems.append("\(name): checkpoints at \(iterations), the plan schedules \(expected)") }
                } else {
                    problems.append("\(name) is not part of this zoo's plan\(shard.map { " shard \($0)" } ?? "")")
                }
            }
            do {
                if records.contains(where: { $0.optimizerStateCrc32 != nil }) {
                    _ = try parametersAndOptimizerStates(of: run)
                } else {
                    _ = try parameters(of: run)
                }
            } catch {
                problems.append("\(name): \(error)")
            }
        }
        return ZooIntegrityReport(sqliteIntegrity: integrity, runsChecked: allRuns.count, checkpointsChecked: checkpointCount,
                                  runsMissing: planned.keys.filter { !recorded.contains($0) }.count, problems: problems)
    }
}
