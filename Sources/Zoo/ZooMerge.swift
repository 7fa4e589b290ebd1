import Foundation
import Formats
import GRDB

extension Zoo {
    /// Copies into this zoo every run of `other` it lacks (run files first, then the rows of
    /// each run in one transaction), so merging shards can be interrupted and repeated.
    /// Both zoos must come from the same plan. Returns the number of runs copied.
    @discardableResult
    public func merge(from other: Zoo) throws -> Int {
        guard other.plan == plan else {
            throw ZooError.planMismatch(zoo: other.folder.path, reason: "its plan differs from \(folder.path)'s; only shards of one plan merge")
        }
        let present = try recordedRuns()
        var copied = 0
        for run in try other.runs() where run.source == .trained {
            let task = try other.taskName(run.taskId)
            guard !present.contains(RunKey(task: task, index: run.runIndex)) else { continue }
            let (configuration, layout) = try other.architecture(run.architectureId)
            let name = try other.database.queue.read {
                try String.fetchOne($0, sql: "SELECT name FROM architectures WHERE id = ?", arguments: [run.architectureId])
            } ?? plan.architectureName
            let architectureID = try architectureID(for: configuration, name: name, layout: layout)
            let checkpoints = try other.checkpoints(run: run.id!)
            let destination = url(ofRunFile: run.file)
            try FileManager.default.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
            try AtomicWrite.write(to: destination) { temporary in
                try FileManager.default.copyItem(at: other.url(ofRunFile: run.file), to: temporary)
            }
            var copy = run
            copy.id = nil
            copy.taskId = try self.task(named: task).id
            copy.architectureId = architectureID
            try commit(copy, checkpoints: checkpoints)
            copied += 1
        }
        return copied
    }

    /// Opens (or creates) the unsharded zoo at `folder` for the plan the `shards` share.
    public static func merged(at folder: URL, shards: [Zoo]) throws -> Zoo {
        guard let first = shards.first else { throw ZooError.invalidPlan("no shards to merge") }
        let zoo = try create(at: folder, plan: first.plan)
        try zoo.removeUnreferencedFiles()
        return zoo
    }
}
