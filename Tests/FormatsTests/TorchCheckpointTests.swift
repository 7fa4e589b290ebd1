import Formats
import Foundation
import TestSupport
import XCTest

/// Reads the torch.save fixtures, refuses hostile and broken ones, and round-trips the writer.
final class TorchCheckpointTests: XCTestCase {
    private func fixture(_ name: String) throws -> URL { try SharedFixtures.url("fixtures/torch/pth/\(name)") }

    /// `{"name": {"shape": [...], "data": [...], "dtype": "float32"}}` from a .expected.json.
    private func expectedStateDict() throws -> [(name: String, shape: [Int], values: [Double], dtype: String)] {
        let data = try Data(contentsOf: try fixture("state_dict.expected.json"))
        guard case .object(let object) = try JSONValue(parsing: Array(data)) else { throw FixtureError.malformed("expected") }
        return try object.members.map { name, entry in
            guard let shape = entry["shape"]?.arrayValue?.compactMap(\.intValue),
                  let values = entry["data"]?.arrayValue?.compactMap(\.doubleValue),
                  let dtype = entry["dtype"]?.stringValue else { throw FixtureError.malformed(name) }
            return (name, shape, values, dtype)
        }
    }

    func testStateDictFixturesMatchTheirExpectedValues() throws {
        let expected = try expectedStateDict()
        let variants: [(file: String, dtype: DType, tolerance: Double)] = [
            ("state_dict.pth", .float32, 0), ("state_dict_protocol4.pth", .float32, 0),
            ("state_dict_legacy.pth", .float32, 0), ("state_dict_float64.pth", .float64, 1e-7),
            ("state_dict_float16.pth", .float16, 2e-3), ("state_dict_bfloat16.pth", .bfloat16, 1e-2),
        ]
        for variant in variants {
            let tensors = try TorchCheckpoint.readStateDict(try fixture(variant.file))
            XCTAssertEqual(tensors.map(\.name), expected.map(\.name), variant.file)
            for (entry, wanted) in zip(tensors, expected) {
                XCTAssertEqual(entry.tensor.shape, wanted.shape, "\(variant.file) \(entry.name)")
                XCTAssertEqual(entry.tensor.dtype, wanted.dtype == "int64" ? .int64 : variant.dtype, "\(variant.file) \(entry.name)")
                for (value, target) in zip(entry.tensor.floatValues(), wanted.values) {
                    XCTAssertEqual(Double(value), target, accuracy: variant.tolerance * max(1, abs(target)) + 1e-7,
                                   "\(variant.file) \(entry.name)")
                }
            }
        }
    }

    func testViewsSharingOneStorageAreGatheredWithOffsetAndStride() throws {
        let data = try Data(contentsOf: try fixture("shared_storage_views.expected.json"))
        let expected = try JSONValue(parsing: Array(data))
        guard case .dict(let dict) = try TorchCheckpoint.read(try fixture("shared_storage_views.pth")) else {
            return XCTFail("not a dict")
        }
        for name in ["full", "view_t", "slice"] {
            guard case .tensor(let tensor)? = dict[name] else { return XCTFail("\(name) missing") }
            XCTAssertEqual(tensor.floatValues().map(Double.init), expected[name]?.arrayValue?.compactMap(\.doubleValue), name)
        }
        if case .tensor(let slice)? = dict["slice"] { XCTAssertEqual(slice.shape, [2, 3]) }
    }

    func testRefusesHostileGlobalWithoutRunningIt() throws {
        let hostile = try fixture("hostile_os_system.pth")
        XCTAssertThrowsError(try TorchCheckpoint.read(hostile)) { error in
            let error = error as? FormatError
            XCTAssertEqual(error?.kind, .forbidden)
            XCTAssertTrue(error?.description.contains("posix.system") == true, "\(String(describing: error))")
            XCTAssertTrue(error?.description.contains("hostile_os_system.pth") == true)
        }
    }

    func testRefusesTruncatedAndForeignFilesWithClearErrors() throws {
        for name in ["truncated.pth", "not_a_checkpoint.pth"] {
            let url = try fixture(name)
            XCTAssertThrowsError(try TorchCheckpoint.read(url)) { error in
                XCTAssertTrue("\(error)".contains(name), "\(error)")
                XCTAssertTrue("\(error)".contains("zip") || "\(error)".contains("checkpoint"), "\(error)")
            }
        }
    }

    func testWriterRoundTripsNestedValuesAndKeepsAliasesShared() throws {
        let weight = try StoredTensor(float32: [1, -2.5, 3, 4e-7, .infinity, 0], shape: [2, 3])
        let counter = try StoredTensor(int64: [Int64.max], shape: [])
        let half = try StoredTensor(dtype: .float16, shape: [2], bytes: [0x00, 0x3C, 0x00, 0xC0])
        let value = PickleValue.dict(PickleDict([
            "weights": .stateDict([NamedTensor("a.weight", weight), NamedTensor("alias.weight", weight),
                                   NamedTensor("bn.num_batches_tracked", counter), NamedTensor("h", half)]),
            "epoch": .int(-70_000_000_000), "name": .string("ünïcode ✓"), "flag": .bool(true), "nothing": .none,
            "rate": .float(1e-5), "axes": .tuple([.int(0), .int(1)]), "list": .list([.int(255), .int(65_536), .bytes([0, 255])]),
            "device": .object(type: "torch.device", value: .string("cpu")),
        ]))
        let url = try temporaryFolder().appendingPathComponent("round.pth")
        try TorchCheckpointWriter.write(value, to: url)
        let back = try TorchCheckpoint.read(url)
        XCTAssertEqual(back, value)
        let weights = try XCTUnwrap(back["weights"]?.dictValue).namedTensors()
        XCTAssertTrue(weights[0].tensor === weights[1].tensor, "aliases share one storage")
        XCTAssertEqual(weights.parameterCount, 6 + 1 + 2)
        XCTAssertEqual(half.floatValues(), [1, -2])
    }

    func testInterpreterRefusesMalformedPickles() throws {
        let url = try temporaryFolder().appendingPathComponent("bad.pth")
        try TorchCheckpointWriter.write(.int(1), to: url)
        XCTAssertEqual(try TorchCheckpoint.read(url), .int(1))
        XCTAssertThrowsError(try TorchCheckpoint.readStateDict(url)) { error in
            XCTAssertTrue("\(error)".contains("bad.pth"), "\(error)")
        }
    }
}
