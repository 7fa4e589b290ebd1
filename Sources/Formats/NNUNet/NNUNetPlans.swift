import Foundation

/// nnU-Net v2's `plans.json`: preprocessing and network configurations of a dataset.
public struct NNUNetPlans: Equatable, Sendable {
    /// The whole document, written back unchanged.
    public var json: JSONObject
    /// e.g. `Dataset501_SCTCord`.
    public var datasetName: String
    /// e.g. `nnUNetPlans`.
    public var plansName: String
    /// Axis permutation applied to images before the network, and its inverse.
    public var transposeForward: [Int], transposeBackward: [Int]
    /// Names of the configurations (`2d`, `3d_fullres`, ...).
    public var configurationNames: [String]

    /// Reads `plans.json`.
    public static func read(_ url: URL) throws -> NNUNetPlans {
        let document = try JSONFile.read(url)
        return try attributing(to: url) { try NNUNetPlans(json: document) }
    }

    /// Interprets a parsed plans document.
    public init(json document: JSONValue) throws {
        guard case .object(let json) = document else { throw FormatError(.malformed, "plans are not a JSON object") }
        self.json = json
        datasetName = try JSONFile.field(json, "dataset_name", "plans", { $0.stringValue })
        plansName = try JSONFile.field(json, "plans_name", "plans", { $0.stringValue })
        transposeForward = try JSONFile.field(json, "transpose_forward", "plans", JSONFile.ints)
        transposeBackward = try JSONFile.field(json, "transpose_backward", "plans", JSONFile.ints)
        configurationNames = try JSONFile.field(json, "configurations", "plans", { $0.objectValue }).keys
    }

    /// The configuration `name` with `inherits_from` resolved: the parent's keys, overridden by the child's.
    public func configuration(_ name: String) throws -> NNUNetConfiguration {
        try NNUNetConfiguration(name: name, json: resolved(name, depth: 0))
    }

    private func resolved(_ name: String, depth: Int) throws -> JSONObject {
        guard depth < 16 else { throw FormatError(.malformed, "configuration \(name) inherits in a cycle") }
        guard let configuration = json["configurations"]?[name]?.objectValue else {
            throw FormatError(.malformed, "plans have no configuration \"\(name)\" (they have \(configurationNames))")
        }
        guard let parentName = configuration["inherits_from"]?.stringValue else { return configuration }
        var merged = try resolved(parentName, depth: depth + 1)
        for (key, value) in configuration.members where key != "inherits_from" { merged[key] = value }
        return merged
    }
}

/// One resolved configuration of nnU-Net plans.
public struct NNUNetConfiguration: Equatable, Sendable {
    /// e.g. `2d`.
    public var name: String
    /// All keys after inheritance.
    public var json: JSONObject
    /// Network input size per spatial axis.
    public var patchSize: [Int]
    /// Target voxel spacing per spatial axis.
    public var spacing: [Double]
    /// Training batch size.
    public var batchSize: Int
    /// Intensity normalisation per input channel, e.g. `ZScoreNormalization`.
    public var normalizationSchemes: [String]
    /// The network.
    public var architecture: NNUNetArchitecture

    init(name: String, json: JSONObject) throws {
        let context = "configuration \(name)"
        self.name = name
        self.json = json
        patchSize = try JSONFile.field(json, "patch_size", context, JSONFile.ints)
        spacing = try JSONFile.field(json, "spacing", context, JSONFile.doubles)
        batchSize = try JSONFile.field(json, "batch_size", context, { $0.intValue })
        normalizationSchemes = try JSONFile.field(json, "normalization_schemes", context, JSONFile.strings)
        guard let architecture = json["architecture"]?.objectValue else {
            throw FormatError(.unsupported, "\(context) has no \"architecture\" (plans older than nnU-Net 2.4 are not read)")
        }
        self.architecture = try NNUNetArchitecture(json: architecture, context: context)
    }
}

/// The `architecture` of a configuration: the network class and its constructor arguments.
public struct NNUNetArchitecture: Equatable, Sendable {
    /// e.g. `dynamic_network_architectures.architectures.unet.PlainConvUNet`.
    public var networkClassName: String
    /// All constructor arguments.
    public var arguments: JSONObject
    /// Resolution stages.
    public var stageCount: Int
    /// Feature channels per stage.
    public var featuresPerStage: [Int]
    /// Kernel size per stage and axis.
    public var kernelSizes: [[Int]]
    /// Stride per stage and axis (the first stage's is normally 1).
    public var strides: [[Int]]
    /// Convolutions per encoder stage and per decoder stage.
    public var convolutionsPerStage: [Int], convolutionsPerDecoderStage: [Int]
    /// Whether convolutions have a bias.
    public var convolutionBias: Bool
    /// Fully qualified operator classes, e.g. `torch.nn.modules.conv.Conv2d`.
    public var convolution: String, normalization: String, nonlinearity: String

    init(json: JSONObject, context: String) throws {
        networkClassName = try JSONFile.field(json, "network_class_name", context, { $0.stringValue })
        let arguments = try JSONFile.field(json, "arch_kwargs", context, { $0.objectValue })
        let kwargs = "\(context) arch_kwargs"
        self.arguments = arguments
        stageCount = try JSONFile.field(arguments, "n_stages", kwargs, { $0.intValue })
        featuresPerStage = try JSONFile.field(arguments, "features_per_stage", kwargs, JSONFile.ints)
        kernelSizes = try JSONFile.field(arguments, "kernel_sizes", kwargs, JSONFile.intLists)
        strides = try JSONFile.field(arguments, "strides", kwargs, JSONFile.intLists)
        convolutionsPerStage = try JSONFile.field(arguments, "n_conv_per_stage", kwargs, JSONFile.ints)
        convolutionsPerDecoderStage = try JSONFile.field(arguments, "n_conv_per_stage_decoder", kwargs, JSONFile.ints)
        convolutionBias = try JSONFile.field(arguments, "conv_bias", kwargs, { $0.boolValue })
        convolution = try JSONFile.field(arguments, "conv_op", kwargs, { $0.stringValue })
        normalization = try JSONFile.field(arguments, "norm_op", kwargs, { $0.stringValue })
        nonlinearity = try JSONFile.field(arguments, "nonlin", kwargs, { $0.stringValue })
        guard featuresPerStage.count == stageCount, kernelSizes.count == stageCount, strides.count == stageCount else {
            throw FormatError(.malformed, "\(kwargs): per-stage lists do not have n_stages (\(stageCount)) entries")
        }
    }

    /// Number of spatial axes (2 or 3).
    public var spatialDimensions: Int { kernelSizes.first?.count ?? 0 }
}
