import Foundation
import NeuralNetwork
import Segmentation
import TensorEngine
import XCTest

// TEMPORARY difficulty probe; deleted after use.
final class PhantomTrainingProbe: XCTestCase {
    func testProbe() throws {
        let env = ProcessInfo.processInfo.environment
        guard let taskName = env["PROBE_TASK"], let task = PhantomTask(rawValue: taskName) else { throw XCTSkip("probe") }
        let iterations = Int(env["PROBE_ITERS"] ?? "300")!
        let seed = UInt64(env["PROBE_SEED"] ?? "1")!
        let lr = Float(env["PROBE_LR"] ?? "0.01")!
        let contrast = PhantomContrastMode(rawValue: env["PROBE_CONTRAST"] ?? "mixed")!
        let phantom = try SpinalCordPhantom(configuration: PhantomConfiguration(seed: 100, contrast: contrast))
        let train = phantom.makeCases(0..<200), test = phantom.makeCases(200..<260)
        func normalized(_ c: PhantomCase) -> [Float] {
            let m = c.image.reduce(0, +) / Float(c.image.count)
            let s = (c.image.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Float(c.image.count)).squareRoot()
            return c.image.map { ($0 - m) / s }
        }
        let net = try PlainConvUNet(.standard(features: [4, 8, 16], spatialRank: 2), seed: seed)
        let opt = SGD(parameters: net.namedParameters(), learningRate: lr, momentum: 0.99, nesterov: true, weightDecay: 3e-5)
        var rng = SeededGenerator(seed: seed)
        let batch = 8
        let start = Date()
        for it in 0..<iterations {
            var xs: [Float] = [], ys: [Float] = []
            for _ in 0..<batch {
                var c = train[Int(rng.next() % 200)]
                if rng.next() % 2 == 0 { // flip x
                    func flip<T>(_ a: [T]) -> [T] { (0..<64).flatMap { r in a[(r*64)..<(r*64+64)].reversed() } }
                    c.image = flip(c.image); c.labels[task] = flip(c.label(task))
                }
                xs += normalized(c); ys += c.label(task).map(Float.init)
            }
            opt.learningRate = lr * pow(1 - Float(it) / Float(iterations), 0.9)
            net.zeroGrad()
            let logits = try net(try Tensor(shape: [batch, 1, 64, 64], values: xs))
            let loss = try SegmentationLoss.diceCrossEntropy(logits: logits, target: try Tensor(shape: [batch, 1, 64, 64], values: ys), batchDice: true)
            try loss.backward()
            _ = clipGradientNorm(net.parameters(), maxNorm: 12)
            try opt.step()
            if it % 100 == 0 { print("it \(it) loss \(loss.item) \(Date().timeIntervalSince(start))s") }
        }
        var evals: [CaseEvaluation] = []
        let geometry = try GridGeometry(shape: [64, 64], spacing: [1, 1])
        for c in test {
            let logits = try net(try Tensor(shape: [1, 1, 64, 64], values: normalized(c))).scalars
            let pred: [UInt8] = (0..<4096).map { logits[4096 + $0] > logits[$0] ? 1 : 0 }
            evals.append(try CaseEvaluation(identifier: c.identifier, prediction: pred, reference: c.label(task), geometry: geometry, surfaceDistances: false))
        }
        let s = try DatasetEvaluation(cases: evals)
        let t1 = evals.enumerated().filter { test[$0.offset].contrast == .t1 }.map(\.element.dice)
        let t2 = evals.enumerated().filter { test[$0.offset].contrast == .t2 }.map(\.element.dice)
        let nonEmpty = evals.enumerated().filter { test[$0.offset].label(task).contains(1) }.map(\.element.dice)
        for (c, e) in zip(test, evals).sorted(by: { $0.1.dice < $1.1.dice }).prefix(12) {
            print("WORST", c.index, c.contrast, "cord", c.label(.cord).filter { $0 == 1 }.count, "canal", c.label(.canal).filter { $0 == 1 }.count, "lesion", c.label(.lesion).filter { $0 == 1 }.count, "dice", e.dice, "fp", e.classes[0].counts.falsePositives, "fn", e.classes[0].counts.falseNegatives)
        }
        print("PROBE task \(task) seed \(seed) lr \(lr) iters \(iterations): mean \(s.meanDice) median \(s.classes[0].dice.median) t1 \(t1.reduce(0,+)/Double(max(t1.count,1))) t2 \(t2.reduce(0,+)/Double(max(t2.count,1))) nonEmpty \(nonEmpty.reduce(0,+)/Double(max(nonEmpty.count,1))) time \(Date().timeIntervalSince(start))")
    }
}
