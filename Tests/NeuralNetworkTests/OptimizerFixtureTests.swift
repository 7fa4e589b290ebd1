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

/// An optimiser's state as `moments()` reports it, and restored into a fresh optimiser.
final class OptimizerMomentsTests: XCTestCase {
    /// After steps with one constant gradient g, Adam's bias-corrected moments are exactly g and
    /// g²: the correction divides out the zero start.
    func testAdamsMomentsAreBiasCorrected() throws {
        let parameter = try Tensor(shape: [3], values: [0.5, -1, 2])
        let adam = Adam(groups: [ParameterGroup([("w", parameter)], weightDecay: 0)], learningRate: 1e-2)
        let gradient: [Float] = [0.3, -2, 1e-3]
        for _ in 0..<4 {
            parameter.setGrad(try Tensor(shape: [3], values: gradient))
            try adam.step()
        }
        let moments = adam.moments()
        assertClose(try XCTUnwrap(moments.first["w"]), try Tensor(shape: [3], values: gradient), rtol: 1e-5, atol: 0, "first moment")
        assertClose(try XCTUnwrap(moments.second?["w"]), try Tensor(shape: [3], values: gradient.map { $0 * $0 }), rtol: 1e-5, atol: 0, "second moment")
    }

    /// A fresh optimiser restored with another's moments after its steps takes the same next step.
    func testARestoredOptimiserTakesTheSameNextStep() throws {
        let makers: [(String, ([(name: String, tensor: Tensor)]) -> Optimizer)] = [
            ("Adam", { Adam(groups: [ParameterGroup($0, weightDecay: 1e-3)], learningRate: 1e-2) }),
            ("AdamW", { Adam.adamW(groups: [ParameterGroup($0, weightDecay: 1e-2)], learningRate: 1e-2) }),
            ("SGD", { SGD(parameters: $0, learningRate: 1e-2, momentum: 0.9, nesterov: true, weightDecay: 1e-3) }),
        ]
        var rng = SeededGenerator(seed: 12)
        let gradients = (0..<4).map { _ in (0..<5).map { _ in Float.random(in: -1...1, using: &rng) } }
        for (name, make) in makers {
            let original = try Tensor(shape: [5], values: [0.1, -0.2, 0.3, 0.4, -0.5])
            let optimizer = make([("w", original)])
            for gradient in gradients.prefix(3) {
                original.setGrad(try Tensor(shape: [5], values: gradient))
                try optimizer.step()
            }
            let copy = original.copy()
            let restored = make([("w", copy)])
            try restored.restore(optimizer.moments(), steps: 3)
            for (parameter, stepper) in [(original, optimizer), (copy, restored)] {
                parameter.setGrad(try Tensor(shape: [5], values: gradients[3]))
                try stepper.step()
            }
            assertClose(copy, original, rtol: 1e-6, atol: 1e-7, "\(name)'s fourth step after a restore")
        }
        // A state restored before any step (a run resumed at its initialisation) reads as zero, not 0 / 0.
        let fresh = Adam(groups: [ParameterGroup([("w", Tensor.zeros([2]))], weightDecay: 0)])
        try fresh.restore(OptimizerMoments(first: ["w": Tensor.zeros([2])], second: ["w": Tensor.zeros([2])]), steps: 0)
        XCTAssertEqual(fresh.moments().second?["w"]?.scalars, [0, 0])
        let sgd = SGD(parameters: [("w", Tensor.zeros([2]))], learningRate: 1, momentum: 0.9)
        XCTAssertThrowsError(try sgd.restore(OptimizerMoments(first: [:], second: [:]), steps: 1), "SGD refuses Adam's state")
        let adam = Adam(groups: [ParameterGroup([("w", Tensor.zeros([2]))], weightDecay: 0)])
        XCTAssertThrowsError(try adam.restore(OptimizerMoments(first: [:], second: nil), steps: 1), "Adam refuses SGD's state")
    }
}
