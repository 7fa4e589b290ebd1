import Formats
import Foundation
import XCTest

/// Round-trips safetensors files and refuses malformed headers.
final class SafeTensorsTests: XCTestCase {
    func testRoundTripsTensorsAndMetadata() throws {
        let tensors = [
            NamedTensor("b.bias", try StoredTensor(float32: [1, 2], shape: [2])),
            NamedTensor("a.count", try StoredTensor(int64: [7], shape: [])),
            NamedTensor("c.empty", try StoredTensor(dtype: .bfloat16, shape: [0, 3], bytes: [])),
            NamedTensor("d.mask", try StoredTensor(dtype: .bool, shape: [3], bytes: [1, 0, 1])),
        ]
        let file = SafeTensorsFile(tensors: tensors, metadata: ["format": "pt", "note": "\"quoted\"\n"])
        let url = try temporaryFolder().appendingPathComponent("w.safetensors")
        try SafeTensors.write(file, to: url)
        let back = try SafeTensors.read(url)
        XCTAssertEqual(back.metadata, file.metadata)
        XCTAssertEqual(Dictionary(uniqueKeysWithValues: back.tensors.map { ($0.name, $0.tensor) }),
                       Dictionary(uniqueKeysWithValues: tensors.map { ($0.name, $0.tensor) }))
        let bytes = try SafeTensors.encode(file)
        let headerLength = Int(bytes[0..<8].withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
        XCTAssertEqual(headerLength % 8, 0, "header padded to 8 bytes")
        XCTAssertEqual(back.tensors.map(\.name), ["a.count", "b.bias", "c.empty", "d.mask"], "sorted by alignment then name")
    }

    func testRefusesBadHeaders() throws {
        let good = try SafeTensors.encode(SafeTensorsFile(tensors: [NamedTensor("x", try StoredTensor(float32: [1], shape: [1]))]))
        func header(_ json: String, data: Int = 4) -> [UInt8] {
            let text = Array(json.utf8)
            return withUnsafeBytes(of: UInt64(text.count).littleEndian) { Array($0) } + text + [UInt8](repeating: 0, count: data)
        }
        let cases: [(String, [UInt8])] = [
            ("short", Array(good.prefix(5))),
            ("length beyond file", [0xFF, 0xFF, 0, 0, 0, 0, 0, 0, 0x7B]),
            ("gap", header(#"{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, data: 8)),
            ("overlap", header(#"{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"y":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#)),
            ("wrong size", header(#"{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}"#)),
            ("unknown dtype", header(#"{"x":{"dtype":"F8_E4M3","shape":[4],"data_offsets":[0,4]}}"#)),
            ("not json", header("{nope")),
        ]
        for (name, bytes) in cases {
            XCTAssertThrowsError(try SafeTensors.decode(bytes), name)
        }
    }
}
