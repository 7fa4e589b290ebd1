import Foundation

/// nnU-Net v2's `dataset.json`: input channels, labels, case count and file ending.
public struct NNUNetDatasetDescription: Equatable, Sendable {
    /// The whole document, written back unchanged.
    public var json: JSONObject
    /// Channel names in channel order (`channel_names` keys "0", "1", ...).
    public var channelNames: [String]
    /// Label names and values, in value order (0 is background).
    public var labels: [(name: String, value: Int)]
    /// `numTraining`.
    public var trainingCaseCount: Int
    /// e.g. `.nii.gz`.
    public var fileEnding: String

    /// Reads `dataset.json`.
    public static func read(_ url: URL) throws -> NNUNetDatasetDescription {
        let document = try JSONFile.read(url)
        return try attributing(to: url) { try NNUNetDatasetDescription(json: document) }
    }

    /// A new description.
    public init(channelNames: [String], labels: [String], trainingCaseCount: Int, fileEnding: String = ".nii.gz") throws {
        var json = JSONObject()
        json["channel_names"] = .object(JSONObject(channelNames.enumerated().map { (String($0.offset), .string($0.element)) }))
        json["labels"] = .object(JSONObject(labels.enumerated().map { ($0.element, .int($0.offset)) }))
        json["numTraining"] = .int(trainingCaseCount)
        json["file_ending"] = .string(fileEnding)
        try self.init(json: .object(json))
    }

    /// Interprets and checks a parsed `dataset.json`: channels numbered 0, 1, ...; labels integers
    /// 0, 1, ... in consecutive order with background 0.
    public init(json document: JSONValue) throws {
        guard case .object(let json) = document else { throw FormatError(.malformed, "dataset.json is not a JSON object") }
        self.json = json
        let channels = try JSONFile.field(json, "channel_names", "dataset.json", { $0.objectValue })
        channelNames = try (0..<channels.keys.count).map { index in
            guard let name = channels[String(index)]?.stringValue else {
                throw FormatError(.invalidDataset, "channel_names must be numbered 0...\(channels.keys.count - 1); "
                    + "\"\(index)\" is missing")
            }
            return name
        }
        let labelObject = try JSONFile.field(json, "labels", "dataset.json", { $0.objectValue })
        labels = try labelObject.members.map { name, value in
            guard let number = value.intValue else {
                throw FormatError(.unsupported, "label \(name) is \(value.serialized(indent: nil)); region-based labels "
                    + "are not supported")
            }
            return (name, number)
        }.sorted { $0.value < $1.value }
        let values = labels.map(\.value)
        guard values == Array(0..<values.count) else {
            throw FormatError(.invalidDataset, "labels must be consecutive integers 0, 1, 2, ...; found \(values)")
        }
        trainingCaseCount = try JSONFile.field(json, "numTraining", "dataset.json", { $0.intValue })
        fileEnding = try JSONFile.field(json, "file_ending", "dataset.json", { $0.stringValue })
    }

    public static func == (lhs: NNUNetDatasetDescription, rhs: NNUNetDatasetDescription) -> Bool {
        lhs.json == rhs.json
    }
}
