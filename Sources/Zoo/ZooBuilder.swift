import Foundation
import Formats
import Segmentation
import TensorEngine

/// Progress of a zoo build, reported after every committed run.
public struct ZooBuildProgress: Sendable {
    /// Runs of this zoo's part of the plan recorded so far (done or failed), including earlier invocations.
    public let runsRecorded: Int
    public let runsPlanned: Int
    public let runsFailed: Int
    /// Checkpoints saved per second in this invocation.
    public let checkpointsPerSecond: Double
    /// Estimated seconds until the plan is complete.
    public let secondsRemaining: Double
    /// The run just recorded and its last checkpoint's test Dice.
    public let task: String
    public let runIndex: Int
    public let finalTestDice: Double?
    /// The last checkpoint's validation cases with foreground that it predicts nothing on; a
    /// collapsed run stays in the zoo with its Dice as measured.
    public let finalEmptyPredictions: EmptyPredictions?
    public let failure: String?
}

/// What one invocation of the builder did.
public struct ZooBuildSummary: Sendable {
    public let runsTrained: Int
    public let runsFailed: Int
    public let checkpointsSaved: Int
    public let seconds: Double
}

/// Trains the runs of a zoo's plan that are not yet recorded, several at once (one per
/// worker, each single-threaded: small U-Nets use cores better side by side than split).
public final class ZooBuilder {
    public let zoo: Zoo
    public let workers: Int
    /// Parameters beyond this magnitude mark a run as diverged.
    public static let divergenceLimit: Float = 10

    public init(zoo: Zoo, workers: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.zoo = zoo
        self.workers = max(1, workers)
    }

    /// Builds what is missing — of `tasks` alone when given, so a grown zoo can fill some tasks
    /// first — and returns what this invocation did. Safe to interrupt at any moment: a run is
    /// recorded only after its file is complete, and an interrupted run is retrained from scratch
    /// next time (with the same seed, so to the same result).
    public func build(tasks: Set<String>? = nil, progress: (ZooBuildProgress) -> Void = { _ in }) throws -> ZooBuildSummary {
        let plan = zoo.plan
        if let unknown = tasks?.subtracting(plan.tasks), !unknown.isEmpty {
            throw ZooError.invalidPlan("the zoo at \(zoo.folder.path) has tasks \(plan.tasks.joined(separator: ", ")), not \(unknown.sorted().joined(separator: ", "))")
        }
        try zoo.removeUnreferencedFiles()
        let planned = plan.runs(in: zoo.shard)
        let recorded = try zoo.recordedRuns()
        let missing = planned.filter { !recorded.contains(RunKey(task: $0.task, index: $0.index)) }
        let pending = missing.filter { tasks?.contains($0.task) != false }
        var failedSoFar = try zoo.runs(status: .failed).count
        guard !pending.isEmpty else { return ZooBuildSummary(runsTrained: 0, runsFailed: 0, checkpointsSaved: 0, seconds: 0) }

        let data = try Dictionary(uniqueKeysWithValues: Set(pending.map(\.task)).map { ($0, try TaskData(zoo: zoo, task: $0)) })
        let configuration = try data.values.first!.architecture(of: plan)
        let assembly = try NetworkAssembly(architecture: configuration, partial: plan.partial)
        let architectureID = try zoo.architectureID(for: configuration, name: plan.architectureName, layout: assembly.layout)

        // A head zoo's pools are computed before any run is timed.
        for task in data.values { _ = try task.headInputPool?.pool() }

        // Progress is reported under a lock, so the callback sees one run at a time.
        let lock = NSLock()
        var trained = 0, failed = 0, saved = 0
        let start = Date()
        _ = try parallelMap(pending.count, workers: workers) { index in
            let specification = pending[index]
            let outcome = try train(specification, data: data[specification.task]!, assembly: assembly, architectureID: architectureID)
            lock.lock()
            defer { lock.unlock() }
            trained += 1
            saved += outcome.checkpoints
            if outcome.failure != nil { failed += 1; failedSoFar += 1 }
            let elapsed = Date().timeIntervalSince(start)
            let rate = Double(trained) / max(elapsed, 1e-9)
            progress(ZooBuildProgress(
                runsRecorded: planned.count - missing.count + trained, runsPlanned: planned.count,
                runsFailed: failedSoFar, checkpointsPerSecond: Double(saved) / max(elapsed, 1e-9),
                secondsRemaining: Double(pending.count - trained) / max(rate, 1e-9), task: specification.task,
                runIndex: specification.index, finalTestDice: outcome.finalTestDice,
                finalEmptyPredictions: outcome.finalEmptyPredictions, failure: outcome.failure))
        }
        return ZooBuildSummary(runsTrained: trained, runsFailed: failed, checkpointsSaved: saved,
                               seconds: Date().timeIntervalSince(start))
    }

    /// Trains one run (on its task's head input pool when there is one), writes its file and records it.
    private func train(_ specification: RunSpecification, data: TaskData, assembly: NetworkAssembly, architectureID: Int64) throws
        -> (checkpoints: Int, finalTestDice: Double?, finalEmptyPredictions: EmptyPredictions?, failure: String?) {
        let hyperparameters = specification.hyperparameters
        let layout = assembly.layout
        let network = try assembly.initialNetwork(seed: specification.seed)
        var saved: [CheckpointParameters] = [], metrics: [CheckpointMetrics] = [], rates: [Double] = []
        var failure: String?
        var finalEmptyPredictions: EmptyPredictions?
        let finalIteration = specification.checkpointIterations.max()
        let start = Date()
        do {
            try data.train(network, hyperparameters: hyperparameters, patchSize: zoo.plan.patchSize, seed: specification.seed,
                           snapshotIterations: Set(specification.checkpointIterations)) { snapshot in
                let values = try layout.flatten(snapshot.network)
                if let problem = Self.divergence(values) { throw RunDiverged(iteration: snapshot.iteration, reason: problem) }
                metrics.append(try data.evaluator.evaluate(snapshot.network))
                if snapshot.iteration == finalIteration {
                    finalEmptyPredictions = try data.evaluator.validationEmptyPredictions(snapshot.network)
                }
                saved.append(CheckpointParameters(iteration: snapshot.iteration, values: values,
                                                  optimizerState: try optimizerState(snapshot, layout: layout)))
                rates.append(Double(snapshot.learningRate))
            }
        } catch let error as TrainingError {
            failure = error.description
        } catch let error as RunDiverged {
            failure = error.description
        }
        let file = String(format: "runs/%@/run-%05d.safetensors", specification.task, specification.index)
        let url = zoo.url(ofRunFile: file)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let sums = try RunFile.write(saved, metadata: ["format": "weightgen-zoo-run", "task": specification.task,
                                                       "run": String(specification.index)], to: url)
        let run = RunRecord(
            id: nil, taskId: data.taskID, architectureId: architectureID, runIndex: specification.index,
            seed: Int64(bitPattern: specification.seed), optimizer: hyperparameters.optimizer.rawValue,
            learningRate: hyperparameters.learningRate, batchSize: hyperparameters.batchSize,
            weightDecay: hyperparameters.weightDecay, augmentationStrength: data.headInputPool == nil ? hyperparameters.augmentationStrength : 1,
            iterations: hyperparameters.iterations, status: failure == nil ? .done : .failed, failure: failure, file: file,
            seconds: Date().timeIntervalSince(start), source: .trained)
        let checkpoints = zip(saved.indices, saved).map { position, checkpoint in
            CheckpointRecord(id: nil, runId: 0, iteration: checkpoint.iteration, tensorName: RunFile.tensorName(iteration: checkpoint.iteration),
                             byteCount: sums[position].bytes, crc32: Int64(sums[position].crc32), learningRate: rates[position],
                             metrics: metrics[position], optimizerStateCRC32: sums[position].optimizerStateCRC32)
        }
        try zoo.commit(run, checkpoints: checkpoints)
        return (checkpoints.count, metrics.last?.testDice, finalEmptyPredictions, failure)
    }

    /// The snapshot's optimiser state in `layout`, where the plan keeps it.
    private func optimizerState(_ snapshot: TrainingSnapshot, layout: ParameterLayout) throws -> FlatOptimizerState? {
        switch zoo.plan.checkpointContent {
        case .parameters:
            return nil
        case .parametersAndOptimizerState:
            let moments = snapshot.optimizer.moments()
            return FlatOptimizerState(first: try layout.flatten(moments.first), second: try moments.second.map { try layout.flatten($0) })
        }
    }

    /// Why a parameter vector counts as diverged, or nil.
    static func divergence(_ values: [Float]) -> String? {
        var largest: Float = 0
        for value in values {
            guard value.isFinite else { return "non-finite parameter" }
            largest = max(largest, abs(value))
        }
        return largest > divergenceLimit ? "parameter magnitude \(largest) exceeds \(divergenceLimit)" : nil
    }
}

/// A run stopped because its parameters left the sane range.
struct RunDiverged: Error, CustomStringConvertible {
    let iteration: Int
    let reason: String
    var description: String { "diverged at iteration \(iteration): \(reason)" }
}

extension CheckpointRecord {
    init(id: Int64?, runId: Int64, iteration: Int, tensorName: String, byteCount: Int, crc32: Int64, learningRate: Double,
         metrics: CheckpointMetrics, optimizerStateCRC32: UInt32? = nil) {
        self.init(id: id, runId: runId, iteration: iteration, tensorName: tensorName, byteCount: byteCount, crc32: crc32,
                  learningRate: learningRate, trainLoss: metrics.trainLoss, validationLoss: metrics.validationLoss,
                  validationDice: metrics.validationDice, testLoss: metrics.testLoss, testDice: metrics.testDice,
                  optimizerStateCrc32: optimizerStateCRC32.map(Int64.init))
    }
}
