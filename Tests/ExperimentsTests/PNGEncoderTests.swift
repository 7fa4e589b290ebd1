import Foundation
import SystemZlib
import XCTest
@testable import Experiments

final class PNGEncoderTests: XCTestCase {
    /// The file parses as PNG: signature, chunk order and CRCs, IHDR fields, and IDAT inflates to filter bytes + pixels.
    func testEncodedImageDecodes() throws {
        var image = RGBImage(width: 3, height: 2)
        for y in 0..<2 {
            for x in 0..<3 {
                image[x, y] = (UInt8(x * 80), UInt8(y * 200), UInt8(10 + x + y))
            }
        }
        let png = [UInt8](try PNGEncoder.encode(image))
        XCTAssertEqual(Array(png.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])

        let chunks = try parseChunks(Array(png.dropFirst(8)))
        XCTAssertEqual(chunks.map(\.type), ["IHDR", "IDAT", "IEND"])
        let header = chunks[0].data
        XCTAssertEqual(bigEndian(header, at: 0), 3)
        XCTAssertEqual(bigEndian(header, at: 4), 2)
        XCTAssertEqual(Array(header[8...]), [8, 2, 0, 0, 0], "bit depth, colour type, compression, filter, interlace")
        XCTAssertTrue(chunks[2].data.isEmpty)

        var expected = [UInt8]()
        for y in 0..<2 {
            expected.append(0)
            expected += image.pixels[(y * 9)..<((y + 1) * 9)]
        }
        var inflated = [UInt8](repeating: 0, count: expected.count + 16)
        var length = uLongf(inflated.count)
        let compressed = chunks[1].data
        XCTAssertEqual(uncompress(&inflated, &length, compressed, uLong(compressed.count)), Z_OK)
        XCTAssertEqual(Array(inflated.prefix(Int(length))), expected)
    }

    func testEmptyImageIsRejected() {
        XCTAssertThrowsError(try PNGEncoder.encode(RGBImage(width: 0, height: 4)))
    }

    private struct Chunk {
        var type: String
        var data: [UInt8]
    }

    /// Splits chunks and checks each CRC with an independent bitwise CRC-32 (not zlib's, which the encoder uses).
    private func parseChunks(_ bytes: [UInt8]) throws -> [Chunk] {
        var chunks: [Chunk] = []
        var offset = 0
        while offset < bytes.count {
            let length = Int(bigEndian(bytes, at: offset))
            let typeAndData = Array(bytes[(offset + 4)..<(offset + 8 + length)])
            let stored = bigEndian(bytes, at: offset + 8 + length)
            XCTAssertEqual(stored, crc32Reference(typeAndData), "CRC of chunk at \(offset)")
            chunks.append(Chunk(type: String(decoding: typeAndData.prefix(4), as: UTF8.self), data: Array(typeAndData.dropFirst(4))))
            offset += 12 + length
        }
        XCTAssertEqual(offset, bytes.count)
        return chunks
    }

    private func bigEndian(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        bytes[offset..<(offset + 4)].reduce(0) { $0 << 8 | UInt32($1) }
    }

    private func crc32Reference(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 {
                crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1
            }
        }
        return ~crc
    }
}
