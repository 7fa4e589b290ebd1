import Foundation
import SystemZlib

/// Encodes RGB images as PNG (8-bit truecolour, no interlace) with the system zlib.
public enum PNGEncoder {
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// The PNG file bytes of `image`: signature, IHDR, one IDAT, IEND.
    /// Throws when zlib cannot compress the pixels.
    public static func encode(_ image: RGBImage) throws -> Data {
        guard image.width > 0, image.height > 0 else {
            throw ReportError("a PNG needs at least one pixel (got \(image.width)×\(image.height))")
        }
        var header = [UInt8]()
        header.appendBigEndian(UInt32(image.width))
        header.appendBigEndian(UInt32(image.height))
        // Bit depth 8, colour type 2 (truecolour), deflate, adaptive filtering, no interlace.
        header += [8, 2, 0, 0, 0]

        var png = Data(signature)
        appendChunk("IHDR", header, to: &png)
        appendChunk("IDAT", try deflate(scanlines(of: image)), to: &png)
        appendChunk("IEND", [], to: &png)
        return png
    }

    /// Each row prefixed with filter type 0 (none): small overlays gain little from better filters.
    static func scanlines(of image: RGBImage) -> [UInt8] {
        let rowBytes = image.width * 3
        var raw = [UInt8]()
        raw.reserveCapacity(image.height * (rowBytes + 1))
        for y in 0..<image.height {
            raw.append(0)
            raw += image.pixels[(y * rowBytes)..<((y + 1) * rowBytes)]
        }
        return raw
    }

    /// A zlib stream of `bytes`, as IDAT requires.
    static func deflate(_ bytes: [UInt8]) throws -> [UInt8] {
        var capacity = compressBound(uLong(bytes.count))
        var output = [UInt8](repeating: 0, count: Int(capacity))
        let status = compress2(&output, &capacity, bytes, uLong(bytes.count), Z_BEST_COMPRESSION)
        guard status == Z_OK else { throw ReportError("zlib compress2 failed with status \(status)") }
        return Array(output.prefix(Int(capacity)))
    }

    /// Length, type, data and the CRC-32 of type and data.
    static func appendChunk(_ type: String, _ data: [UInt8], to png: inout Data) {
        let typeAndData = Array(type.utf8) + data
        var chunk = [UInt8]()
        chunk.appendBigEndian(UInt32(data.count))
        chunk += typeAndData
        chunk.appendBigEndian(UInt32(truncatingIfNeeded: crc32(0, typeAndData, uInt(typeAndData.count))))
        png.append(contentsOf: chunk)
    }
}

extension Array where Element == UInt8 {
    mutating func appendBigEndian(_ value: UInt32) {
        append(contentsOf: [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)])
    }
}
