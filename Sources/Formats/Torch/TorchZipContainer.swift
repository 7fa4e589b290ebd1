import Foundation
import ZIPFoundation

/// The zip layout of `torch.save` (torch ≥ 1.6): `<folder>/data.pkl`, `<folder>/data/<key>`
/// storages, `<folder>/version`, `<folder>/byteorder`, all under one top folder.
final class TorchZipContainer: StorageProvider {
    private let archive: Archive
    private let entries: [String: Entry]
    private let folder: String
    private let sizeLimit: UInt64

    /// Opens the archive at `url`, `byteCount` bytes long, and indexes its entries.
    init(url: URL, byteCount: Int) throws {
        try ZipPreflight.check(url, fileSize: byteCount)
        do {
            archive = try Archive(url: url, accessMode: .read)
        } catch {
            throw FormatError(.malformed, "not a PyTorch checkpoint: the file is not a readable zip archive (\(error))")
        }
        var entries: [String: Entry] = [:]
        var folders = Set<String>()
        for entry in archive {
            let path = entry.path
            guard let slash = path.firstIndex(of: "/") else {
                throw FormatError(.malformed, "zip entry \(path.debugDescription) lies outside a top folder")
            }
            folders.insert(String(path[..<slash]))
            if entries[path] == nil { entries[path] = entry }
        }
        guard folders.count == 1, let folder = folders.first else {
            throw FormatError(.malformed, folders.isEmpty ? "the zip archive is empty"
                : "zip entries lie under \(folders.count) top folders; a torch checkpoint has one")
        }
        self.entries = entries
        self.folder = folder
        // Deflate expands at most ~1032:1; stored entries cannot exceed the file.
        sizeLimit = UInt64(byteCount) * 1100 + 4096
        if let order = try optionalText("byteorder"), order != "little" {
            throw FormatError(.unsupported, "storages are \(order)-endian; only little-endian checkpoints are read")
        }
    }

    /// The bytes of `data.pkl`.
    func pickle() throws -> [UInt8] {
        guard let entry = entries["\(folder)/data.pkl"] else {
            throw FormatError(.malformed, "the archive has no \(folder)/data.pkl, so it is not a torch checkpoint")
        }
        return try contents(of: entry, expected: nil)
    }

    func bytes(for reference: StorageReference) throws -> [UInt8] {
        guard let entry = entries["\(folder)/data/\(reference.key)"] else {
            throw FormatError(.malformed, "storage \(folder)/data/\(reference.key) is missing from the archive")
        }
        return try contents(of: entry, expected: UInt64(reference.elementCount * reference.dtype.byteCount))
    }

    private func optionalText(_ name: String) throws -> String? {
        guard let entry = entries["\(folder)/\(name)"] else { return nil }
        guard entry.uncompressedSize <= 64 else { throw FormatError(.malformed, "\(folder)/\(name) is too long") }
        return String(decoding: try contents(of: entry, expected: nil), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// An entry's bytes, refusing sizes that disagree with `expected` or exceed what the file can hold.
    private func contents(of entry: Entry, expected: UInt64?) throws -> [UInt8] {
        let declared = entry.uncompressedSize
        if let expected, declared != expected {
            throw FormatError(.malformed, "\(entry.path) holds \(declared) bytes, expected \(expected)")
        }
        guard declared <= sizeLimit, entry.type == .file else {
            throw FormatError(.tooLarge, "\(entry.path) declares \(declared) bytes, more than the file can hold")
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(declared))
        do {
            _ = try archive.extract(entry, skipCRC32: false) { chunk in
                guard UInt64(bytes.count + chunk.count) <= declared else {
                    throw FormatError(.malformed, "\(entry.path) inflates beyond its declared \(declared) bytes")
                }
                bytes += chunk
            }
        } catch let error as FormatError {
            throw error
        } catch {
            throw FormatError(.malformed, "cannot read \(entry.path) from the zip archive: \(error)")
        }
        guard UInt64(bytes.count) == declared else {
            throw FormatError(.truncated, "\(entry.path) holds \(bytes.count) of its declared \(declared) bytes")
        }
        return bytes
    }
}
