import Foundation

/// Reads `.nii` and `.nii.gz` images (NIfTI-1 or NIfTI-2, either byte order); gzip is
/// detected from the content and inflated as a stream.
public enum NIfTIReader {
    /// The most voxel data (in bytes) a read accepts; larger headers are refused before allocating.
    public static let maximumDataBytes = 1 << 32

    /// Reads the image at `url`.
    public static func read(_ url: URL) throws -> NIfTIVolume {
        try attributing(to: url) {
            let fileSize = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? nil
            return try read(from: try FileSource(url), fileSize: fileSize)
        }
    }

    /// Reads only the header of the image at `url`.
    public static func readHeader(_ url: URL) throws -> NIfTIHeader {
        try attributing(to: url) { try readHeader(from: ByteStream(try decompressingIfNeeded(try FileSource(url)).source)) }
    }

    /// Reads an image held in memory (gzip-compressed or not).
    public static func read(bytes: [UInt8]) throws -> NIfTIVolume {
        try read(from: MemorySource(bytes), fileSize: bytes.count)
    }

    private static func read(from source: ByteSource, fileSize: Int?) throws -> NIfTIVolume {
        let (decompressed, isGzip) = try decompressingIfNeeded(source)
        let stream = ByteStream(decompressed)
        let header = try readHeader(from: stream)
        let count = header.voxelCount!
        let (byteCount, overflow) = count.multipliedReportingOverflow(by: header.datatype.byteCount)
        guard !overflow, byteCount <= maximumDataBytes else {
            throw FormatError(.tooLarge, "header declares \(header.dims) voxels of \(header.datatype): more than "
                + "\(maximumDataBytes) bytes")
        }
        if !isGzip, let fileSize, fileSize < header.voxOffset + byteCount {
            throw FormatError(.truncated, "file has \(fileSize) bytes but its header needs \(header.voxOffset + byteCount)")
        }
        let headerSize = header.version == 1 ? NIfTIHeader.version1Size : NIfTIHeader.version2Size
        try stream.skip(header.voxOffset - headerSize)
        let data = try stream.read(exactly: byteCount)
        return try NIfTIVolume(header: header, values: NIfTIVoxelDecoder.decode(data, header: header))
    }

    private static func readHeader(from stream: ByteStream) throws -> NIfTIHeader {
        var bytes: [UInt8]
        do {
            bytes = try stream.read(exactly: NIfTIHeader.version1Size)
        } catch let error as FormatError where error.kind == .truncated {
            throw FormatError(.truncated, "too short to be a NIfTI image (\(error.message))")
        }
        if try NIfTIHeader.announcedLayout(bytes).size == NIfTIHeader.version2Size {
            bytes += try stream.read(exactly: NIfTIHeader.version2Size - NIfTIHeader.version1Size)
        }
        return try NIfTIHeader.decode(bytes)
    }

    private static func decompressingIfNeeded(_ source: ByteSource) throws -> (source: ByteSource, isGzip: Bool) {
        let peek = PeekingSource(source)
        return try peek.startsWithGzipMagic() ? (try GzipInflater(peek), true) : (peek, false)
    }
}

/// Converts raw voxel bytes to scaled `Float` values.
enum NIfTIVoxelDecoder {
    static func decode(_ data: [UInt8], header: NIfTIHeader) -> [Float] {
        let type = header.datatype
        let count = data.count / type.byteCount
        let swap = header.isBigEndian
        let (slope, intercept) = header.scaling
        let scaled = slope != 1 || intercept != 0
        return data.withUnsafeBytes { raw in
            func load<T: FixedWidthInteger>(_: T.Type, _ i: Int) -> T {
                let value = raw.loadUnaligned(fromByteOffset: i * MemoryLayout<T>.size, as: T.self)
                return swap ? value.byteSwapped : value
            }
            return (0..<count).map { i -> Float in
                let stored: Double
                switch type {
                case .uint8: stored = Double(raw[i])
                case .int8: stored = Double(Int8(bitPattern: raw[i]))
                case .int16: stored = Double(load(Int16.self, i))
                case .uint16: stored = Double(load(UInt16.self, i))
                case .int32: stored = Double(load(Int32.self, i))
                case .uint32: stored = Double(load(UInt32.self, i))
                case .int64: stored = Double(load(Int64.self, i))
                case .uint64: stored = Double(load(UInt64.self, i))
                case .float32:
                    let value = Float(bitPattern: load(UInt32.self, i))
                    if !scaled { return value }
                    stored = Double(value)
                case .float64: stored = Double(bitPattern: load(UInt64.self, i))
                }
                return Float(scaled ? stored * slope + intercept : stored)
            }
        }
    }
}

/// Lets a reader look at the first bytes of a source without consuming them.
final class PeekingSource: ByteSource {
    private let source: ByteSource
    private var buffered: [UInt8] = []

    init(_ source: ByteSource) { self.source = source }

    /// True when the data starts with the gzip magic bytes 1F 8B.
    func startsWithGzipMagic() throws -> Bool {
        var head = [UInt8](repeating: 0, count: 2)
        var filled = 0
        while filled < 2 {
            let count = try head.withUnsafeMutableBytes { try source.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[filled...])) }
            if count == 0 { break }
            filled += count
        }
        buffered = Array(head[0..<filled])
        return buffered == [0x1F, 0x8B]
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard buffered.isEmpty else {
            let count = min(buffer.count, buffered.count)
            buffered.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: count) }
            buffered.removeFirst(count)
            return count
        }
        return try source.read(into: buffer)
    }
}
