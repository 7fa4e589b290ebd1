import Foundation
@testable import Generator
import Segmentation
import TensorEngine
import XCTest
import Zoo

/// Shampoo's direction for a generation's calls: the inverse fourth root it preconditions by,
/// and a call's every matrix turned to L^(-1/4) G R^(-1/4) at the length of the rule's move.
final class StepDirectionTests: XCTestCase {
    /// The row-major product of a (m × k) and b (k × n), in double precision.
    private func multiply(_ a: [Double], _ b: [Double], _ m: Int, _ k: Int, _ n: Int) -> [Double] {
        var c = [Double](repeating: 0, count: m * n)
        for i in 0..<m {
            for l in 0..<k {
                for j in 0..<n { c[i * n + j] += a[i * k + l] * b[l * n + j] }
            }
        }
        return c
    }

    /// The inverse fourth root the preconditioner computes, read back in double precision.
    private func root(_ m: [Double], _ n: Int) throws -> [Double] {
        try ShampooPreconditioner.inverseFourthRoot(m.map(Float.init), size: n).scalars.map(Double.init)
    }
    /// (M + εI)^(-1/4) raised to the fourth power times M + εI is the identity (within single
    /// precision's reach at a condition of 10⁴); a zero matrix's is the identity.
    func testTheInverseFourthRootUndoesItsMatrix() throws {
        let n = 10
        var rng = SeededGenerator(seed: 9)
        let a = (0..<(n * 3)).map { _ in Double(rng.next() % 2_000_001) / 1_000_000 - 1 }
        // M = A Aᵀ (rank 3 of 10: the floor makes it invertible).
        let m = multiply(a, (0..<(3 * n)).map { a[($0 % n) * 3 + $0 / n] }, n, 3, n)
        let inverseRoot = try root(m, n)
        let top = try SymmetricEigen(m.map { Double(Float($0)) }, size: n).values.last!
        let floored = (0..<(n * n)).map { m[$0] + ($0 % (n + 1) == 0 ? ShampooPreconditioner.relativeFloor * top : 0) }
        let square = multiply(inverseRoot, inverseRoot, n, n, n)
        let identity = multiply(multiply(square, square, n, n, n), floored, n, n, n)
        for i in 0..<n {
            for j in 0..<n { XCTAssertEqual(identity[i * n + j], i == j ? 1 : 0, accuracy: 1e-3, "(\(i), \(j))") }
        }
        let zero = try ShampooPreconditioner.inverseFourthRoot([Float](repeating: 0, count: 4), size: 2)
        XCTAssertEqual(zero.scalars, [1, 0, 0, 1])
    }

    /// With decay 0 a generation's first call turns each matrix's move to −|move| · D / |D| for
    /// D = (G Gᵀ + εI)^(-1/4) G (Gᵀ G + εI)^(-1/4), G that call's gradient of the matrix, and
    /// leaves every other parameter where the rule's move put it.
    func testAFirstCallTurnsEveryMatrixToShampoosDirectionAtTheRulesLength() throws {
        let zoo = try makeGeneratorTestZoo(checkpointContent: .parametersAndOptimizerState)
        let optimizer = try adamStepOptimizer(zoo)
        let evaluator = try TaskEvaluator(zoo: zoo, task: "cord")
        let assembly = optimizer.assembly
        let start = try assembly.layout.flatten(try PlainConvUNet(optimizer.description.architecture, seed: 5))
        let rule = try optimizer.trajectory(from: start, task: 0, evaluator: evaluator, stop: .afterEveryCall, calls: 1).networks[1]
        try optimizer.setDirection(.shampoo(decay: 0, refreshEvery: 1))
        let turned = try optimizer.trajectory(from: start, task: 0, evaluator: evaluator, stop: .afterEveryCall, calls: 1).networks[1]
        let gradient = try optimizer.gradient(start, evaluator: evaluator, call: 0)
        var matrices = 0
        for (index, entry) in assembly.layout.entries.enumerated() {
            let range = entry.offset..<(entry.offset + entry.count)
            // A matrix with no gradient (a deep-supervision head the loss does not read) has no direction of Shampoo's.
            guard ShampooPreconditioner.turns(index, of: assembly), range.contains(where: { gradient[$0] != 0 }) else {
                XCTAssertTrue(range.allSatisfy { turned[$0] == rule[$0] }, "\(entry.name) moves as the rule's")
                continue
            }
            matrices += 1
            let rows = entry.shape[0], columns = entry.count / rows
            let g = range.map { Double(gradient[$0]) }
            let gt = (0..<entry.count).map { g[($0 % rows) * columns + $0 / rows] }
            let left = try root(multiply(g, gt, rows, columns, rows), rows)
            let right = try root(multiply(gt, g, columns, rows, columns), columns)
            let d = multiply(multiply(left, g, rows, rows, columns), right, rows, columns, columns)
            let length = range.map { Double(rule[$0] - start[$0]) }.map { $0 * $0 }.reduce(0, +).squareRoot()
            let dLength = d.map { $0 * $0 }.reduce(0, +).squareRoot()
            let expected = range.enumerated().map { start[$1] - Float(d[$0] * length / dLength) }
            let scale = range.map { abs(start[$0]) }.max()!
            for (i, p) in range.enumerated() { XCTAssertEqual(turned[p], expected[i], accuracy: 1e-5 * scale, "\(entry.name)[\(i)]") }
            let turnedLength = range.map { Double(turned[$0] - start[$0]) }.map { $0 * $0 }.reduce(0, +).squareRoot()
            XCTAssertEqual(turnedLength, length, accuracy: 1e-4 * length, "\(entry.name): the rule's length")
            let cosine = range.map { Double(turned[$0] - start[$0]) * Double(rule[$0] - start[$0]) }.reduce(0, +) / (length * length)
            XCTAssertLessThan(cosine, 0.999, "\(entry.name): a direction of its own")
        }
        XCTAssertGreaterThan(matrices, 2)
    }

    /// The spellings read back what they write; out-of-range values are refused, and so are forked calls.
    func testDirectionsReadTheirSpellingsAndShampooRefusesForkedCalls() throws {
        for direction: StepDirection in [.rule, .shampoo(decay: 0.95, refreshEvery: 10)] {
            XCTAssertEqual(StepDirection(direction.description), direction)
        }
        for refused in ["shampoo:1:1", "shampoo:0.9:0", "shampoo:0.9", "shampoo", "rule:1", "adam", ""] {
            XCTAssertNil(StepDirection(refused), refused)
        }
        let zoo = try makeGeneratorTestZoo(checkpointContent: .parametersAndOptimizerState)
        let optimizer = try adamStepOptimizer(zoo)
        XCTAssertThrowsError(try optimizer.setDirection(.shampoo(decay: 1, refreshEvery: 1)))
        try optimizer.setDirection(.shampoo(decay: 0.9, refreshEvery: 2))
        let evaluator = try TaskEvaluator(zoo: zoo, task: "cord")
        let start = try optimizer.assembly.layout.flatten(try PlainConvUNet(optimizer.description.architecture, seed: 5))
        XCTAssertThrowsError(try optimizer.trajectory(from: start, task: 0, evaluator: evaluator, stop: .afterEveryCall, calls: 3,
                                                      data: .forkedDraws(streams: 0..<2, calls: 1)))
    }
}
