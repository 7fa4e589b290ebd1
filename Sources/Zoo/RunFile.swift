import Foundation
import Formats
import NeuralNetwork
import SystemZlib

/// One checkpoint's flat parameter vector as held in memory, with the optimiser state where
/// the zoo keeps it.
public struct CheckpointParameters: Sendable {
    public let iteration: Int
    public let values: [Float]
    public var optimizerState: FlatOptimizerState? = nil
}

/// An optimiser's `OptimizerMoments` flattened in a parameter layout: zero where a parameter
/// has not been stepped yet.
public struct FlatOptimizerState: Sendable, Equatable {
    public let first: [Float]
    /// Nil for an optimiser that keeps no second moment (SGD).
    public let second: [Float]?

    public init(first: [Float], second: [Float]?) {
        self.first = first
        self.second = second
    }
}

extension FlatOptimizerState {
    /// The state keyed by parameter name, as an optimiser restores it.
    public func moments(in layout: ParameterLayout) throws -> OptimizerMoments {
        OptimizerMoments(first: try layout.stateDict(first), second: try second.map { try layout.stateDict($0) })
    }
}

/// What `RunFile.write` wrote of one checkpoint: each tensor's CRC-32, and its byte count.
public struct RunFileChecksums: Sendable {
    public let crc32: UInt32
    public let bytes: Int
    /// The optimiser state tensor's CRC-32, where the checkpoint has one.
    public let optimizerStateCRC32: UInt32?
}

/// A run's checkpoints in one safetensors file: tensor `iteration.NNNNNNNN` is the flat
/// float32 parameter vector at that iteration, and `optimizer-state.iteration.NNNNNNNN`, where
/// kept, its optimiser state (rows: first moment, then second moment when there is one). One
/// file per run keeps the zoo to a few hundred files, and a run's checkpoints, which training
/// pairs combine, are read together.
public enum RunFile {
    /// The tensor name of a checkpoint.
    public static func tensorName(iteration: Int) -> String { String(format: "iteration.%08d", iteration) }

    /// The tensor name of a checkpoint's optimiser state.
    public static func optimizerStateTensorName(iteration: Int) -> String { "optimizer-state." + tensorName(iteration: iteration) }

    /// Writes `checkpoints` to `url` atomically and returns what it wrote of each.
    public static func write(_ checkpoints: [CheckpointParameters], metadata: [String: String],
                             to url: URL) throws -> [RunFileChecksums] {
        let parameters = try checkpoints.map {
            NamedTensor(tensorName(iteration: $0.iteration), try StoredTensor(float32: $0.values, shape: [$0.values.count]))
        }
        let states = try checkpoints.map { checkpoint in
            try checkpoint.optimizerState.map { state in
                let rows = [state.first] + (state.second.map { [$0] } ?? [])
                guard rows.allSatisfy({ $0.count == checkpoint.values.count }) else {
                    throw ZooError.incompatible("the optimiser state at iteration \(checkpoint.iteration) does not match its \(checkpoint.values.count) parameters")
                }
                return NamedTensor(optimizerStateTensorName(iteration: checkpoint.iteration),
                                   try StoredTensor(float32: rows.flatMap { $0 }, shape: [rows.count, checkpoint.values.count]))
            }
        }
        try SafeTensors.write(SafeTensorsFile(tensors: parameters + states.compactMap { $0 }, metadata: metadata), to: url)
        return zip(parameters, states).map { parameter, state in
            RunFileChecksums(crc32: checksum(parameter.tensor.bytes), bytes: parameter.tensor.bytes.count,
                             optimizerStateCRC32: state.map { checksum($0.tensor.bytes) })
        }
    }

    /// Reads the checkpoints of `iterations` from `url`, checking each against its expected
    /// CRC-32 when given; with `optimizerStateCRC32`, also each one's optimiser state, checked
    /// against it (the file is read once).
    public static func read(_ url: URL, iterations: [Int], expectedCRC32: [UInt32]? = nil,
                            optimizerStateCRC32: [UInt32]? = nil) throws -> [CheckpointParameters] {
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
            var checkpoint = CheckpointParameters(iteration: iteration, values: tensor.floatValues())
            if let expected = optimizerStateCRC32?[position] {
                checkpoint.optimizerState = try optimizerState(in: file, url: url, iteration: iteration, expectedCRC32: expected,
                                                              parameters: checkpoint.values.count)
            }
            return checkpoint
        }
    }

    /// The optimiser state of `iteration` in `file`, checked against its CRC-32 and the parameter count.
    private static func optimizerState(in file: SafeTensorsFile, url: URL, iteration: Int, expectedCRC32: UInt32,
                                       parameters: Int) throws -> FlatOptimizerState {
        let name = optimizerStateTensorName(iteration: iteration)
        guard let tensor = file.tensors[name], tensor.dtype == .float32, tensor.shape.count == 2, (1...2).contains(tensor.shape[0]),
              tensor.shape[1] == parameters else {
            throw ZooError.corrupt(path: url.path, reason: "optimiser state \(name) is missing or not one or two float32 rows of \(parameters)")
        }
        guard checksum(tensor.bytes) == expectedCRC32 else {
            throw ZooError.corrupt(path: url.path, reason: "optimiser state \(name) fails its CRC-32 check")
        }
        let values = tensor.floatValues()
        return FlatOptimizerState(first: Array(values[..<parameters]), second: tensor.shape[0] == 2 ? Array(values[parameters...]) : nil)
    }

    /// zlib's CRC-32 of `bytes`: catches torn or corrupted writes.
    public static func checksum(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBufferPointer { buffer in
            UInt32(truncatingIfNeeded: crc32(0, buffer.baseAddress, uInt(buffer.count)))
        }
    }
}
