import Foundation
import Formats

/// A training run recorded by nnU-Net's own trainer with the `nnUNetTrainerZoo` variant
/// (`python/weightgen_nnunet`): a folder `fold_N/weightgen_zoo/` holding `manifest.json` and one
/// safetensors file of network parameters per recorded epoch. The manifest is rewritten
/// atomically after each checkpoint file is complete, so only what it lists is read; files it
/// does not list (a run killed mid-write) are ignored.
public struct NNUNetRecordedRun {
    /// The folder the trainer writes inside its fold folder.
    public static let folderName = "weightgen_zoo"
    public static let manifestName = "manifest.json"
    static let format = "weightgen-nnunet-zoo-run"

    /// The run as a whole, as `manifest.json` describes it.
    public struct Manifest: Decodable, Sendable {
        public let format: String
        public let version: Int
        public let trainer: String
        public let dataset: String
        public let configuration: String
        public let seed: Int64
        public let hyperparameters: Hyperparameters
        /// Name patterns of the recorded parameters; `["*"]` when the whole network is recorded.
        public let parameters: [String]
        /// nnU-Net's split of this fold: the cases it trained on and computed pseudo-Dice on.
        public let trainingCases: [String]
        public let validationCases: [String]
        /// Whether training ended with every scheduled epoch recorded.
        public let complete: Bool
        public let checkpoints: [Checkpoint]
    }

    /// The recipe nnU-Net trained with.
    public struct Hyperparameters: Decodable, Sendable {
        public let optimizer: String
        public let initialLr: Double
        public let weightDecay: Double
        public let batchSize: Int
    }

    /// One recorded parameter file and nnU-Net's metrics for it (nil where nnU-Net has none,
    /// as for the initial weights).
    public struct Checkpoint: Decodable, Sendable {
        /// Completed epochs (0: the initial weights).
        public let epoch: Int
        /// Optimiser steps taken: epochs × iterations per epoch.
        public let iteration: Int
        public let file: String
        public let bytes: Int
        public let crc32: UInt32
        public let trainLoss: Double?
        public let validationLoss: Double?
        /// nnU-Net's pseudo-Dice on its own validation cases for this epoch.
        public let pseudoDice: Double?
        public let learningRate: Double?
    }

    public let folder: URL
    public let manifest: Manifest

    /// Opens the recording in `url`: the `weightgen_zoo` folder itself or the nnU-Net fold folder holding it.
    public init(_ url: URL) throws {
        let nested = url.appendingPathComponent(Self.folderName)
        folder = FileManager.default.fileExists(atPath: nested.appendingPathComponent(Self.manifestName).path) ? nested : url
        let manifestURL = folder.appendingPathComponent(Self.manifestName)
        guard let data = FileManager.default.contents(atPath: manifestURL.path) else {
            throw ZooError.incompatible("\(manifestURL.path): no recording manifest (train with `nnUNetv2_train ... -tr nnUNetTrainerZoo`)")
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        do { manifest = try decoder.decode(Manifest.self, from: data) } catch {
            throw ZooError.corrupt(path: manifestURL.path, reason: "unreadable recording manifest: \(error)")
        }
        guard manifest.format == Self.format, manifest.version == 1 else {
            throw ZooError.corrupt(path: manifestURL.path, reason: "format \(manifest.format) version \(manifest.version), expected \(Self.format) version 1")
        }
        guard !manifest.checkpoints.isEmpty else { throw ZooError.incompatible("\(manifestURL.path) lists no checkpoints") }
        let iterations = manifest.checkpoints.map(\.iteration)
        guard iterations == iterations.sorted(), Set(iterations).count == iterations.count else {
            throw ZooError.corrupt(path: manifestURL.path, reason: "checkpoint iterations \(iterations) are not strictly increasing")
        }
    }

    /// A checkpoint's parameters (nnU-Net's names), after checking the file's size and CRC-32
    /// against the manifest.
    public func weights(of checkpoint: Checkpoint) throws -> [NamedTensor] {
        let url = folder.appendingPathComponent(checkpoint.file)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw ZooError.corrupt(path: url.path, reason: "listed in \(Self.manifestName) but missing")
        }
        let bytes = [UInt8](data)
        guard bytes.count == checkpoint.bytes else {
            throw ZooError.corrupt(path: url.path, reason: "\(bytes.count) bytes where \(Self.manifestName) records \(checkpoint.bytes): half-written or damaged")
        }
        guard RunFile.checksum(bytes) == checkpoint.crc32 else {
            throw ZooError.corrupt(path: url.path, reason: "fails the CRC-32 recorded in \(Self.manifestName): damaged")
        }
        do { return try SafeTensors.decode(bytes).tensors } catch {
            throw ZooError.corrupt(path: url.path, reason: "unreadable safetensors file: \(error)")
        }
    }
}
