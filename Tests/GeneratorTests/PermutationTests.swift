import Segmentation
import TensorEngine
import TestSupport
import XCTest
import Zoo
@testable import Generator

/// Permutation augmentation: a U-Net with its hidden channels permuted (consistently through
/// convolutions, norms, transposed convolutions, skips and heads) computes the same function.
final class PermutationTests: XCTestCase {
    private func assertPermutationPreservesOutputs(_ configuration: PlainConvUNetConfiguration, input shape: [Int],
                                                   file: StaticString = #filePath, line: UInt = #line) throws {
        let network = try PlainConvUNet(configuration, seed: 4)
        let layout = ParameterLayout(network)
        // Non-zero biases and norm parameters, so a wrong permutation of them would show.
        var values = try layout.flatten(network)
        var rng = SeededGenerator(seed: 9)
        for entry in layout.entries where entry.shape.count == 1 {
            for i in entry.offset..<(entry.offset + entry.count) { values[i] += 0.3 * rng.nextNormal() }
        }
        try network.loadStateDict(layout.stateDict(values))
        let permutation = try UNetPermutation(configuration: configuration, layout: layout)
        let permuted = permutation.apply(permutation.sample(&rng), to: values)
        XCTAssertNotEqual(permuted, values, "the permutation should move parameters", file: file, line: line)
        XCTAssertEqual(permuted.sorted(), values.sorted(), "a permutation only reorders", file: file, line: line)
        // The index map of a permutation reads what applying it writes, and a distance read through it is the same number.
        let permutations = permutation.sample(&rng)
        let sources = permutation.sources(permutations)
        XCTAssertEqual(sources.map { values[$0] }, permutation.apply(permutations, to: values), file: file, line: line)
        let distance = AlignedDistance(normalizer: ParameterNormalizer(layout: layout, checkpoints: [values, permuted]), permutation: permutation)
        XCTAssertEqual(distance.unaligned(permuted, values, readAt: sources),
                       distance.unaligned(permuted, permutation.apply(permutations, to: values)), file: file, line: line)
        let other = try PlainConvUNet(configuration, seed: 0)
        try other.loadStateDict(layout.stateDict(permuted))
        let x = Tensor.normal(Shape(shape), seed: 3)
        let (a, b) = try withNoGrad { (try network.forward(x, deepSupervision: true), try other.forward(x, deepSupervision: true)) }
        for (original, moved) in zip(a, b) {
            assertClose(moved, original, rtol: 1e-4, "deep-supervision output", file: file, line: line)
        }
    }

    func testPermuted2DUNetComputesTheSameOutputs() throws {
        for preset in [UNetPreset.tiny, .small] {
            try assertPermutationPreservesOutputs(preset.configuration(spatialRank: 2), input: [2, 1, 32, 32])
        }
    }

    func testPermuted3DUNetComputesTheSameOutputs() throws {
        try assertPermutationPreservesOutputs(UNetPreset.tiny.configuration(spatialRank: 3, numClasses: 3), input: [1, 1, 8, 16, 16])
    }

    func testBiasFreeConvolutions() throws {
        var configuration = UNetPreset.tiny.configuration(spatialRank: 2)
        configuration.convBias = false
        try assertPermutationPreservesOutputs(configuration, input: [1, 1, 16, 16])
    }

    /// Weight matching undoes a random permutation: aligning a permuted copy to the original gives the original back.
    func testAlignmentRecoversAPermutedNetwork() throws {
        let configuration = UNetPreset.tiny.configuration(spatialRank: 2)
        let network = try PlainConvUNet(configuration, seed: 5)
        let layout = ParameterLayout(network)
        let values = try layout.flatten(network)
        let permutation = try UNetPermutation(configuration: configuration, layout: layout)
        var rng = SeededGenerator(seed: 12)
        let permuted = permutation.apply(permutation.sample(&rng), to: values)
        XCTAssertEqual(permutation.align(permuted, to: values), values)
        // A different network aligned to this one only gets closer, never farther.
        let other = try layout.flatten(try PlainConvUNet(configuration, seed: 6))
        func distance(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) }
        XCTAssertLessThanOrEqual(distance(permutation.align(other, to: values), values), distance(other, values))
    }

    func testAssignmentIsOptimal() {
        // Brute force over all 5! permutations agrees with the Hungarian algorithm.
        var rng = SeededGenerator(seed: 2)
        let weights = (0..<5).map { _ in (0..<5).map { _ in Double(rng.nextNormal()) } }
        func score(_ p: [Int]) -> Double { p.enumerated().map { weights[$0][$1] }.reduce(0, +) }
        func permutations(_ items: [Int]) -> [[Int]] {
            items.count <= 1 ? [items] : items.flatMap { x in permutations(items.filter { $0 != x }).map { [x] + $0 } }
        }
        let best = permutations(Array(0..<5)).map(score).max()!
        XCTAssertEqual(score(maximumWeightAssignment(weights)), best, accuracy: 1e-12)
    }
}
