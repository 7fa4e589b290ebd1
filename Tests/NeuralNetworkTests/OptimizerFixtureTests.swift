import NeuralNetwork
import TensorEngine
import TestSupport
import XCTest

/// SGD-Nesterov, Adam and AdamW follow PyTorch's trajectories over three steps within 1e-6.
final class OptimizerFixtureTests: XCTestCase {
    private func trajectory(_ name: String, makeOptimizer: ([String: Any], [(name: String, tensor: Tensor)]) -> Optimizer) throws {
        let fixture = try SharedFixtures.op(name)
        let args = try XCTUnwrap(fixture["args"] as? [String: Any])
        let param = try SharedFixtures.tensor(fixture["param"])
        param.requiresGrad = true
        let optimizer = makeOptimizer(args, [("w", param)])
        let grads = try XCTUnwrap(fixture["grads"] as? [Any])
        let expected = try XCTUnwrap(fixture["after_each_step"] as? [Any])
        for (step, (grad, after)) in zip(grads, expected).enumerated() {
            optimizer.zeroGrad()
            param.setGrad(try SharedFixtures.tensor(grad))
            try optimizer.step()
            assertClose(param, try SharedFixtures.tensor(after), rtol: 0, atol: 1e-6, "\(name) step \(step + 1)")
        }
    }

    private func float(_ args: [String: Any], _ key: String) -> Float { Float(args[key] as? Double ?? 0) }

    func testSGDNesterov() throws {
        try trajectory("sgd_nesterov") { a, p in
            SGD(parameters: p, learningRate: self.float(a, "lr"), momentum: self.float(a, "momentum"),
                nesterov: a["nesterov"] as? Bool ?? false, weightDecay: self.float(a, "weight_decay"))
        }
    }

    func testAdam() throws {
        try trajectory("adam") { a, p in
            let betas = a["betas"] as? [Double] ?? [0.9, 0.999]
            return Adam(groups: [ParameterGroup(p, weightDecay: self.float(a, "weight_decay"))], learningRate: self.float(a, "lr"),
                        beta1: Float(betas[0]), beta2: Float(betas[1]), eps: self.float(a, "eps"))
        }
    }

    func testAdamW() throws {
        try trajectory("adamw") { a, p in
            let betas = a["betas"] as? [Double] ?? [0.9, 0.999]
            return Adam.adamW(groups: [ParameterGroup(p, weightDecay: self.float(a, "weight_decay"))], learningRate: self.float(a, "lr"),
                              beta1: Float(betas[0]), beta2: Float(betas[1]), eps: self.float(a, "eps"))
        }
    }

    func testNonFiniteGradientIsRefusedBeforeAnyUpdate() throws {
        let a = Tensor.ones([3], requiresGrad: true), b = Tensor.ones([2], requiresGrad: true)
        let optimizer = SGD(parameters: [("a", a), ("b", b)], learningRate: 0.1, momentum: 0.9)
        a.setGrad(Tensor.ones([3]))
        b.setGrad(try Tensor(shape: [2], values: [1, .nan]))
        XCTAssertThrowsError(try optimizer.step()) { error in
            XCTAssertEqual(error as? TensorError, .nonFinite(what: "gradient of b"))
        }
        XCTAssertEqual(a.scalars, [1, 1, 1], "no parameter changes when any gradient is non-finite")
    }
}
