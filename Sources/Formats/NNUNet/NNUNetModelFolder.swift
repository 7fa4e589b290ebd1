import Foundation

/// An nnU-Net v2 trained model folder: `plans.json`, `dataset.json` and `fold_N/checkpoint_final.pth`.
public struct NNUNetModelFolder: Sendable {
    /// The folder.
    public var url: URL
    /// The plans.
    public var plans: NNUNetPlans
    /// The dataset description.
    public var dataset: NNUNetDatasetDescription
    /// Folds that have a `checkpoint_final.pth`, ascending.
    public var folds: [Int]

    /// Whether `url` looks like a model folder (it holds `plans.json`); `open` checks the rest.
    public static func isModelFolder(_ url: URL) -> Bool {
        FileManager.default.fileExists(atPath: url.appendingPathComponent("plans.json").path)
    }

    /// Opens a model folder, reading its JSON files and listing its folds.
    public static func open(_ url: URL) throws -> NNUNetModelFolder {
        let plans = try NNUNetPlans.read(url.appendingPathComponent("plans.json"))
        let dataset = try NNUNetDatasetDescription.read(url.appendingPathComponent("dataset.json"))
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        let folds = names.compactMap { name -> Int? in
            guard name.hasPrefix("fold_"), let fold = Int(name.dropFirst(5)) else { return nil }
            return FileManager.default.fileExists(atPath: checkpointURL(url, fold: fold).path) ? fold : nil
        }.sorted()
        return NNUNetModelFolder(url: url, plans: plans, dataset: dataset, folds: folds)
    }

    /// Reads `fold_<fold>/checkpoint_final.pth`.
    public func checkpoint(fold: Int) throws -> NNUNetCheckpoint {
        try NNUNetCheckpoint.read(NNUNetModelFolder.checkpointURL(url, fold: fold))
    }

    /// Writes a model folder that nnU-Net's predictor loads: the JSON files, and the checkpoint
    /// (network weights plus the bookkeeping entries nnU-Net expects) as `fold_<fold>/checkpoint_final.pth`.
    public static func write(to url: URL, plans: NNUNetPlans, dataset: NNUNetDatasetDescription,
                             checkpoint: NNUNetCheckpoint, fold: Int = 0) throws {
        _ = try plans.configuration(checkpoint.configuration)
        let foldURL = url.appendingPathComponent("fold_\(fold)")
        do {
            try FileManager.default.createDirectory(at: foldURL, withIntermediateDirectories: true)
        } catch {
            throw FormatError(.io, "cannot create the folder: \(error.localizedDescription)", path: foldURL.path)
        }
        try JSONFile.write(.object(plans.json), to: url.appendingPathComponent("plans.json"))
        try JSONFile.write(.object(dataset.json), to: url.appendingPathComponent("dataset.json"))
        let value = checkpoint.pickleValue(plans: .object(plans.json), dataset: .object(dataset.json), fold: fold)
        try TorchCheckpointWriter.write(value, to: checkpointURL(url, fold: fold))
    }

    static func checkpointURL(_ url: URL, fold: Int) -> URL {
        url.appendingPathComponent("fold_\(fold)").appendingPathComponent("checkpoint_final.pth")
    }
}
