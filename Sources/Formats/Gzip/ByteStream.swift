import Foundation

/// A source of bytes read in chunks; `read` returns 0 only at the end.
protocol ByteSource: AnyObject {
    /// Fills up to `buffer.count` bytes and returns how many were written.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}

/// A sink that accepts bytes in chunks.
protocol ByteSink: AnyObject {
    /// Appends `bytes`.
    func write(_ bytes: UnsafeRawBufferPointer) throws
    /// Flushes anything buffered; called once after the last write.
    func finish() throws
}

/// Bytes held in memory.
final class MemorySource: ByteSource {
    private let bytes: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let count = min(buffer.count, bytes.count - offset)
        guard count > 0 else { return 0 }
        bytes.withUnsafeBytes { source in
            buffer.baseAddress!.copyMemory(from: source.baseAddress! + offset, byteCount: count)
        }
        offset += count
        return count
    }
}

/// A file read with `FileHandle`.
final class FileSource: ByteSource {
    private let handle: FileHandle

    init(_ url: URL) throws {
        do {
            handle = try FileHandle(forReadingFrom: url)
        } catch {
            throw FormatError(.io, "cannot open for reading: \(error.localizedDescription)", path: url.path)
        }
    }

    deinit { try? handle.close() }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard let data = try handle.read(upToCount: buffer.count), !data.isEmpty else { return 0 }
        data.copyBytes(to: buffer)
        return data.count
    }
}

/// A file written with `FileHandle`.
final class FileSink: ByteSink {
    private let handle: FileHandle

    init(_ url: URL) throws {
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw FormatError(.io, "cannot create file", path: url.path)
        }
        handle = try FileHandle(forWritingTo: url)
    }

    deinit { try? handle.close() }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        try handle.write(contentsOf: Data(bytes))
    }

    func finish() throws { try handle.synchronize() }
}

/// Reads exact byte counts from a `ByteSource`, growing buffers only as real data arrives
/// (so a header that claims a huge size cannot force a huge allocation).
final class ByteStream {
    static let chunkSize = 1 << 16

    private let source: ByteSource
    private var pending: [UInt8] = []
    private var pendingOffset = 0
    private var chunk = [UInt8](repeating: 0, count: ByteStream.chunkSize)

    init(_ source: ByteSource) { self.source = source }

    /// Exactly `count` bytes, or `.truncated` when the source ends first.
    func read(exactly count: Int) throws -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(min(count, ByteStream.chunkSize))
        while result.count < count {
            if pendingOffset == pending.count {
                guard try refill() else {
                    throw FormatError(.truncated, "data ends after \(result.count) of \(count) expected bytes")
                }
            }
            let take = min(count - result.count, pending.count - pendingOffset)
            result.append(contentsOf: pending[pendingOffset..<pendingOffset + take])
            pendingOffset += take
        }
        return result
    }

    /// Discards `count` bytes.
    func skip(_ count: Int) throws {
        var left = count
        while left > 0 {
            if pendingOffset == pending.count {
                guard try refill() else { throw FormatError(.truncated, "data ends \(left) bytes before the expected offset") }
            }
            let take = min(left, pending.count - pendingOffset)
            pendingOffset += take
            left -= take
        }
    }

    private func refill() throws -> Bool {
        let count = try chunk.withUnsafeMutableBytes { try source.read(into: $0) }
        pending = Array(chunk[0..<count])
        pendingOffset = 0
        return count > 0
    }
}
