import Foundation
import Formats
import SystemZlib

/// One checkpoint's flat parameter vector as held in memory.
public struct CheckpointParameters: Sendable {
    public let iteration: Int
    public let values: [Float]
}

/// A run's checkpoints in one safetensors file: tensor `iteration.NNNNNNNN` is the flat
/// float32 parameter vector at that iteration. One file per run keeps the zoo to a few
/// hundred files, and a run's checkpoints, which training pairs combine, are read together.
public enum RunFile {
    /// The tensor name of a checkpoint.
    public static func tensorName(iteration: Int) -> String { String(format: "iteration.%08d", iteration) }

    /// Writes `checkpoints` to `url` atomically and returns each one's CRC-32 and byte count.
    public static func write(_ checkpoints: [CheckpointParameters], metadata: [String: String],
                             to url: URL) throws -> [(crc32: UInt32, bytes: Int)] {
        let tensors = try checkpoints.map {
            NamedTensor(tensorName(iteration: $0.iteration), try StoredTensor(float32: $0.values, shape: [$0.values.count]))
        }
        try SafeTensors.write(SafeTensorsFile(tensors: tensors, metadata: metadata), to: url)
        return tensors.map { (checksum($0.tensor.bytes), $0.tensor.bytes.count) }
    }

    /// Reads the checkpoints of `iterations` from `url`, checking each against its expected
    /// CRC-32 when given.
    public static func read(_ url: URL, iterations: [Int], expectedCRC32: [UInt32]? = nil) throws -> [CheckpointParameters] {
        let file: SafeTensorsFile
        do { file = try SafeTensors.read(url) } catch { throw ZooError.corrupt(path: url.path, reason: "unreadable run file: \(error)") }
        return try iterations.enumerated().map { position, iteration in
            let name = tensorName(iteration: iteration)
            guard let tensor = file.tensors[name], tensor.dtype == .float32, tensor.shape.count == 1 else {
                throw ZooError.corrupt(path: url.path, reason: "checkpoint \(name) is missing or not a float32 vector")
            }
            if let expected = expectedCRC32?[position], checksum(tensor.bytes) != expected {
                throw ZooError.corrupt(path: url.path, reason: "checkpoint \(name) fails its CRC-32 check")
            }
            return CheckpointParameters(iteration: iteration, values: tensor.floatValues())
        }
    }

    /// zlib's CRC-32 of `bytes`: catches torn or corrupted writes.
    public static func checksum(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBufferPointer { buffer in
            UInt32(truncatingIfNeeded: crc32(0, buffer.baseAddress, uInt(buffer.count)))
        }
    }
}
