import Foundation

/// Writes single-file NIfTI-1 images, gzip-compressed when the name ends in `.gz`,
/// through a temporary file renamed into place.
public enum NIfTIWriter {
    /// The voxel types this writer stores.
    public enum StoredType: Sendable {
        /// 32-bit floats, written exactly.
        case float32
        /// Unsigned bytes for masks; every value must be an integer in 0...255.
        case uint8
    }

    /// Writes `volume` to `url` as `type`, keeping the header's geometry, units and description.
    public static func write(_ volume: NIfTIVolume, to url: URL, as type: StoredType = .float32) throws {
        try attributing(to: url) {
            let header = try storedHeader(volume.header, type: type)
            let data = try encodedValues(volume.values, type: type)
            try AtomicWrite.write(to: url) { temporary in
                let file = try FileSink(temporary)
                let sink: ByteSink = url.pathExtension.lowercased() == "gz" ? try GzipDeflater(file) : file
                try header.withUnsafeBytes { try sink.write($0) }
                try data.withUnsafeBytes { raw in
                    for start in stride(from: 0, to: raw.count, by: ByteStream.chunkSize) {
                        try sink.write(UnsafeRawBufferPointer(rebasing: raw[start..<min(start + ByteStream.chunkSize, raw.count)]))
                    }
                }
                try sink.finish()
            }
        }
    }

    /// The image as NIfTI-1 bytes (uncompressed), e.g. for tests and fuzzing seeds.
    public static func encode(_ volume: NIfTIVolume, as type: StoredType = .float32) throws -> [UInt8] {
        try storedHeader(volume.header, type: type) + encodedValues(volume.values, type: type)
    }

    private static func storedHeader(_ original: NIfTIHeader, type: StoredType) throws -> [UInt8] {
        var header = original
        header.version = 1
        header.isBigEndian = false
        header.datatype = type == .float32 ? .float32 : .uint8
        header.voxOffset = NIfTIHeader.version1Size + 4
        header.sclSlope = 1
        header.sclInter = 0
        return try header.encodedVersion1()
    }

    private static func encodedValues(_ values: [Float], type: StoredType) throws -> [UInt8] {
        switch type {
        case .float32:
            return values.withUnsafeBytes { Array($0) }
        case .uint8:
            return try values.enumerated().map { index, value in
                guard let byte = UInt8(exactly: value) else {
                    throw FormatError(.unsupported, "voxel \(index) is \(value); a uint8 mask holds integers 0...255")
                }
                return byte
            }
        }
    }
}
