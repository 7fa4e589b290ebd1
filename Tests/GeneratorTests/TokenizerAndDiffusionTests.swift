import Segmentation
import TensorEngine
import XCTest
import Zoo
@testable import Generator

/// Tokenisation and normalisation invert exactly; the diffusion follows its closed forms.
final class TokenizerAndDiffusionTests: XCTestCase {
    func testTokenizerRoundTripIsExactAndPacksSmallTensors() throws {
        let network = try PlainConvUNet(UNetPreset.tiny.configuration(spatialRank: 2), seed: 1)
        let layout = ParameterLayout(network)
        let values = try layout.flatten(network)
        for chunk in [16, 64, 128, 256, 10_000] {
            let tokenizer = ParameterTokenizer(layout: layout, chunkSize: chunk)
            let tokens = tokenizer.tokenize(values)
            XCTAssertEqual(tokens.count, tokenizer.tokenCount * chunk)
            XCTAssertEqual(tokenizer.detokenize(tokens), values, "chunk \(chunk)")
            XCTAssertEqual(Int(tokenizer.mask.reduce(0, +)), layout.parameterCount)
            let unpacked = layout.entries.map { ($0.count + chunk - 1) / chunk }.reduce(0, +)
            XCTAssertLessThan(tokenizer.tokenCount, unpacked, "small tensors share tokens (chunk \(chunk))")
        }
    }

    func testNormalizerInverts() throws {
        let layout = ParameterLayout(try PlainConvUNet(UNetPreset.tiny.configuration(spatialRank: 2), seed: 1))
        let checkpoints = try (0..<3).map { try layout.flatten(try PlainConvUNet(UNetPreset.tiny.configuration(spatialRank: 2), seed: UInt64($0))) }
        let normalizer = ParameterNormalizer(layout: layout, checkpoints: checkpoints)
        let round = normalizer.denormalize(normalizer.normalize(checkpoints[1]))
        for (a, b) in zip(round, checkpoints[1]) { XCTAssertEqual(a, b, accuracy: 1e-6) }
        let weights = layout.entries.first { $0.name.hasSuffix("convs.1.conv.weight") }!
        let normalized = normalizer.normalize(checkpoints[0])[weights.offset..<(weights.offset + weights.count)]
        let std = (normalized.map { Double($0 * $0) }.reduce(0, +) / Double(weights.count)).squareRoot()
        XCTAssertEqual(std, 1, accuracy: 0.3, "kernels reach the generator at unit scale")
    }

    func testNoisingMatchesItsClosedForm() {
        let diffusion = GaussianDiffusion(steps: 1000)
        XCTAssertEqual(diffusion.betas.first!, 1e-4, accuracy: 1e-12)
        XCTAssertEqual(diffusion.betas.last!, 0.02, accuracy: 1e-12)
        var product = 1.0
        for t in 0..<1000 { product *= 1 - diffusion.betas[t] }
        XCTAssertEqual(diffusion.alphaBars[999], product, accuracy: 1e-12)
        let x0: [Float] = [0.5, -1, 2], noise: [Float] = [1, 0.25, -0.5]
        for t in [0, 10, 500, 999] {
            let expected = zip(x0, noise).map { Float(diffusion.alphaBars[t].squareRoot()) * $0 + Float((1 - diffusion.alphaBars[t]).squareRoot()) * $1 }
            XCTAssertEqual(diffusion.noised(x0, step: t, noise: noise), expected)
        }
        // Empirical moments of x_t for a fixed x₀ match √ᾱ·x₀ and 1 − ᾱ.
        var rng = SeededGenerator(seed: 2)
        let t = 300, samples = 20_000
        let values = (0..<samples).map { _ in diffusion.noised([1.5], step: t, noise: [rng.nextNormal()])[0] }
        let mean = values.map(Double.init).reduce(0, +) / Double(samples)
        let variance = values.map { (Double($0) - mean) * (Double($0) - mean) }.reduce(0, +) / Double(samples)
        XCTAssertEqual(mean, 1.5 * diffusion.alphaBars[t].squareRoot(), accuracy: 0.02)
        XCTAssertEqual(variance, 1 - diffusion.alphaBars[t], accuracy: 0.02)
    }

    func testSamplersRecoverTheCleanTargetFromAnExactModel() {
        let diffusion = GaussianDiffusion(steps: 1000)
        let x0: [Float] = [0.3, -0.7, 1.1], noise: [Float] = [0.9, -1.2, 0.4]
        // DDIM with the true x₀ moves along the same noise: x_t → x_{t'} in closed form.
        let xt = diffusion.noised(x0, step: 600, noise: noise)
        let stepped = diffusion.ddimStep(x0: x0, xt: xt, step: 600, previous: 200)
        for (a, b) in zip(stepped, diffusion.noised(x0, step: 200, noise: noise)) { XCTAssertEqual(a, b, accuracy: 1e-5) }
        XCTAssertEqual(diffusion.ddimStep(x0: x0, xt: xt, step: 5, previous: -1), x0)
        // The ancestral step's mean is the posterior mean: with σ → its expectation over many draws.
        var rng = SeededGenerator(seed: 5)
        var sum = [Double](repeating: 0, count: 3)
        for _ in 0..<5000 { for (i, v) in diffusion.ancestralStep(x0: x0, xt: xt, step: 600, rng: &rng).enumerated() { sum[i] += Double(v) } }
        let a = diffusion.alphaBars[600], ap = diffusion.alphaBars[599], beta = diffusion.betas[600]
        for i in 0..<3 {
            let posterior = ap.squareRoot() * beta / (1 - a) * Double(x0[i]) + (1 - beta).squareRoot() * (1 - ap) / (1 - a) * Double(xt[i])
            XCTAssertEqual(sum[i] / 5000, posterior, accuracy: 0.01)
        }
        let schedule = diffusion.ddimSchedule(count: 50)
        XCTAssertEqual(schedule.first, 999)
        XCTAssertEqual(schedule.last, 0)
        XCTAssertEqual(schedule.count, 50)
    }
}
