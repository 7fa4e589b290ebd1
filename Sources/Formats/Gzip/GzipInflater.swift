import SystemZlib

/// Decompresses a gzip (or zlib) stream from another source chunk by chunk, including
/// concatenated gzip members.
final class GzipInflater: ByteSource {
    private let source: ByteSource
    private var stream = z_stream()
    private var input = [UInt8](repeating: 0, count: ByteStream.chunkSize)
    private var inputCount = 0
    private var inputOffset = 0
    private var sourceEnded = false
    private var finished = false

    init(_ source: ByteSource) throws {
        self.source = source
        // 15 + 32: the largest window, with automatic gzip/zlib header detection.
        let status = inflateInit2_(&stream, 15 + 32, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else { throw FormatError(.io, "zlib cannot start inflating (status \(status))") }
    }

    deinit { inflateEnd(&stream) }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard !finished, buffer.count > 0 else { return 0 }
        var produced = 0
        while produced == 0 {
            if inputOffset == inputCount && !sourceEnded {
                inputCount = try input.withUnsafeMutableBytes { try source.read(into: $0) }
                inputOffset = 0
                sourceEnded = inputCount == 0
            }
            let available = inputCount - inputOffset
            let status = input.withUnsafeMutableBufferPointer { inputBuffer -> Int32 in
                stream.next_in = inputBuffer.baseAddress! + inputOffset
                stream.avail_in = UInt32(available)
                stream.next_out = buffer.baseAddress!.assumingMemoryBound(to: Bytef.self) + produced
                stream.avail_out = UInt32(buffer.count - produced)
                let status = inflate(&stream, Z_NO_FLUSH)
                produced = buffer.count - Int(stream.avail_out)
                inputOffset += available - Int(stream.avail_in)
                return status
            }
            switch status {
            case Z_STREAM_END:
                if try !startNextMember() { finished = true; return produced }
            case Z_OK:
                continue
            case Z_BUF_ERROR where sourceEnded && inputOffset == inputCount:
                throw FormatError(.truncated, "gzip data ends before the end of its stream")
            case Z_BUF_ERROR:
                continue
            default:
                throw FormatError(.malformed, "corrupt gzip data (zlib status \(status))")
            }
        }
        return produced
    }

    /// After a member ends, continues with the next one if more gzip data follows.
    private func startNextMember() throws -> Bool {
        if inputOffset == inputCount && !sourceEnded {
            inputCount = try input.withUnsafeMutableBytes { try source.read(into: $0) }
            inputOffset = 0
            sourceEnded = inputCount == 0
        }
        guard inputOffset < inputCount, input[inputOffset] == 0x1F else { return false }
        guard inflateReset(&stream) == Z_OK else { throw FormatError(.malformed, "cannot restart inflating") }
        return true
    }
}
