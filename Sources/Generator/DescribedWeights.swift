import Foundation
import Formats

/// A saved generator's or learned optimiser's folder: a safetensors weights file whose metadata
/// carries the description as JSON (so that the weights file alone says what it holds), then
/// that JSON as its own readable file, written atomically after the weights.
enum DescribedWeights {
    /// The weights file's metadata key of the description.
    static let descriptionKey = "description"

    /// Writes `tensors` to `folder/weightsFile` with `format` and `description` in its metadata,
    /// then `description` to `folder/descriptionFile`, creating the folder.
    static func write(_ tensors: [NamedTensor], description: some Encodable, format: String,
                      weightsFile: String, descriptionFile: String, in folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let json = try encoder.encode(description)
        let metadata = ["format": format, descriptionKey: String(decoding: json, as: UTF8.self)]
        try SafeTensors.write(SafeTensorsFile(tensors: tensors, metadata: metadata), to: folder.appendingPathComponent(weightsFile))
        try AtomicWrite.write(json, to: folder.appendingPathComponent(descriptionFile))
    }

    /// The bytes of `folder/descriptionFile` and its path, or an error naming the file and the
    /// `kind` of folder it should have been.
    static func readDescription(_ descriptionFile: String, in folder: URL, kind: String) throws -> (data: Data, path: String) {
        let url = folder.appendingPathComponent(descriptionFile)
        guard let data = try? Data(contentsOf: url) else {
            throw GeneratorError.corrupt(path: url.path, reason: "no \(kind) description (is this a \(kind) folder?)")
        }
        return (data, url.path)
    }
}
