import Foundation
import Formats
import GRDB
import Segmentation
import TensorEngine

/// A model brought into a zoo from outside: a weightgen checkpoint folder, an nnU-Net model
/// folder (one fold), or an nnU-Net `.pth` checkpoint whose weights fit the zoo's architecture.
public struct ImportedModel {
    public let network: PlainConvUNet
    /// Training iteration (nnU-Net: the epoch) of the weights, when known.
    public let iteration: Int
    public let name: String
    /// Where the model was read from.
    public let url: URL

    /// Loads `url`; `fold` picks an nnU-Net folder's fold.
    public init(_ url: URL, fold: Int = 0, zoo: Zoo) throws {
        self.url = url
        if url.pathExtension == "pth" {
            let checkpoint = try NNUNetCheckpoint.read(url)
            let configuration = try TaskData.planArchitecture(of: zoo)
            network = try PlainConvUNet(configuration, seed: 0)
            var state: [String: Tensor] = [:]
            for named in try NNUNetStateDictAliases.collapse(checkpoint.networkWeights) { state[named.name] = try named.tensor.makeTensor() }
            do { try network.loadStateDict(state) } catch {
                throw ZooError.incompatible("\(url.path): its weights do not fit the zoo's \(zoo.plan.architectureName) architecture: \(error)")
            }
            iteration = checkpoint.currentEpoch
            name = zoo.plan.architectureName
        } else {
            switch try TrainedModel.open(url) {
            case let .weightgen(network, description):
                self.network = network
                iteration = description.iteration
            case .nnUNet:
                let model = try NNUNetModel(url: url, fold: fold)
                network = model.network
                iteration = try model.folder.checkpoint(fold: fold).currentEpoch
            }
            let configuration = network.configuration
            let features = configuration.featuresPerStage.map(String.init).joined(separator: "-")
            let preset = UNetPreset.allCases.first {
                $0.configuration(spatialRank: configuration.spatialRank, inputChannels: configuration.inputChannels,
                                 numClasses: configuration.numClasses) == configuration
            }
            name = preset.map { UNetPreset.architectureName($0, spatialRank: configuration.spatialRank) } ?? "imported-\(features)"
        }
    }
}

extension Zoo {
    /// Adds `model` to `task` as a one-checkpoint run. Metrics in `given` are recorded as
    /// stated; the others are measured on the zoo's own training-loss, validation and test cases.
    /// A partial zoo takes models made on its base: their parameters outside the subset must
    /// be the base's (checked before anything is written), and only the subset is stored.
    @discardableResult
    public func importModel(_ model: ImportedModel, task: String, given: [String: Double] = [:]) throws -> RunRecord {
        let taskID = try self.task(named: task).id
        let (network, layout) = try checkedImport(model)
        let architectureID = try architectureID(for: network.configuration, name: plan.partial == nil ? model.name : plan.architectureName,
                                                layout: layout)
        var metrics = CheckpointMetrics(trainLoss: .nan, validationLoss: .nan, validationDice: .nan, testLoss: .nan, testDice: .nan)
        let known = ["train_loss", "validation_loss", "validation_dice", "test_loss", "test_dice"]
        if let unknown = given.keys.first(where: { !known.contains($0) }) {
            throw ZooError.invalidPlan("unknown metric \(unknown); known: \(known.joined(separator: ", "))")
        }
        if given.count < known.count {
            let evaluator = try TaskData(zoo: self, task: task).evaluator
            metrics = try evaluator.evaluate(network)
        }
        metrics.trainLoss = given["train_loss"] ?? metrics.trainLoss
        metrics.validationLoss = given["validation_loss"] ?? metrics.validationLoss
        metrics.validationDice = given["validation_dice"] ?? metrics.validationDice
        metrics.testLoss = given["test_loss"] ?? metrics.testLoss
        metrics.testDice = given["test_dice"] ?? metrics.testDice

        let index = try nextImportIndex(taskID: taskID)
        let file = String(format: "runs/%@/import-%05d.safetensors", task, index)
        let destination = url(ofRunFile: file)
        try FileManager.default.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
        let sums = try RunFile.write([CheckpointParameters(iteration: model.iteration, values: try layout.flatten(network))],
                                     metadata: ["format": "weightgen-zoo-run", "task": task, "source": "imported"], to: destination)
        let run = RunRecord(id: nil, taskId: taskID, architectureId: architectureID, runIndex: index, seed: 0, optimizer: "unknown",
                            learningRate: 0, batchSize: 0, weightDecay: 0, augmentationStrength: 0, iterations: model.iteration,
                            status: .done, failure: nil, file: file, seconds: 0, source: .imported)
        let checkpoint = CheckpointRecord(id: nil, runId: 0, iteration: model.iteration, tensorName: RunFile.tensorName(iteration: model.iteration),
                                          byteCount: sums[0].bytes, crc32: Int64(sums[0].crc32), learningRate: 0, metrics: metrics)
        try commit(run, checkpoints: [checkpoint])
        return try runs(task: task).first { $0.runIndex == index }!
    }

    /// The network an imported model is measured as and the layout it is stored in: the model
    /// itself in a whole-network zoo; in a partial zoo, the model checked against the base
    /// (throws, naming the file and the parameters outside the subset that differ) and
    /// assembled from its subset, so its frozen part is marked and cached head inputs serve
    /// its evaluation. Writes nothing.
    public func checkedImport(_ model: ImportedModel) throws -> (network: PlainConvUNet, layout: ParameterLayout) {
        guard let partial = plan.partial else { return (model.network, ParameterLayout(model.network)) }
        let assembly = try NetworkAssembly(architecture: partial.architecture, partial: partial)
        try assembly.checkFits(model.network, source: model.url.path)
        return (try assembly.network(assembly.layout.flatten(model.network)), assembly.layout)
    }
}
