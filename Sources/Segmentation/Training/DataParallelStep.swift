import Foundation
import TensorEngine

/// The forward and backward pass of one training step, split over copies of the network, one
/// per thread, each running its share of the batch on a single-threaded engine.
///
/// At nnU-Net's batch sizes (2–12) and small networks, splitting every op over the threads
/// spends much of the step handing work over and waiting; whole shards on their own threads
/// do not. The loss is still taken over the whole batch (batch Dice sums over every image),
/// and the copies' gradients are summed into the network's own, so the step computes what
/// the single-network step computes, up to the order of floating-point sums.
final class DataParallelStep {
    /// The network being trained; it runs the first shard and receives every gradient.
    let network: PlainConvUNet
    private let copies: [PlainConvUNet]
    private let batchSize: Int

    /// One shard per thread, but never more shards than images; with a single shard the
    /// network runs as it is, with no copies.
    init(network: PlainConvUNet, batchSize: Int, threads: Int = Engine.threadCount) throws {
        self.network = network
        self.batchSize = batchSize
        let shards = max(1, min(threads, batchSize))
        copies = try (1..<shards).map { _ in try PlainConvUNet(network.configuration, seed: 0) }
    }

    private var shardCount: Int { copies.count + 1 }

    /// Runs the network on `images`, asks `loss` for the loss of the outputs (logits per
    /// decoder level, as `PlainConvUNet.forward` returns them for the whole batch), and leaves
    /// d(loss)/d(parameter) in the network's gradients. Returns the loss.
    func lossAndGradients(images: Tensor, deepSupervision: Bool,
                          loss: ([Tensor]) throws -> Tensor) throws -> Tensor {
        guard shardCount > 1 else {
            let value = try loss(network.forward(images, deepSupervision: deepSupervision))
            try value.backward()
            return value
        }
        guard images.shape[0] == batchSize else {
            throw TensorError.invalidShape(op: "data-parallel step", shape: images.shape,
                                           reason: "expected a batch of \(batchSize)")
        }
        copyParametersToCopies()
        let networks = [network] + copies
        let shards = (0..<shardCount).map { chunkRange($0, of: shardCount, count: batchSize) }
        let shardOutputs = try parallelMap(shardCount, workers: shardCount) { k in
            try networks[k].forward(images.sliced(axis: 0, shards[k]), deepSupervision: deepSupervision)
        }
        // The whole batch's logits as leaves, so the loss's backward stops at them.
        let joined = try (0..<shardOutputs[0].count).map { level -> Tensor in
            let logits = try Tensor.concatenate(shardOutputs.map { $0[level].detached() }, axis: 0)
            return Tensor(storage: logits.storage, shape: logits.shape, requiresGrad: true)
        }
        let value = try loss(joined)
        try value.backward()
        // Levels the loss does not read (deep supervision's zero-weight level) get no gradient.
        let levels = joined.indices.filter { joined[$0].grad != nil }
        _ = try parallelMap(shardCount, workers: shardCount) { k in
            try Tensor.backward(levels.map { shardOutputs[k][$0] },
                                seeds: try levels.map { try joined[$0].grad!.sliced(axis: 0, shards[k]) })
        }
        addCopiesGradientsToNetwork()
        return value
    }

    /// Values and frozen state: a frozen parameter of the network is frozen in every copy.
    private func copyParametersToCopies() {
        let source = network.parameters()
        for copy in copies {
            for (target, value) in zip(copy.parameters(), source) {
                target.pointer.update(from: value.pointer, count: value.count)
                target.requiresGrad = value.requiresGrad
            }
        }
    }

    private func addCopiesGradientsToNetwork() {
        let targets = network.parameters()
        for copy in copies {
            for (parameter, target) in zip(copy.parameters(), targets) {
                guard let gradient = parameter.grad else { continue }
                if let existing = target.grad {
                    addInPlace(existing, gradient)
                } else {
                    target.setGrad(gradient)
                }
                parameter.zeroGrad()
            }
        }
    }
}
