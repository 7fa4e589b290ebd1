import Foundation
import Formats
import NeuralNetwork
import Segmentation
import TensorEngine
import Zoo

/// What a saved generator is: its configuration, the U-Net architecture and tokenisation it
/// speaks, the normalisation, the tasks it knows with their metric ranges in the zoo, and how
/// far its training got. Stored as `generator.json` beside `generator.safetensors`.
public struct GeneratorDescription: Codable, Sendable {
    /// The version of this format a generator was saved in. 3: the configuration in typed parts.
    /// 2: prompts, path targets and the best metric are validation Dice, the configuration one flat
    /// list of options (read and migrated: `FlatGeneratorConfiguration`). 1 (unversioned) used test
    /// Dice; its generators are refused, since a model trained on test-case labels cannot be turned
    /// into one that was not.
    public var formatVersion = GeneratorDescription.currentFormatVersion
    public static let currentFormatVersion = 3
    /// The oldest format still read.
    public static let oldestReadableFormatVersion = 2
    public var configuration: GeneratorConfiguration
    public var architecture: PlainConvUNetConfiguration
    /// For a generator of a partial zoo: the base and the subset it generates (the layout's
    /// parameters); every other parameter is the base's. Nil for whole networks.
    public var partial: PartialNetwork?
    public var patchSize: [Int]
    /// Median voxel spacing (z, y, x) of the zoo's training cases, written into exported nnU-Net plans.
    public var spacing: [Double]
    public var tokenizer: ParameterTokenizer
    public var normalizer: ParameterNormalizer
    public var tasks: [String]
    /// Mean prompt metric of the zoo's initialisations, per task: the start prompt for a fresh one.
    public var initialMetric: [String: Double]
    /// Best prompt metric among the training runs' checkpoints, per task.
    public var bestMetric: [String: Double]
    public var zoo: String
    /// Runs per task used for training (nil: all).
    public var runsPerTask: Int?
    /// Run indices per task held out of training for the periodic evaluation.
    public var heldOutRuns: [Int]
    /// Per task, the zoo indices of the runs the generator learns from, recorded when training
    /// starts: a zoo grown later changes neither what a resumed training reads nor what the
    /// audit compares with. Nil in generators saved before it was recorded.
    public var trainingRuns: [String: [Int]]?
    /// The rows of the run embedding, in order (nil without one).
    public var learnedRuns: [LearnedRun]?
    public var seed: UInt64
    /// Training steps completed.
    public var step: Int
    /// Mean loss per logging interval.
    public var lossHistory: [Float]
    /// Losses of the steps after the last logged mean, when training stopped between two log steps
    /// (nil otherwise): a resumed run logs the same means as one that never stopped.
    public var unloggedLosses: [Float]?
    public var seconds: Double

    /// Rows of the run embedding (0 without one).
    public var runCount: Int { learnedRuns?.count ?? 0 }

    /// The zoo runs the generator learned for `task`: the recorded ones, or, for a generator
    /// saved before they were recorded, those its configuration selects from `zoo` now.
    public func learnedRunRecords(task: String, zoo: Zoo) throws -> [RunRecord] {
        if let indices = trainingRuns?[task] { return try RunPool.recordedRuns(zoo: zoo, task: task, indices: indices) }
        let data = configuration.data
        return try RunPool.trainingRuns(zoo: zoo, task: task, runsPerTask: data.runsPerTask, selection: data.runSelection,
                                        metric: data.metric, excluding: Set(heldOutRuns))
    }
}

/// A zoo run a generator with a run embedding learned from: one row of the embedding.
public struct LearnedRun: Codable, Sendable, Equatable {
    /// Index into the generator's tasks.
    public var task: Int
    /// The run's index in its task in the zoo.
    public var runIndex: Int
    /// `InitialisationFingerprint` of the run's initialisation.
    public var initialisationFingerprint: UInt64
    /// Best prompt metric on the run's path: its checkpoints and path networks.
    public var bestMetric: Double
}

/// Reads and writes a generator folder. The weights file is written atomically and carries the
/// description in its metadata, so it alone is a consistent training state even when a kill lands
/// between the two files; `generator.json` is its readable copy, written after it.
enum GeneratorStore {
    static let descriptionFile = "generator.json", weightsFile = "generator.safetensors"

    static func write(_ description: GeneratorDescription, model: GeneratorModel, ema: ExponentialMovingAverage,
                      optimizer: Adam, to folder: URL) throws {
        var tensors: [NamedTensor] = []
        for (name, tensor) in model.namedParameters() {
            tensors.append(NamedTensor("model.\(name)", try StoredTensor(tensor)))
            if let shadow = ema.shadow[name] { tensors.append(NamedTensor("ema.\(name)", try StoredTensor(shadow))) }
            if let m = optimizer.firstMoments[name] { tensors.append(NamedTensor("adam.m.\(name)", try StoredTensor(m))) }
            if let v = optimizer.secondMoments[name] { tensors.append(NamedTensor("adam.v.\(name)", try StoredTensor(v))) }
        }
        try DescribedWeights.write(tensors, description: description, format: "weightgen-generator", weightsFile: weightsFile,
                                   descriptionFile: descriptionFile, in: folder)
    }

    static func readDescription(_ folder: URL) throws -> GeneratorDescription {
        let (data, path) = try DescribedWeights.readDescription(descriptionFile, in: folder, kind: "generator")
        return try decodeDescription(data, path: path)
    }

    /// What training resumes from: the description and tensors of the weights file (the description
    /// from `generator.json` for folders written before the weights file carried it).
    static func readTrainingState(_ folder: URL) throws -> (description: GeneratorDescription, tensors: SafeTensorsFile) {
        let url = folder.appendingPathComponent(weightsFile)
        let file = try SafeTensors.read(url)
        guard let json = file.metadata[DescribedWeights.descriptionKey] else { return (try readDescription(folder), file) }
        return (try decodeDescription(Data(json.utf8), path: url.path), file)
    }

    private static func decodeDescription(_ data: Data, path: String) throws -> GeneratorDescription {
        struct Version: Decodable { var formatVersion: Int? }
        let version = (try? JSONDecoder().decode(Version.self, from: data))?.formatVersion ?? 1
        guard (GeneratorDescription.oldestReadableFormatVersion...GeneratorDescription.currentFormatVersion).contains(version) else {
            throw GeneratorError.corrupt(path: path, reason: version < GeneratorDescription.oldestReadableFormatVersion
                ? "a generator of format \(version), prompted and trained with test-case Dice; retrain it (weightgen generator train) "
                    + "so that no test case reaches training"
                : "a generator of format \(version), newer than this weightgen (\(GeneratorDescription.currentFormatVersion))")
        }
        let decoder = JSONDecoder()
        decoder.userInfo[.generatorFormatVersion] = version
        do {
            var description = try decoder.decode(GeneratorDescription.self, from: data)
            description.formatVersion = GeneratorDescription.currentFormatVersion
            return description
        } catch {
            throw GeneratorError.corrupt(path: path, reason: "unreadable generator description (format \(version)): \(error)")
        }
    }

    /// The stored tensors of the folder's weights file under `prefix` ("model.", "ema.", "adam.m.", "adam.v."), keyed by parameter name.
    static func readTensors(_ folder: URL, prefix: String) throws -> [String: Tensor] {
        try tensors(in: try SafeTensors.read(folder.appendingPathComponent(weightsFile)), prefix: prefix)
    }

    /// The tensors of `file` under `prefix`, keyed by parameter name.
    static func tensors(in file: SafeTensorsFile, prefix: String) throws -> [String: Tensor] {
        var result: [String: Tensor] = [:]
        for named in file.tensors where named.name.hasPrefix(prefix) {
            result[String(named.name.dropFirst(prefix.count))] = try named.tensor.makeTensor()
        }
        return result
    }
}
