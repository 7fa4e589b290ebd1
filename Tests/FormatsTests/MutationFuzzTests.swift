import Formats
import Foundation
import TestSupport
import XCTest

/// Random byte mutations of valid files: every parser must throw or succeed, never crash.
final class MutationFuzzTests: XCTestCase {
    private struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    private func mutate(_ bytes: [UInt8], _ random: inout Generator) -> [UInt8] {
        var result = bytes
        for _ in 0..<Int.random(in: 1...8, using: &random) {
            guard !result.isEmpty else { break }
            let index = Int.random(in: 0..<result.count, using: &random)
            switch Int.random(in: 0..<4, using: &random) {
            case 0: result[index] = UInt8.random(in: 0...255, using: &random)
            case 1: result[index] ^= 1 << UInt8.random(in: 0..<8, using: &random)
            case 2: result.removeSubrange(index..<min(result.count, index + Int.random(in: 1...16, using: &random)))
            default: result.insert(contentsOf: [0xFF, 0x7F, 0x00, 0x80].shuffled(using: &random), at: index)
            }
        }
        return result
    }

    private func run(_ name: String, seed: [UInt8], iterations: Int, _ parse: ([UInt8]) throws -> Void) {
        var random = Generator(state: UInt64(name.utf8.count) &* 7919)
        var failures = 0
        for _ in 0..<iterations {
            do { try parse(mutate(seed, &random)) } catch { failures += 1 }
        }
        XCTAssertGreaterThan(failures, 0, "\(name): mutations are noticed")
    }

    func testMutatedNIfTINeverCrashes() throws {
        let volume = try NIfTIVolume(dims: [5, 4, 3], affine: .scaling([1, 2, 3]), values: (0..<60).map(Float.init))
        let plain = try NIfTIWriter.encode(volume)
        run("nifti", seed: plain, iterations: 2000) { _ = try NIfTIReader.read(bytes: $0) }
        let url = try temporaryFolder().appendingPathComponent("v.nii.gz")
        try NIfTIWriter.write(volume, to: url)
        run("nifti.gz", seed: Array(try Data(contentsOf: url)), iterations: 1000) { _ = try NIfTIReader.read(bytes: $0) }
    }

    func testMutatedCheckpointsNeverCrash() throws {
        let url = try temporaryFolder().appendingPathComponent("c.pth")
        let tensor = try StoredTensor(float32: [1, 2, 3, 4], shape: [2, 2])
        try TorchCheckpointWriter.write(.dict(PickleDict(["w": .tensor(tensor), "v": .list([.int(1), .string("x")])])), to: url)
        run("pth", seed: Array(try Data(contentsOf: url)), iterations: 1500) { _ = try TorchCheckpoint.read(data: Data($0)) }
        let legacy = Array(try Data(contentsOf: try SharedFixtures.url("fixtures/torch/pth/state_dict_legacy.pth")))
        run("legacy", seed: legacy, iterations: 1500) { _ = try TorchCheckpoint.read(data: Data($0)) }
    }

    func testMutatedSafeTensorsNeverCrash() throws {
        let file = SafeTensorsFile(tensors: [NamedTensor("a", try StoredTensor(float32: [1, 2], shape: [2]))], metadata: ["k": "v"])
        run("safetensors", seed: try SafeTensors.encode(file), iterations: 2000) { _ = try SafeTensors.decode($0) }
    }
}
