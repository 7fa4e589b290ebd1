import Foundation
@testable import Generator
import Segmentation
import TensorEngine
import XCTest
import Zoo

/// Shampoo's and SOAP's directions for a generation's calls: the inverse fourth root Shampoo
/// preconditions by, a call's every matrix turned to L^(-1/4) G R^(-1/4) at the length of the
/// rule's move, and SOAP's Adam in the eigenbasis against a double-precision reference.
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

    /// The transpose of the row-major m × n `a`.
    private func transpose(_ a: [Double], _ m: Int, _ n: Int) -> [Double] {
        (0..<(m * n)).map { a[($0 % m) * n + $0 / m] }
    }

    /// A rows × columns matrix of uniform entries in [−1, 1).
    private func randomMatrix(_ rows: Int, _ columns: Int, seed: UInt64) -> [Double] {
        var rng = SeededGenerator(seed: seed)
        return (0..<(rows * columns)).map { _ in Double(rng.next() % 2_000_001) / 1_000_000 - 1 }
    }

    /// SOAP's direction after each of `gradients` (rows × columns), computed in double
    /// precision: L and R and the second moment decay by b2, the first moment by b1; the
    /// eigenbasis recomputed at the calls `refreshed` says; the second moment kept index by index
    /// (eigenvalues ascending) across a refresh; ε relative to the largest √V.
    private func soapReference(_ gradients: [[Double]], rows: Int, columns: Int, b1: Double, b2: Double,
                               refreshed: (Int) -> Bool) throws -> [[Double]] {
        var left = [Double](repeating: 0, count: rows * rows), right = [Double](repeating: 0, count: columns * columns)
        var m = [Double](repeating: 0, count: rows * columns), v = m
        var ql: [Double] = [], qr: [Double] = []
        var directions: [[Double]] = []
        for (call, g) in gradients.enumerated() {
            let gt = transpose(g, rows, columns)
            left = zip(left, multiply(g, gt, rows, columns, rows)).map { b2 * $0 + (1 - b2) * $1 }
            right = zip(right, multiply(gt, g, columns, rows, columns)).map { b2 * $0 + (1 - b2) * $1 }
            if refreshed(call) || ql.isEmpty {
                ql = try SymmetricEigen(left, size: rows).vectors
                qr = try SymmetricEigen(right, size: columns).vectors
            }
            let rotate = { (x: [Double]) in self.multiply(self.multiply(self.transpose(ql, rows, rows), x, rows, rows, columns), qr, rows, columns, columns) }
            m = zip(m, g).map { b1 * $0 + (1 - b1) * $1 }
            v = zip(v, rotate(g)).map { b2 * $0 + (1 - b2) * $1 * $1 }
            let roots = v.map { $0.squareRoot() }
            let epsilon = Double(SoapPreconditioner.relativeEpsilon) * roots.max()!
            let normalised = zip(rotate(m), roots).map { $0 / ($1 + epsilon) }
            directions.append(multiply(multiply(ql, normalised, rows, rows, columns), transpose(qr, columns, columns), rows, columns, columns))
        }
        return directions
    }

    /// The largest difference between `actual` and `expected`, relative to the RMS of `expected`.
    private func relativeError(_ actual: [Float], _ expected: [Double]) -> Double {
        let rms = (expected.map { $0 * $0 }.reduce(0, +) / Double(expected.count)).squareRoot()
        return zip(actual, expected).map { abs(Double($0) - $1) }.max()! / rms
    }

    /// A first call moves a matrix along its gradient's polar factor U Vᵀ, (G Gᵀ)^(-1/2) G for a
    /// wide G, scaled by (1 − b1) / √(1 − b2): in the gradient's own singular bases the rotated
    /// gradient is diagonal and Adam's first step is its sign. Within 1e-2 of the direction's
    /// RMS: the rotated gradient's zero columns (Gᵀ G has rank 5 of 7) hold float32's rounding,
    /// which ε (1e-4 of the largest √V) divides.
    func testAFirstSoapCallMovesAlongTheGradientsPolarFactor() throws {
        let (rows, columns, b1, b2) = (5, 7, 0.9, 0.95)
        let g = randomMatrix(rows, columns, seed: 3)
        var soap = SoapPreconditioner(firstMoment: b1, secondMoment: b2, refreshEvery: 10)
        let direction = try soap.direction(of: try Tensor(shape: [rows, columns], values: g.map(Float.init)), matrix: 0, call: 0)
        let eigen = try SymmetricEigen(multiply(g, transpose(g, rows, columns), rows, columns, rows), size: rows)
        let inverseRoot = (0..<(rows * rows)).map { index in
            (0..<rows).map { k in eigen.vectors[(index / rows) * rows + k] * eigen.vectors[(index % rows) * rows + k] / eigen.values[k].squareRoot() }
                .reduce(0, +)
        }
        let polar = multiply(inverseRoot, g, rows, rows, columns).map { $0 * (1 - b1) / (1 - b2).squareRoot() }
        XCTAssertLessThan(relativeError(direction, polar), 1e-2)
    }

    /// Calls 1–3 on one matrix and on another, refreshed every call and every second call (a
    /// basis from call 2's statistics kept for call 3), match SOAP computed in double precision:
    /// the moments, the statistics, the kept bases, each matrix's state its own. Within 1e-3 of
    /// the direction's RMS once the statistics have full rank (from call 2), 1e-2 at call 1 (the
    /// rounding `testAFirstSoapCallMovesAlongTheGradientsPolarFactor` explains).
    func testSoapCallsMatchADoublePrecisionReference() throws {
        let (rows, columns, b1, b2) = (5, 7, 0.5, 0.6)
        let gradients = (0..<3).map { randomMatrix(rows, columns, seed: 20 + UInt64($0)) }
        let others = (0..<3).map { randomMatrix(columns, rows, seed: 40 + UInt64($0)) }
        for every in [1, 2] {
            // The calls are numbered from 1, as `call % every` schedules the refreshes.
            let refreshed = { (index: Int) in (index + 1) % every == 0 }
            var soap = SoapPreconditioner(firstMoment: b1, secondMoment: b2, refreshEvery: every)
            let expected = try soapReference(gradients, rows: rows, columns: columns, b1: b1, b2: b2, refreshed: refreshed)
            let otherExpected = try soapReference(others, rows: columns, columns: rows, b1: b1, b2: b2, refreshed: refreshed)
            for index in 0..<3 {
                let tolerance = index == 0 ? 1e-2 : 1e-3
                let direction = try soap.direction(of: try Tensor(shape: [rows, columns], values: gradients[index].map(Float.init)),
                                                   matrix: 0, call: index + 1)
                XCTAssertLessThan(relativeError(direction, expected[index]), tolerance, "refreshed every \(every), call \(index + 1)")
                let otherDirection = try soap.direction(of: try Tensor(shape: [columns, rows], values: others[index].map(Float.init)),
                                                        matrix: 1, call: index + 1)
                XCTAssertLessThan(relativeError(otherDirection, otherExpected[index]), tolerance, "the other matrix, every \(every), call \(index + 1)")
            }
        }
        // Kept bases make a difference: call 3 in call 2's basis is not call 3 in its own.
        let kept = try soapReference(gradients, rows: rows, columns: columns, b1: b1, b2: b2, refreshed: { ($0 + 1) % 2 == 0 })[2]
        let fresh = try soapReference(gradients, rows: rows, columns: columns, b1: b1, b2: b2, refreshed: { _ in true })[2]
        XCTAssertGreaterThan(relativeError(kept.map(Float.init), fresh), 1e-2)
    }

    /// The spellings read back what they write; out-of-range values are refused, and so are forked calls.
    func testDirectionsReadTheirSpellingsAndShampooRefusesForkedCalls() throws {
        for direction: StepDirection in [.rule, .shampoo(decay: 0.95, refreshEvery: 10), .soap(firstMoment: 0.9, secondMoment: 0.95, refreshEvery: 10)] {
            XCTAssertEqual(StepDirection(direction.description), direction)
        }
        for refused in ["shampoo:1:1", "shampoo:0.9:0", "shampoo:0.9", "shampoo", "rule:1", "adam", "",
                        "soap:0.9:1:10", "soap:1:0.9:10", "soap:0.9:0.9:0", "soap:0.9:10", "soap:-0.1:0.9:1"] {
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
