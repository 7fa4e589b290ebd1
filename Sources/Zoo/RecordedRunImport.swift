import Formats
import Foundation
import GRDB
import Segmentation

/// Where the selection metrics of an imported nnU-Net recording come from. Test metrics are
/// always measured by weightgen on the zoo's sealed test cases, never taken from a recording.
public enum RecordedMetricSource: String, CaseIterable, Sendable {
    /// Training loss, validation loss and validation Dice measured on the zoo's own cases, as
    /// for the zoo's trained runs (comparable across runs).
    case measured
    /// Training loss, validation loss and pseudo-Dice as nnU-Net logged them on its own
    /// validation split; the initial weights, which nnU-Net never scores, are measured.
    case recorded
}

extension Zoo {
    /// Imports each recording in `runs` as one run of `task` with all its checkpoints, in
    /// iteration order. Every recording is checked first — manifest, each listed file's size
    /// and CRC-32, the parameters against the zoo's architecture, and that nnU-Net neither
    /// trained nor validated on a zoo test case — so bad input writes nothing. Each run is
    /// then committed in its own transaction.
    @discardableResult
    public func importRecordedRuns(_ runs: [NNUNetRecordedRun], task: String, metrics source: RecordedMetricSource = .measured,
                                   progress: (String) -> Void = { _ in }) throws -> [RunRecord] {
        guard plan.partial == nil else { throw ZooError.incompatible("\(folder.path) is a partial zoo; recorded runs import into whole-network zoos") }
        let data = try TaskData(zoo: self, task: task)
        let configuration = try data.architecture(of: plan)
        let layout = ParameterLayout(try PlainConvUNet(configuration, seed: 0))
        let testCases = Set(try cases(task: task, role: "test"))
        for run in runs {
            try check(run, layout: layout, testCases: testCases)
        }
        try refuseDuplicates(runs, layout: layout, taskID: data.taskID)
        let architectureID = try architectureID(for: configuration, name: plan.architectureName, layout: layout)
        var imported: [RunRecord] = []
        for run in runs {
            let index = try nextImportIndex(taskID: data.taskID)
            let file = String(format: "runs/%@/recorded-%05d.safetensors", task, index)
            var parameters: [CheckpointParameters] = [], records: [CheckpointRecord] = []
            for checkpoint in run.manifest.checkpoints {
                let path = run.folder.appendingPathComponent(checkpoint.file).path
                let values = try layout.flatten(stateDict: try run.weights(of: checkpoint), source: path)
                let network = try PlainConvUNet(configuration, seed: 0)
                try network.loadStateDict(try layout.stateDict(values))
                let measured = try data.evaluator.evaluate(network)
                parameters.append(CheckpointParameters(iteration: checkpoint.iteration, values: values))
                records.append(CheckpointRecord(id: nil, runId: 0, iteration: checkpoint.iteration,
                                                tensorName: RunFile.tensorName(iteration: checkpoint.iteration), byteCount: 0, crc32: 0,
                                                learningRate: checkpoint.learningRate ?? 0,
                                                metrics: source == .recorded ? measured.keepingRecorded(checkpoint) : measured))
                progress(String(format: "%@ epoch %d (iteration %d): validation Dice %.4f, test Dice %.4f", run.folder.path,
                                checkpoint.epoch, checkpoint.iteration, records.last!.validationDice, records.last!.testDice))
            }
            let destination = url(ofRunFile: file)
            try FileManager.default.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
            let sums = try RunFile.write(parameters, metadata: ["format": "weightgen-zoo-run", "task": task, "source": "recorded",
                                                                "recording": run.folder.path], to: destination)
            for position in records.indices {
                records[position].byteCount = sums[position].bytes
                records[position].crc32 = Int64(sums[position].crc32)
            }
            let hyperparameters = run.manifest.hyperparameters
            let record = RunRecord(id: nil, taskId: data.taskID, architectureId: architectureID, runIndex: index, seed: run.manifest.seed,
                                   optimizer: hyperparameters.optimizer.hasPrefix("sgd") ? TrainingConfiguration.OptimizerKind.sgd.rawValue
                                       : hyperparameters.optimizer,
                                   learningRate: hyperparameters.initialLr, batchSize: hyperparameters.batchSize,
                                   weightDecay: hyperparameters.weightDecay, augmentationStrength: 1,
                                   iterations: run.manifest.checkpoints.last!.iteration, status: .done, failure: nil, file: file,
                                   seconds: 0, source: .recorded)
            try commit(record, checkpoints: records)
            imported.append(try self.runs(task: task).first { $0.runIndex == index }!)
        }
        return imported
    }

    /// Throws, naming the file and the problem, when `run` cannot become a zoo run.
    private func check(_ run: NNUNetRecordedRun, layout: ParameterLayout, testCases: Set<String>) throws {
        let manifest = run.folder.appendingPathComponent(NNUNetRecordedRun.manifestName).path
        guard run.manifest.parameters == ["*"] else {
            throw ZooError.incompatible("\(manifest) records only the parameters \(run.manifest.parameters); a zoo run needs the whole network")
        }
        let seen = testCases.intersection(run.manifest.trainingCases + run.manifest.validationCases).sorted()
        guard seen.isEmpty else {
            throw ZooError.incompatible("\(manifest): nnU-Net trained or validated on the zoo's test cases \(seen.prefix(6).joined(separator: ", "))"
                                        + "\(seen.count > 6 ? " and \(seen.count - 6) more" : ""); test cases must stay unseen "
                                        + "(write the zoo's split to nnU-Net's splits_final.json before training)")
        }
        for checkpoint in run.manifest.checkpoints {
            _ = try layout.flatten(stateDict: try run.weights(of: checkpoint), source: run.folder.appendingPathComponent(checkpoint.file).path)
        }
    }

    /// Throws when a recording's final checkpoint is already in the task (the same recording imported
    /// before) or when two of `runs` end in the same network (one recording given twice).
    private func refuseDuplicates(_ runs: [NNUNetRecordedRun], layout: ParameterLayout, taskID: Int64) throws {
        struct Final: Hashable { var iteration: Int, crc32: Int64 }
        var held = Set(try database.queue.read { db in
            try Row.fetchAll(db, sql: "SELECT c.iteration, c.crc32 FROM checkpoints c JOIN runs r ON r.id = c.run_id WHERE r.task_id = ?",
                             arguments: [taskID]).map { Final(iteration: $0[0], crc32: $0[1]) }
        })
        for run in runs {
            guard let last = run.manifest.checkpoints.last else { continue }
            let path = run.folder.appendingPathComponent(last.file).path
            let values = try layout.flatten(stateDict: try run.weights(of: last), source: path)
            let final = Final(iteration: last.iteration,
                              crc32: Int64(RunFile.checksum(try StoredTensor(float32: values, shape: [values.count]).bytes)))
            guard held.insert(final).inserted else {
                throw ZooError.incompatible("\(path): this network (iteration \(last.iteration)) is already in the zoo's task or given "
                                            + "twice; the recording in \(run.folder.path) was imported before")
            }
        }
    }

    /// The index of the next run brought in from outside: after the plan's runs and every recorded one.
    func nextImportIndex(taskID: Int64) throws -> Int {
        try database.queue.read {
            max(plan.runsPerTask, (try Int.fetchOne($0, sql: "SELECT MAX(run_index) FROM runs WHERE task_id = ?", arguments: [taskID]) ?? -1) + 1)
        }
    }
}

extension CheckpointMetrics {
    /// These metrics with the training loss, validation loss and validation Dice nnU-Net logged for `checkpoint`, where it logged them.
    func keepingRecorded(_ checkpoint: NNUNetRecordedRun.Checkpoint) -> CheckpointMetrics {
        var metrics = self
        metrics.trainLoss = checkpoint.trainLoss ?? trainLoss
        metrics.validationLoss = checkpoint.validationLoss ?? validationLoss
        metrics.validationDice = checkpoint.pseudoDice ?? validationDice
        return metrics
    }
}
