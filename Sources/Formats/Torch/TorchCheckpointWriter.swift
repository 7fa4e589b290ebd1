import Foundation
import ZIPFoundation

/// Writes checkpoints that `torch.load(path, weights_only=True)` accepts: a zip of STORED entries
/// under `archive/` holding a protocol-2 `data.pkl`, one `data/<key>` per distinct tensor
/// instance, `byteorder` ("little") and `version` ("3\n").
public enum TorchCheckpointWriter {
    /// Writes `value` (a state dict or nested dicts, lists, tuples, strings, numbers, bools,
    /// None and tensors) to `url` through a temporary file in the same folder.
    public static func write(_ value: PickleValue, to url: URL) throws {
        try attributing(to: url) {
            var writer = PickleWriter()
            try writer.finish(with: value)
            try AtomicWrite.write(to: url) { temporary in
                let archive = try Archive(url: temporary, accessMode: .create)
                try add(archive, "archive/data.pkl", Data(writer.bytes))
                try add(archive, "archive/byteorder", Data("little".utf8))
                for (key, tensor) in writer.storages.enumerated() {
                    try add(archive, "archive/data/\(key)", Data(tensor.bytes))
                }
                try add(archive, "archive/version", Data("3\n".utf8))
            }
        }
    }

    /// Writes `tensors` as a state dict (an OrderedDict of name → tensor).
    public static func write(stateDict tensors: [NamedTensor], to url: URL) throws {
        try write(.stateDict(tensors), to: url)
    }

    /// A fixed timestamp (1980-01-01) so identical content gives identical files.
    private static let timestamp = Date(timeIntervalSince1970: 315_532_800)

    private static func add(_ archive: Archive, _ path: String, _ data: Data) throws {
        try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count), modificationDate: timestamp,
                             compressionMethod: .none) { position, size in
            data.subdata(in: Int(position)..<Int(position) + size)
        }
    }
}
