import Foundation
import GRDB
import Segmentation

/// A checkpoint zoo on disk: `zoo.sqlite` (the index) and `runs/TASK/run-NNNNN.safetensors`
/// (each run's checkpoints). A run becomes visible in one transaction after its file is in
/// place, so an interrupted build never exposes half a run; files no row points to are
/// leftovers of an interruption and are removed when the zoo is opened for building.
public final class Zoo {
    public let folder: URL
    public let plan: ZooPlan
    /// The part of the plan this zoo builds; nil for the whole plan.
    public let shard: Shard?
    let database: ZooDatabase
    private var assemblies: [Int64: NetworkAssembly] = [:]
    private let assembliesLock = NSLock()

    private init(folder: URL, plan: ZooPlan, shard: Shard?, database: ZooDatabase) {
        self.folder = folder
        self.plan = plan
        self.shard = shard
        self.database = database
    }

    /// Opens an existing zoo.
    public static func open(_ folder: URL) throws -> Zoo {
        let database = try ZooDatabase(folder: folder, create: false)
        guard let row = try database.queue.read({ try Row.fetchOne($0, sql: "SELECT * FROM zoo WHERE id = 1") }) else {
            throw ZooError.corrupt(path: database.url.path, reason: "the zoo table holds no plan")
        }
        let plan: ZooPlan
        do { plan = try JSONDecoder().decode(ZooPlan.self, from: Data((row["plan"] as String).utf8)) } catch {
            throw ZooError.corrupt(path: database.url.path, reason: "the stored plan is unreadable: \(error)")
        }
        let shard = try (row["shard_index"] as Int?).map { try Shard(parsing: "\($0)/\(row["shard_count"] as Int)") }
        return Zoo(folder: folder, plan: plan, shard: shard, database: database)
    }

    /// Creates a zoo for `plan` in `folder`, or reopens the one there when it was created with
    /// the same plan and shard (so re-running `zoo create` resumes it).
    public static func create(at folder: URL, plan: ZooPlan, shard: Shard? = nil) throws -> Zoo {
        try plan.validate()
        if FileManager.default.fileExists(atPath: folder.appendingPathComponent(ZooDatabase.fileName).path) {
            let database = try ZooDatabase(folder: folder, create: false)
            if try database.queue.read({ try Bool.fetchOne($0, sql: "SELECT EXISTS (SELECT 1 FROM zoo)") }) == true {
                let existing = try open(folder)
                guard existing.plan == plan else { throw ZooError.planMismatch(zoo: folder.path, reason: "plans differ") }
                guard existing.shard == shard else {
                    throw ZooError.planMismatch(zoo: folder.path, reason: "it builds shard \(existing.shard?.description ?? "all"), not \(shard?.description ?? "all")")
                }
                return existing
            }
        }
        // Read the datasets and split them before anything is written, so bad input leaves no zoo behind.
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: plan.datasetPath, isDirectory: &isFolder), isFolder.boolValue else {
            throw ZooError.invalidPlan("the dataset folder \(plan.datasetPath) does not exist")
        }
        let datasets = try plan.tasks.map { try openTrainingDataset(URL(fileURLWithPath: plan.datasetPath), task: $0) }
        let splits = try datasets.map { try plan.split($0.trainingCases.map(\.identifier)) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let database = try ZooDatabase(folder: folder, create: true)
        let planText = try plan.storedText()
        // One transaction: a zoo either has its plan, tasks and split, or nothing at all.
        try database.queue.write { db in
            try db.execute(sql: "INSERT INTO zoo (id, plan, shard_index, shard_count, created_at) VALUES (1, ?, ?, ?, ?)",
                           arguments: [planText, shard?.index, shard?.count, Date()])
            try db.execute(sql: "INSERT INTO datasets (path) VALUES (?)", arguments: [plan.datasetPath])
            let datasetID = db.lastInsertedRowID
            for (task, (dataset, split)) in zip(plan.tasks, zip(datasets, splits)) {
                // "." when the dataset path is itself the task's dataset (one task), not a folder of them.
                let isTheFolder = dataset.url.standardizedFileURL.path == URL(fileURLWithPath: plan.datasetPath).standardizedFileURL.path
                try db.execute(sql: "INSERT INTO tasks (name, dataset_id, dataset_folder) VALUES (?, ?, ?)",
                               arguments: [task, datasetID, isTheFolder ? "." : dataset.url.lastPathComponent])
                let taskID = db.lastInsertedRowID
                for (role, identifiers) in [("training", split.training), ("validation", split.validation), ("test", split.test)] {
                    for identifier in identifiers {
                        try db.execute(sql: "INSERT INTO cases (task_id, identifier, role) VALUES (?, ?, ?)",
                                       arguments: [taskID, identifier, role])
                    }
                }
            }
        }
        return Zoo(folder: folder, plan: plan, shard: shard, database: database)
    }

    // MARK: - Queries

    /// The task's id and dataset folder.
    func task(named name: String) throws -> (id: Int64, datasetFolder: URL) {
        guard let row = try database.queue.read({
            try Row.fetchOne($0, sql: "SELECT t.id, d.path, t.dataset_folder FROM tasks t JOIN datasets d ON d.id = t.dataset_id WHERE t.name = ?",
                             arguments: [name])
        }) else { throw ZooError.incompatible("the zoo at \(folder.path) has no task \(name)") }
        let datasets = URL(fileURLWithPath: row[1] as String), folder = row[2] as String
        return (row[0], folder == "." ? datasets : datasets.appendingPathComponent(folder))
    }

    /// The task's case identifiers in `role` ("training", "validation" or "test").
    public func cases(task: String, role: String) throws -> [String] {
        let taskID = try self.task(named: task).id
        return try database.queue.read {
            try String.fetchAll($0, sql: "SELECT identifier FROM cases WHERE task_id = ? AND role = ? ORDER BY identifier",
                                arguments: [taskID, role])
        }
    }

    /// The id of `configuration`'s architecture row, inserted with `layout` (all its
    /// parameters, or a partial zoo's subset) when new.
    func architectureID(for configuration: PlainConvUNetConfiguration, name: String, layout: ParameterLayout) throws -> Int64 {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let text = String(decoding: try encoder.encode(configuration), as: UTF8.self)
        let layoutText = String(decoding: try encoder.encode(layout), as: UTF8.self)
        return try database.queue.write { db in
            if let id = try Int64.fetchOne(db, sql: "SELECT id FROM architectures WHERE configuration = ?", arguments: [text]) {
                return id
            }
            try db.execute(sql: "INSERT INTO architectures (name, configuration, layout, parameter_count) VALUES (?, ?, ?, ?)",
                           arguments: [name, text, layoutText, layout.parameterCount])
            return db.lastInsertedRowID
        }
    }

    /// The architecture and parameter layout of `id`.
    public func architecture(_ id: Int64) throws -> (configuration: PlainConvUNetConfiguration, layout: ParameterLayout) {
        guard let row = try database.queue.read({
            try Row.fetchOne($0, sql: "SELECT configuration, layout FROM architectures WHERE id = ?", arguments: [id])
        }) else { throw ZooError.corrupt(path: database.url.path, reason: "no architecture \(id)") }
        let decoder = JSONDecoder()
        return (try decoder.decode(PlainConvUNetConfiguration.self, from: Data((row[0] as String).utf8)),
                try decoder.decode(ParameterLayout.self, from: Data((row[1] as String).utf8)))
    }

    /// How the checkpoints of architecture `id` become networks (the base read once per zoo).
    public func assembly(_ id: Int64) throws -> NetworkAssembly {
        assembliesLock.lock()
        defer { assembliesLock.unlock() }
        if let known = assemblies[id] { return known }
        let made = try NetworkAssembly(architecture: try architecture(id).configuration, partial: plan.partial)
        assemblies[id] = made
        return made
    }

    /// Runs, optionally of one task and status, ordered by task and index.
    public func runs(task: String? = nil, status: RunRecord.Status? = nil) throws -> [RunRecord] {
        let taskID = try task.map { try self.task(named: $0).id }
        return try database.queue.read { db in
            var request = RunRecord.order(Column("task_id"), Column("run_index"))
            if let taskID { request = request.filter(Column("task_id") == taskID) }
            if let status { request = request.filter(Column("status") == status.rawValue) }
            return try request.fetchAll(db)
        }
    }

    /// The checkpoints of a run, by iteration.
    public func checkpoints(run id: Int64) throws -> [CheckpointRecord] {
        try database.queue.read {
            try CheckpointRecord.filter(Column("run_id") == id).order(Column("iteration")).fetchAll($0)
        }
    }

    /// The name of the task with `id`.
    public func taskName(_ id: Int64) throws -> String {
        guard let name = try database.queue.read({ try String.fetchOne($0, sql: "SELECT name FROM tasks WHERE id = ?", arguments: [id]) }) else {
            throw ZooError.corrupt(path: database.url.path, reason: "no task \(id)")
        }
        return name
    }

    /// (task, run index) of every run recorded, trained or failed.
    func recordedRuns() throws -> Set<RunKey> {
        try database.queue.read { db in
            Set(try Row.fetchAll(db, sql: "SELECT t.name, r.run_index FROM runs r JOIN tasks t ON t.id = r.task_id")
                .map { RunKey(task: $0[0], index: $0[1]) })
        }
    }

    /// The run file's location for `relativePath`.
    public func url(ofRunFile relativePath: String) -> URL { folder.appendingPathComponent(relativePath) }

    /// The checkpoints of `run` read from its file, each checked against its CRC-32.
    public func parameters(of run: RunRecord) throws -> [(record: CheckpointRecord, values: [Float])] {
        let records = try checkpoints(run: run.id!)
        let values = try RunFile.read(url(ofRunFile: run.file), iterations: records.map(\.iteration),
                                      expectedCRC32: records.map { UInt32(truncatingIfNeeded: $0.crc32) })
        return zip(records, values).map { ($0, $1.values) }
    }

    /// The checkpoints of `run` with their optimiser states, read from its file once and each
    /// checked against its CRC-32s; an error where the zoo keeps no state.
    public func parametersAndOptimizerStates(of run: RunRecord) throws
        -> [(record: CheckpointRecord, values: [Float], state: FlatOptimizerState)] {
        let records = try checkpoints(run: run.id!)
        let sums = records.compactMap(\.optimizerStateCrc32)
        guard sums.count == records.count else {
            throw ZooError.incompatible("the zoo at \(folder.path) keeps no optimiser state with the checkpoints of run \(run.runIndex) "
                                        + "(create it with --checkpoint-content \(CheckpointContent.parametersAndOptimizerState.rawValue))")
        }
        let read = try RunFile.read(url(ofRunFile: run.file), iterations: records.map(\.iteration),
                                    expectedCRC32: records.map { UInt32(truncatingIfNeeded: $0.crc32) },
                                    optimizerStateCRC32: sums.map { UInt32(truncatingIfNeeded: $0) })
        return zip(records, read).map { ($0, $1.values, $1.optimizerState!) }
    }

    // MARK: - Writing

    /// Records a run and its checkpoints in one transaction; the run file must already be in place.
    func commit(_ run: RunRecord, checkpoints: [CheckpointRecord]) throws {
        try database.queue.write { db in
            var run = run
            run.id = nil
            try run.insert(db)
            for var checkpoint in checkpoints {
                checkpoint.id = nil
                checkpoint.runId = run.id!
                try checkpoint.insert(db)
            }
        }
    }

    /// Deletes run files and temporary files no row refers to: what an interrupted build
    /// left behind before its commit.
    func removeUnreferencedFiles() throws {
        let referenced = Set(try database.queue.read { try String.fetchAll($0, sql: "SELECT file FROM runs") })
        let runsFolder = folder.appendingPathComponent("runs")
        guard let enumerator = FileManager.default.enumerator(at: runsFolder, includingPropertiesForKeys: [.isRegularFileKey]) else { return }
        for case let file as URL in enumerator where (try? file.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
            let relative = String(file.path.dropFirst(folder.path.count + 1))
            if !referenced.contains(relative) { try FileManager.default.removeItem(at: file) }
        }
    }
}

/// A run's identity within a plan.
struct RunKey: Hashable {
    let task: String
    let index: Int
}
