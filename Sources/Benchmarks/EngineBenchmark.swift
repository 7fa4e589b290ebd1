import Foundation
import NeuralNetwork
import Segmentation
import TensorEngine

/// `weightgen bench engine`: convolution, transformer block, message passing, a symmetric
/// eigendecomposition and U-Net training step, each timed in weightgen and in PyTorch on the
/// same shapes, threads and batch in one run.
public struct EngineBenchmark {
    /// A case as both sides describe it: `kind` and `shape` are passed to the PyTorch script.
    struct Case {
        let name: String
        let kind: String
        let shape: [String: Any]
        let flops: Double
        let makeStep: () throws -> () throws -> Void
    }

    public var repeats: Int
    public var warmup: Int
    public var peer: PyTorchPeer?
    /// Runs only the cases whose name contains this text (all when nil).
    public var filter: String?

    public init(repeats: Int = 10, warmup: Int = 3, peer: PyTorchPeer?, filter: String? = nil) {
        self.repeats = repeats
        self.warmup = warmup
        self.peer = peer
        self.filter = filter
    }

    /// Runs every case on both sides and returns the report.
    public func run(progress: (String) -> Void = { _ in }) throws -> BenchmarkReport {
        let cases = try Self.cases().filter { filter == nil || $0.name.localizedCaseInsensitiveContains(filter!) }
        progress("sgemm 1024³")
        let sgemm = try Self.sgemmGflops(repeats: repeats)
        var ours: [String: Double] = [:]
        for c in cases {
            progress("weightgen: \(c.name)")
            let step = try c.makeStep()
            ours[c.name] = try medianSeconds(repeats: repeats, warmup: warmup, step)
        }
        var theirs: [String: Double] = [:]
        var skipped: String?
        if let peer {
            progress("pytorch: \(cases.count) cases")
            let spec = cases.map { ["name": $0.name, "kind": $0.kind, "shape": $0.shape] as [String: Any] }
            let specJSON = String(decoding: try JSONSerialization.data(withJSONObject: spec), as: UTF8.self)
            switch peer.run(script: try Self.script(), arguments: ["--threads", String(Engine.threadCount),
                                                                 "--repeats", String(repeats), "--warmup", String(warmup),
                                                                 "--spec", specJSON]) {
            case let .success(timings): theirs = timings
            case let .failure(reason): skipped = reason.reason
            }
        } else {
            skipped = "--no-pytorch given"
        }
        let results = cases.map { c -> BenchmarkResult in
            let mine = ours[c.name]!, peerTime = theirs[c.name]
            return BenchmarkResult(name: c.name, weightgenSeconds: mine, pytorchSeconds: peerTime,
                                   ratio: peerTime.map { mine / $0 }, gflops: c.flops / mine / 1e9)
        }
        return BenchmarkReport(sgemmGflops: sgemm, cases: results, pytorchSkipped: skipped, threads: Engine.threadCount)
    }

    /// The PyTorch script shipped with the package.
    static func script() throws -> URL {
        guard let url = Bundle.module.url(forResource: "engine_torch", withExtension: "py") else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "engine_torch.py resource is missing"])
        }
        return url
    }

    /// Throughput of a 1024³ GEMM through the engine's BLAS path.
    static func sgemmGflops(repeats: Int) throws -> Double {
        let a = Tensor.normal([1024, 1024], seed: 1), b = Tensor.normal([1024, 1024], seed: 2)
        let seconds = try medianSeconds(repeats: repeats, warmup: 2) { _ = try withNoGrad { try a.matmul(b) } }
        return 2 * 1024 * 1024 * 1024 / seconds / 1e9
    }

    static func cases() throws -> [Case] {
        [convolution(batch: 16, inChannels: 16, outChannels: 32, size: 64),
         convolution(batch: 64, inChannels: 32, outChannels: 64, size: 32),
         transformer(batch: 32, tokens: 64, width: 256, heads: 4),
         messagePassing(edges: 65_536, nodes: 1_024, width: 64),
         symmetricEigen(size: 144),
         try unetStep(batch: 16, size: 64, features: [4, 8, 16])]
    }

    static func convolution(batch n: Int, inChannels cin: Int, outChannels cout: Int, size: Int) -> Case {
        let flops = 3 * 2 * Double(n * cout * cin * 9 * size * size)
        return Case(name: "conv3x3 fwd+bwd N\(n) C\(cin)→\(cout) \(size)×\(size)", kind: "conv",
                    shape: ["n": n, "cin": cin, "cout": cout, "size": size], flops: flops) {
            let x = Tensor.normal([n, cin, size, size], seed: 1, requiresGrad: true)
            let w = Tensor.normal([cout, cin, 3, 3], seed: 2, requiresGrad: true)
            let b = Tensor.zeros([cout], requiresGrad: true)
            let g = Tensor.normal([n, cout, size, size], seed: 3)
            return {
                x.zeroGrad(); w.zeroGrad(); b.zeroGrad()
                try x.convolution(weight: w, bias: b, stride: [1, 1], padding: [1, 1]).backward(seed: g)
            }
        }
    }

    static func transformer(batch: Int, tokens: Int, width: Int, heads: Int) -> Case {
        let t = Double(batch * tokens), w = Double(width)
        let dense = t * (2 * w * 3 * w + 2 * w * w + 2 * 2 * w * 4 * w)
        let attention = 2 * 2 * Double(batch) * Double(tokens * tokens) * w
        return Case(name: "transformer block fwd+bwd B\(batch) T\(tokens) W\(width) H\(heads)", kind: "transformer",
                    shape: ["batch": batch, "tokens": tokens, "width": width, "heads": heads],
                    flops: 3 * (dense + attention)) {
            var rng = SeededGenerator(seed: 4)
            let block = TransformerBlock(width: width, heads: heads, rng: &rng)
            let x = Tensor.normal([batch, tokens, width], seed: 5, requiresGrad: true)
            return {
                block.zeroGrad(); x.zeroGrad()
                try block(x).square().mean().backward()
            }
        }
    }

    /// A message-passing round as graph metanetworks run it: edge rows summed into their nodes
    /// (`indexAdd`) and read back by every edge (`indexSelect`), then backpropagated. Edge k
    /// belongs to node (k × 7919) mod `nodes` on both sides.
    static func messagePassing(edges: Int, nodes: Int, width: Int) -> Case {
        Case(name: "index_add + index_select fwd+bwd E\(edges) nodes \(nodes) W\(width)", kind: "message_passing",
             shape: ["edges": edges, "nodes": nodes, "width": width], flops: 4 * Double(edges * width)) {
            let index = try RowIndex((0..<edges).map { $0 * 7919 % nodes }, rows: nodes)
            let x = Tensor.normal([edges, width], seed: 9, requiresGrad: true)
            let g = Tensor.normal([edges, width], seed: 10)
            return {
                x.zeroGrad()
                try x.indexAdd(index).indexSelect(index).backward(seed: g)
            }
        }
    }

    /// The eigendecomposition Shampoo's direction refreshes its roots by (`SymmetricEigen`), in
    /// double precision, of the size of a 16-channel 3 × 3 convolution's column statistics: the
    /// matrix A Aᵀ / n of an n × n matrix A of uniform entries in [−1, 1) on both sides; about 9n³
    /// operations, as LAPACK counts a full decomposition.
    static func symmetricEigen(size n: Int) -> Case {
        Case(name: "symmetric eigendecomposition (float64) \(n)×\(n)", kind: "eigh", shape: ["size": n], flops: 9 * pow(Double(n), 3)) {
            let a: [Double] = (0..<(n * n)).map { Double(($0 * 7919) % 2001) / 1000 - 1 }
            var m = [Double](repeating: 0, count: n * n)
            for i in 0..<n {
                for j in 0..<n {
                    var sum = 0.0
                    for k in 0..<n { sum += a[i * n + k] * a[j * n + k] }
                    m[i * n + j] = sum / Double(n)
                }
            }
            return { _ = try SymmetricEigen(m, size: n) }
        }
    }

    static func unetStep(batch: Int, size: Int, features: [Int]) throws -> Case {
        let configuration = PlainConvUNetConfiguration.standard(features: features, spatialRank: 2)
        let flops = 3 * configuration.forwardFLOPs(batch: batch, spatial: [size, size])
        return Case(name: "PlainConvUNet \(features) train step B\(batch) \(size)×\(size)", kind: "unet",
                    shape: ["batch": batch, "size": size, "features": features], flops: flops) {
            let network = try PlainConvUNet(configuration, seed: 6)
            let optimizer = SGD(parameters: network.namedParameters(), learningRate: 1e-2, momentum: 0.99,
                                nesterov: true, weightDecay: 3e-5)
            let x = Tensor.normal([batch, 1, size, size], seed: 7)
            let target = Tensor.uniform([batch, 1, size, size], seed: 8).unary { $0 > 0.7 ? 1 : 0 }
            return {
                optimizer.zeroGrad()
                let loss = try SegmentationLoss.diceCrossEntropy(logits: network(x), target: target, batchDice: true)
                try loss.backward()
                clipGradientNorm(network.parameters(), maxNorm: 12)
                try optimizer.step()
            }
        }
    }
}

private extension Tensor {
    /// Elementwise map outside the tape, for building inputs.
    func unary(_ f: (Float) -> Float) -> Tensor {
        let result = Tensor.zeros(shape)
        for i in 0..<count { result.pointer[i] = f(pointer[i]) }
        return result
    }
}
