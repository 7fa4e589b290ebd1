import SystemZlib

/// Compresses bytes into a gzip stream written to another sink, chunk by chunk.
final class GzipDeflater: ByteSink {
    private let sink: ByteSink
    private var stream = z_stream()
    private var output = [UInt8](repeating: 0, count: ByteStream.chunkSize)

    /// Starts a gzip member at compression `level` (0–9).
    init(_ sink: ByteSink, level: Int32 = 6) throws {
        self.sink = sink
        // 15 + 16: the largest window, with a gzip header and trailer.
        let status = deflateInit2_(&stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
                                   zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else { throw FormatError(.io, "zlib cannot start deflating (status \(status))") }
    }

    deinit { deflateEnd(&stream) }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard bytes.count > 0 else { return }
        stream.next_in = UnsafeMutablePointer(mutating: bytes.baseAddress!.assumingMemoryBound(to: Bytef.self))
        stream.avail_in = UInt32(bytes.count)
        try pump(flush: Z_NO_FLUSH)
    }

    func finish() throws {
        stream.next_in = nil
        stream.avail_in = 0
        try pump(flush: Z_FINISH)
        try sink.finish()
    }

    private func pump(flush: Int32) throws {
        repeat {
            let (status, produced) = output.withUnsafeMutableBufferPointer { buffer -> (Int32, Int) in
                stream.next_out = buffer.baseAddress!
                stream.avail_out = UInt32(buffer.count)
                let status = deflate(&stream, flush)
                return (status, buffer.count - Int(stream.avail_out))
            }
            guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else {
                throw FormatError(.io, "zlib deflate failed (status \(status))")
            }
            try output.withUnsafeBytes { try sink.write(UnsafeRawBufferPointer(rebasing: $0[0..<produced])) }
            if flush == Z_FINISH && status == Z_STREAM_END { return }
        } while stream.avail_in > 0 || stream.avail_out == 0 || flush == Z_FINISH
    }
}
