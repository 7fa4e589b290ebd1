import Foundation
import TensorEngine

/// A fixed pool of augmented training patches passed once through the frozen part of a
/// network: the head inputs (`PlainConvUNet.headInput`) and labels that head runs train on.
/// One pool serves every run of a head zoo, so a run costs only the head's forward and
/// backward passes.
public struct HeadInputPool: @unchecked Sendable {
    /// Head inputs, [P, 2·features[0], spatial...].
    public let inputs: Tensor
    /// Labels, [P, 1, spatial...].
    public let labels: Tensor

    /// Number of patches.
    public var count: Int { inputs.shape[0] }

    /// Draws `count` patches from `cases` as training would (`sampler`: patch size, foreground
    /// fraction, augmentation; the stream fixed by `seed`) and computes their head inputs
    /// with `network`'s current parameters. Cases are z-score normalised here, as `Trainer` does.
    public init(network: PlainConvUNet, cases: [SegmentationCase], sampler: PatchSampler, count: Int, seed: UInt64,
                batchSize: Int = 16) throws {
        guard count > 0 else { throw SegmentationDataError.invalidCase("(head input pool)", "needs at least one patch") }
        let loader = try BatchLoader(cases: cases.map { $0.zScoreNormalized() }, sampler: sampler, batchSize: batchSize,
                                     spatialRank: network.configuration.spatialRank, seed: seed)
        defer { loader.stop() }
        var inputBatches: [Tensor] = [], labelBatches: [Tensor] = []
        var drawn = 0
        while drawn < count {
            let batch = loader.next()
            let take = min(batchSize, count - drawn)
            let images = try batch.images.sliced(axis: 0, 0..<take)
            inputBatches.append(try GradMode.withNoGrad { try network.headInput(images) })
            labelBatches.append(try batch.labels.sliced(axis: 0, 0..<take))
            drawn += take
        }
        inputs = try Tensor.concatenate(inputBatches, axis: 0)
        labels = try Tensor.concatenate(labelBatches, axis: 0)
    }

    /// The patches at `indices` as one batch (copies; no gradient flows into the pool).
    public func batch(_ indices: [Int]) throws -> (inputs: Tensor, labels: Tensor) {
        (try Self.rows(inputs, indices), try Self.rows(labels, indices))
    }

    private static func rows(_ tensor: Tensor, _ indices: [Int]) throws -> Tensor {
        let stride = tensor.count / tensor.shape[0]
        let result = Tensor.zeros(Shape([indices.count] + Array(tensor.shape.dims.dropFirst())))
        for (row, index) in indices.enumerated() {
            guard (0..<tensor.shape[0]).contains(index) else {
                throw TensorError.invalidShape(op: "HeadInputPool.batch", shape: tensor.shape, reason: "no patch \(index)")
            }
            (result.pointer + row * stride).update(from: tensor.pointer + index * stride, count: stride)
        }
        return result
    }
}
