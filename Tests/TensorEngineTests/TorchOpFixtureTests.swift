import TensorEngine
import TestSupport
import XCTest

/// Each op reproduces PyTorch's forward output and input gradients from ../shared/fixtures/torch/ops.
final class TorchOpFixtureTests: XCTestCase {
    /// Loads a fixture, runs `op` on its inputs, backpropagates its `grad_output` and compares.
    private func check(_ name: String, file: StaticString = #filePath, line: UInt = #line,
                       _ op: ([String: Tensor], [String: Any]) throws -> Tensor) throws {
        let fixture = try SharedFixtures.op(name)
        let rawInputs = fixture["inputs"] as? [String: Any] ?? [:]
        var inputs: [String: Tensor] = [:]
        for (key, value) in rawInputs {
            let t = try SharedFixtures.tensor(value)
            if (value as? [String: Any])?["dtype"] as? String != "int64" { t.requiresGrad = true }
            inputs[key] = t
        }
        let output = try op(inputs, fixture["args"] as? [String: Any] ?? [:])
        assertClose(output, try SharedFixtures.tensor(fixture["output"]), "\(name) output", file: file, line: line)
        try output.backward(seed: try SharedFixtures.tensor(fixture["grad_output"]))
        for (key, value) in fixture["grads"] as? [String: Any] ?? [:] {
            guard let grad = inputs[key]?.grad else { XCTFail("\(name): no gradient for \(key)", file: file, line: line); continue }
            assertClose(grad, try SharedFixtures.tensor(value), "\(name) grad \(key)", file: file, line: line)
        }
    }

    private func ints(_ args: [String: Any], _ key: String) -> [Int] { args[key] as? [Int] ?? [] }

    func testConvolutions() throws {
        for name in ["conv2d_k1", "conv2d_k3s1p1", "conv2d_k3s2p1", "conv3d_k3s1p1", "conv3d_k3s2p1"] {
            try check(name) { i, a in
                try i["x"]!.convolution(weight: i["weight"]!, bias: i["bias"], stride: self.ints(a, "stride"), padding: self.ints(a, "padding"))
            }
        }
    }

    func testTransposedConvolutions() throws {
        for name in ["conv_transpose2d_k2s2", "conv_transpose3d_k2s2"] {
            try check(name) { i, a in
                try i["x"]!.transposedConvolution(weight: i["weight"]!, bias: i["bias"], stride: self.ints(a, "stride"))
            }
        }
    }

    func testNormalizations() throws {
        for name in ["instance_norm2d_affine", "instance_norm3d_affine"] {
            try check(name) { i, a in
                try i["x"]!.instanceNorm(weight: i["weight"]!, bias: i["bias"]!, eps: Float(a["eps"] as? Double ?? 1e-5))
            }
        }
        try check("layer_norm") { i, a in
            try i["x"]!.layerNorm(weight: i["weight"]!, bias: i["bias"]!, eps: Float(a["eps"] as? Double ?? 1e-5))
        }
    }

    func testActivations() throws {
        try check("leaky_relu") { i, a in i["x"]!.leakyReLU(slope: Float(a["negative_slope"] as? Double ?? 0.01)) }
        try check("gelu_erf") { i, _ in i["x"]!.gelu() }
        try check("softmax_lastdim") { i, a in try i["x"]!.softmax(axis: a["dim"] as? Int ?? -1) }
    }

    func testLinearAlgebra() throws {
        try check("linear") { i, _ in try i["x"]!.linear(weight: i["weight"]!, bias: i["bias"]) }
        try check("matmul_batched") { i, _ in try i["a"]!.matmul(i["b"]!) }
        try check("attention") { i, _ in try Self.attention(query: i["q"]!, key: i["k"]!, value: i["v"]!) }
    }

    /// PyTorch's `scaled_dot_product_attention` on [batch, heads, tokens, d] through the packed
    /// op: q, k, v packed as one projection's output, the result unpacked to heads again.
    private static func attention(query q: Tensor, key k: Tensor, value v: Tensor) throws -> Tensor {
        let (b, h, t, d) = (q.shape[0], q.shape[1], q.shape[2], q.shape[3])
        let packed = try Tensor.concatenate([q, k, v].map { try $0.permuted([0, 2, 1, 3]).reshaped([b, t, h * d]) }, axis: 2)
        return try Tensor.selfAttention(qkv: packed, heads: h).reshaped([b, t, h, d]).permuted([0, 2, 1, 3])
    }

    func testLosses() throws {
        try check("cross_entropy_2d") { i, _ in try SegmentationLoss.crossEntropy(logits: i["logits"]!, target: i["target"]!) }
        try check("mse") { i, _ in try SegmentationLoss.meanSquaredError(i["x"]!, i["y"]!) }
        for batchDice in [false, true] {
            try check("nnunet_dc_and_ce_batchdice_\(batchDice)") { i, _ in
                try SegmentationLoss.diceCrossEntropy(logits: i["logits"]!, target: i["target"]!, batchDice: batchDice)
            }
        }
    }
}
