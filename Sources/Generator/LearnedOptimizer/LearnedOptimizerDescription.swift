import Foundation
import Formats
import Segmentation
import TensorEngine
import Zoo

/// What a saved learned optimiser is: its configuration, the networks it updates, the units it
/// reads them in, the zoo runs it was distilled from and how far its training got. Stored as
/// `optimizer.json` beside `optimizer.safetensors`.
public struct LearnedOptimizerDescription: Codable, Sendable {
    /// 9: may record meta-training by evolution strategies (`evolved`).
    /// 8: the configuration names the moves it was distilled from (`distilledMoves`); earlier
    /// files were distilled from every checkpoint.
    /// 7: may record training through unrolled calls (`unrolled`).
    /// 6: a history may add Adam's step to the rule's output (`GradientHistory.adamStep`);
    /// distillation learns only the parameters the network's output depends on, `moveScale` over
    /// them (a generation leaves the others as they are, whatever the version).
    /// 5: the configuration names its rule's scope; version 4 files read the parameter alone.
    /// 4: the configuration names its gradient history; version 3 files read none.
    /// 3: the configuration names its move unit and call gradient; version 2 files divided by
    /// the current rate and read whole cases.
    /// 2: one learning rate per task (`learningRates`); version 1 files had one for all tasks and are read as such.
    public var formatVersion = 9
    public var configuration: LearnedOptimizerConfiguration
    public var architecture: PlainConvUNetConfiguration
    /// For a partial zoo: the base and the subset the optimiser updates. Nil for whole networks.
    public var partial: PartialNetwork?
    public var patchSize: [Int]
    /// Median voxel spacing (z, y, x) of the zoo's training cases, written into exported nnU-Net plans.
    public var spacing: [Double]
    public var normalizer: ParameterNormalizer
    public var tasks: [String]
    public var zoo: String
    /// Run indices per task left out of distillation.
    public var heldOutRuns: [Int]
    /// Per task, the zoo indices of the runs distilled, in order: a zoo grown later does not
    /// change what the audit compares with. Nil in optimisers saved before it was recorded.
    public var distilledRuns: [String: [Int]]?
    /// RMS of the distilled moves per unit learning rate in normalised units, over the parameters
    /// the rule moves (since format 6; before, over all): the rule's moves are in these units.
    public var moveScale: Float
    /// The learning rate a call moves at, per task in `tasks` order, each chosen after training
    /// on that task's validation cases.
    public var learningRates: [Float]
    /// Distillation examples (checkpoint pairs) and training steps completed.
    public var examples: Int
    public var step: Int
    /// Mean loss per logging interval.
    public var lossHistory: [Float]
    /// The trained rule's relative error over every parameter it learns of every distillation
    /// example (`LearnedOptimizerTrainer.distillationError`; before format 6 over every
    /// parameter, which the moves the output does not depend on dominated); nil in optimisers
    /// saved before it was measured.
    public var distillationError: Float?
    /// The same over the examples of its validation runs, which it never learned from; nil without them.
    public var validationError: Float?
    /// What training through unrolled calls did; nil for a rule not trained through them.
    public var unrolled: UnrolledTrainingRecord?
    /// What meta-training by evolution strategies did; nil for a rule not evolved.
    public var evolved: EvolutionRecord?
    public var seconds: Double
}

/// Reads and writes a learned optimiser folder: the weights file (written atomically, the
/// description in its metadata), then `optimizer.json`, its readable copy.
enum LearnedOptimizerStore {
    static let descriptionFile = "optimizer.json", weightsFile = "optimizer.safetensors"

    static func write(_ description: LearnedOptimizerDescription, network: any UpdateRule, to folder: URL) throws {
        let tensors = try network.namedParameters().map { NamedTensor($0.name, try StoredTensor($0.tensor)) }
        try DescribedWeights.write(tensors, description: description, format: "weightgen-learned-optimizer", weightsFile: weightsFile,
                                   descriptionFile: descriptionFile, in: folder)
    }

    static func readDescription(_ folder: URL) throws -> LearnedOptimizerDescription {
        let (data, path) = try DescribedWeights.readDescription(descriptionFile, in: folder, kind: "learned optimiser")
        do {
            return try JSONDecoder().decode(LearnedOptimizerDescription.self, from: try migrated(data))
        } catch {
            throw GeneratorError.corrupt(path: path, reason: "unreadable learned optimiser description: \(error)")
        }
    }

    /// An earlier description as version 3: version 1's one `learningRate` becomes that rate for
    /// each task; before version 3 every move was per unit of the current rate and every
    /// gradient on whole cases.
    static func migrated(_ data: Data) throws -> Data {
        guard var object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else { return data }
        let version = object["formatVersion"] as? Int ?? 1
        guard version < 3 else { return data }
        if version < 2, let rate = object["learningRate"] as? Double, let tasks = object["tasks"] as? [Any] {
            object["learningRates"] = [Double](repeating: rate, count: tasks.count)
            object["learningRate"] = nil
        }
        if var configuration = object["configuration"] as? [String: Any] {
            configuration["moveUnit"] = MoveUnit.currentRate.rawValue
            configuration["gradient"] = CallGradient.wholeCases.description
            object["configuration"] = configuration
        }
        object["formatVersion"] = 3
        return try JSONSerialization.data(withJSONObject: object)
    }

    static func readTensors(_ folder: URL) throws -> [String: Tensor] {
        var result: [String: Tensor] = [:]
        for named in try SafeTensors.read(folder.appendingPathComponent(weightsFile)).tensors {
            result[named.name] = try named.tensor.makeTensor()
        }
        return result
    }
}
