import Foundation
import Formats
import TensorEngine

/// What weightgen records about a saved U-Net besides its weights.
public struct UNetCheckpointDescription: Codable, Sendable {
    public var architecture: PlainConvUNetConfiguration
    /// Patch extent (z, y, x) the network was trained on; z = 1 for 2D.
    public var patchSize: [Int]
    /// The task (e.g. "cord") when known.
    public var task: String?
    /// Training iteration of these weights (0 = initialisation).
    public var iteration: Int
    /// Metrics measured for these weights (e.g. "validation_dice").
    public var metrics: [String: Double]
    /// Voxel spacing (z, y, x) the network was trained at; inputs are resampled to it. Nil:
    /// each volume's own spacing. For 2D networks the z entry is ignored.
    public var spacing: [Double]?
    /// Whether volumes are brought to the closest canonical (RAS+) orientation first.
    public var reoriented: Bool

    public init(architecture: PlainConvUNetConfiguration, patchSize: [Int], task: String?, iteration: Int,
                metrics: [String: Double] = [:], spacing: [Double]? = nil, reoriented: Bool = false) {
        self.architecture = architecture
        self.patchSize = patchSize
        self.spacing = spacing
        self.reoriented = reoriented
        self.task = task
        self.iteration = iteration
        self.metrics = metrics
    }
}

/// weightgen's own U-Net checkpoint: a folder with `network.json` (the description) and
/// `weights.safetensors` (canonical PlainConvUNet parameter names, float32).
public enum UNetCheckpoint {
    static let descriptionFile = "network.json", weightsFile = "weights.safetensors"

    /// Whether `url` looks like a weightgen checkpoint folder.
    public static func isCheckpoint(_ url: URL) -> Bool {
        FileManager.default.fileExists(atPath: url.appendingPathComponent(descriptionFile).path)
    }

    /// Writes the checkpoint into `folder` (created if needed). Each file is written to a
    /// temporary name and renamed, so a crash never leaves a half-written file behind.
    public static func write(_ network: PlainConvUNet, description: UNetCheckpointDescription, to folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let tensors = try network.namedParameters().map { NamedTensor($0.name, try StoredTensor($0.tensor)) }
        try SafeTensors.write(SafeTensorsFile(tensors: tensors, metadata: ["format": "weightgen-unet"]),
                              to: folder.appendingPathComponent(weightsFile))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicWrite.write(try encoder.encode(description), to: folder.appendingPathComponent(descriptionFile))
    }

    /// Reads a checkpoint folder into a network.
    public static func read(_ folder: URL) throws -> (network: PlainConvUNet, description: UNetCheckpointDescription) {
        let descriptionURL = folder.appendingPathComponent(descriptionFile)
        let description: UNetCheckpointDescription
        do {
            description = try JSONDecoder().decode(UNetCheckpointDescription.self, from: Data(contentsOf: descriptionURL))
        } catch {
            throw NNUNetModelError.unsupported(descriptionURL, "not a readable weightgen network description: \(error)")
        }
        let network = try PlainConvUNet(description.architecture, seed: 0)
        let file = try SafeTensors.read(folder.appendingPathComponent(weightsFile))
        var state: [String: Tensor] = [:]
        for named in file.tensors { state[named.name] = try named.tensor.makeTensor() }
        try network.loadStateDict(state)
        return (network, description)
    }
}
