import Foundation

/// Writes a file by filling a temporary file in the same folder and renaming it into place,
/// so readers never see a half-written file.
public enum AtomicWrite {
    /// Calls `body` with a temporary URL beside `url`, then renames the result onto `url`.
    public static func write(to url: URL, _ body: (URL) throws -> Void) throws {
        let folder = url.deletingLastPathComponent()
        let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
        do {
            try body(temporary)
            guard rename(temporary.path, url.path) == 0 else {
                throw FormatError(.io, "cannot rename the temporary file into place: \(String(cString: strerror(errno)))",
                                  path: url.path)
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
    }

    /// Writes `data` to `url` atomically.
    public static func write(_ data: Data, to url: URL) throws {
        try write(to: url) { temporary in
            do {
                try data.write(to: temporary)
            } catch {
                throw FormatError(.io, "cannot write: \(error.localizedDescription)", path: url.path)
            }
        }
    }
}
