import Foundation

/// The parts of an nnU-Net v2 `checkpoint_final.pth` that inference and export need.
public struct NNUNetCheckpoint: Equatable, Sendable {
    /// `network_weights` as stored, with every alias key (see `NNUNetStateDictAliases`).
    public var networkWeights: [NamedTensor]
    /// The trainer class, e.g. `nnUNetTrainer`; nnU-Net looks it up by name to build the network.
    public var trainerName: String
    /// The plans configuration the network was trained with, e.g. `2d`.
    public var configuration: String
    /// Epochs completed.
    public var currentEpoch: Int
    /// Axes along which test-time mirroring is allowed.
    public var mirroringAxes: [Int]

    /// A checkpoint holding `networkWeights` (pass the full alias set; see `NNUNetStateDictAliases.expand`).
    public init(networkWeights: [NamedTensor], trainerName: String = "nnUNetTrainer", configuration: String,
                currentEpoch: Int = 0, mirroringAxes: [Int]) {
        self.networkWeights = networkWeights
        self.trainerName = trainerName
        self.configuration = configuration
        self.currentEpoch = currentEpoch
        self.mirroringAxes = mirroringAxes
    }

    /// Reads a checkpoint written by nnU-Net's trainer (numpy scalars in its logs are decoded as numbers).
    public static func read(_ url: URL) throws -> NNUNetCheckpoint {
        let value = try TorchCheckpoint.read(url)
        return try attributing(to: url) { try NNUNetCheckpoint(value) }
    }

    /// Interprets a decoded checkpoint.
    public init(_ value: PickleValue) throws {
        guard case .dict(let dict) = value, case .dict(let weights)? = dict["network_weights"] else {
            throw FormatError(.malformed, "not an nnU-Net checkpoint: no network_weights dict")
        }
        networkWeights = try weights.namedTensors()
        guard let trainer = dict["trainer_name"]?.stringValue else {
            throw FormatError(.malformed, "nnU-Net checkpoint lacks trainer_name")
        }
        trainerName = trainer
        guard let configuration = dict["init_args"]?["configuration"]?.stringValue else {
            throw FormatError(.malformed, "nnU-Net checkpoint lacks init_args.configuration")
        }
        self.configuration = configuration
        currentEpoch = dict["current_epoch"]?.intValue ?? 0
        mirroringAxes = dict["inference_allowed_mirroring_axes"]?.elements?.compactMap(\.intValue) ?? []
    }

    /// The whole checkpoint dict as nnU-Net's trainer saves it, with an empty SGD optimizer
    /// state and empty logs; `plans` and `dataset` are the folder's JSON documents.
    func pickleValue(plans: JSONValue, dataset: JSONValue, fold: Int) -> PickleValue {
        let parameterCount = Set(networkWeights.map { ObjectIdentifier($0.tensor) }).count
        let parameterGroup = PickleValue.dict(PickleDict([
            "lr": .float(0.01), "momentum": .float(0.99), "dampening": .int(0), "weight_decay": .float(3e-5),
            "nesterov": .bool(true), "maximize": .bool(false), "foreach": .none, "differentiable": .bool(false),
            "fused": .none, "initial_lr": .float(0.01), "params": .list((0..<parameterCount).map { .int($0) }),
        ]))
        let logKeys = ["mean_fg_dice", "ema_fg_dice", "dice_per_class_or_region", "train_losses", "val_losses", "lrs",
                       "epoch_start_timestamps", "epoch_end_timestamps"]
        return .dict(PickleDict([
            "network_weights": .stateDict(networkWeights),
            "optimizer_state": .dict(PickleDict(["state": .dict(PickleDict()), "param_groups": .list([parameterGroup])])),
            "grad_scaler_state": .none,
            "logging": .dict(PickleDict(logKeys.map { PickleDictEntry(.string($0), .list([])) })),
            "_best_ema": .none,
            "current_epoch": .int(currentEpoch),
            "init_args": .dict(PickleDict([
                "plans": plans.pickleValue, "configuration": .string(configuration), "fold": .int(fold),
                "dataset_json": dataset.pickleValue, "device": .object(type: "torch.device", value: .string("cpu")),
            ])),
            "trainer_name": .string(trainerName),
            "inference_allowed_mirroring_axes": .tuple(mirroringAxes.map { .int($0) }),
        ]))
    }
}

extension JSONValue {
    /// The value as Python's `json.load` returns it (lists for arrays, dicts for objects).
    var pickleValue: PickleValue {
        switch self {
        case .null: return .none
        case .bool(let value): return .bool(value)
        case .int(let value): return .int(value)
        case .double(let value): return .float(value)
        case .string(let value): return .string(value)
        case .array(let items): return .list(items.map(\.pickleValue))
        case .object(let object): return .dict(PickleDict(object.members.map { PickleDictEntry(.string($0.key), $0.value.pickleValue) }))
        }
    }
}
