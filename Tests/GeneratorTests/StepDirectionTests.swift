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
        let (optimizer, evaluator, start) = try adamStepGeneration()
        let assembly = optimizer.assembly
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

    /// `t` (row-major, of the modes `sizes`) with every fibre f along mode n replaced by W f, W
    /// the row-major dₙ × dₙ `w`, in double precision.
    private func modeProduct(_ t: [Double], sizes: [Int], mode n: Int, _ w: [Double]) -> [Double] {
        let (before, size, after) = ModeStatistics.unfolding(sizes, mode: n)
        var y = [Double](repeating: 0, count: t.count)
        for a in 0..<before {
            for j in 0..<size {
                for i in 0..<size {
                    for b in 0..<after { y[(a * size + j) * after + b] += w[j * size + i] * t[(a * size + i) * after + b] }
                }
            }
        }
        return y
    }

    /// Mode n's statistic of `t`: the sum of its fibres' outer products along mode n.
    private func modeStatistic(_ t: [Double], sizes: [Int], mode n: Int) -> [Double] {
        let (before, size, after) = ModeStatistics.unfolding(sizes, mode: n)
        var s = [Double](repeating: 0, count: size * size)
        for a in 0..<before {
            for b in 0..<after {
                for i in 0..<size {
                    for j in 0..<size { s[i * size + j] += t[(a * size + i) * after + b] * t[(a * size + j) * after + b] }
                }
            }
        }
        return s
    }

    /// SOAP's direction after each of `gradients` (row-major, of the modes `sizes`; a matrix's
    /// are its rows and columns), computed in double precision: each mode's statistic and the
    /// second moment decay by b2, the first moment by b1; the eigenbases recomputed at the calls
    /// `refreshed` says; the second moment kept index by index (eigenvalues ascending) across a
    /// refresh; ε relative to the largest √V.
    private func soapReference(_ gradients: [[Double]], sizes: [Int], b1: Double, b2: Double,
                               refreshed: (Int) -> Bool) throws -> [[Double]] {
        var statistics = sizes.map { [Double](repeating: 0, count: $0 * $0) }, bases: [[Double]] = []
        var m = [Double](repeating: 0, count: sizes.reduce(1, *)), v = m
        var directions: [[Double]] = []
        for (call, g) in gradients.enumerated() {
            for n in sizes.indices {
                statistics[n] = zip(statistics[n], modeStatistic(g, sizes: sizes, mode: n)).map { b2 * $0 + (1 - b2) * $1 }
            }
            if refreshed(call) || bases.isEmpty {
                bases = try sizes.indices.map { try SymmetricEigen(statistics[$0], size: sizes[$0]).vectors }
            }
            let rotate = { (x: [Double], back: Bool) in
                sizes.indices.reduce(x) { y, n in
                    self.modeProduct(y, sizes: sizes, mode: n, back ? bases[n] : self.transpose(bases[n], sizes[n], sizes[n]))
                }
            }
            m = zip(m, g).map { b1 * $0 + (1 - b1) * $1 }
            v = zip(v, rotate(g, false)).map { b2 * $0 + (1 - b2) * $1 * $1 }
            let roots = v.map { $0.squareRoot() }
            let epsilon = Double(SoapPreconditioner.relativeEpsilon) * roots.max()!
            directions.append(rotate(zip(rotate(m, false), roots).map { $0 / ($1 + epsilon) }, true))
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
        var soap = SoapPreconditioner(firstMoment: b1, secondMoment: b2, refreshEvery: 10, factors: .matrix)
        let direction = try soap.direction(of: try Tensor(shape: [rows, columns], values: g.map(Float.init)), tensor: 0, call: 0)
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
            var soap = SoapPreconditioner(firstMoment: b1, secondMoment: b2, refreshEvery: every, factors: .matrix)
            let expected = try soapReference(gradients, sizes: [rows, columns], b1: b1, b2: b2, refreshed: refreshed)
            let otherExpected = try soapReference(others, sizes: [columns, rows], b1: b1, b2: b2, refreshed: refreshed)
            for index in 0..<3 {
                let tolerance = index == 0 ? 1e-2 : 1e-3
                let direction = try soap.direction(of: try Tensor(shape: [rows, columns], values: gradients[index].map(Float.init)),
                                                   tensor: 0, call: index + 1)
                XCTAssertLessThan(relativeError(direction, expected[index]), tolerance, "refreshed every \(every), call \(index + 1)")
                let otherDirection = try soap.direction(of: try Tensor(shape: [columns, rows], values: others[index].map(Float.init)),
                                                        tensor: 1, call: index + 1)
                XCTAssertLessThan(relativeError(otherDirection, otherExpected[index]), tolerance, "the other matrix, every \(every), call \(index + 1)")
            }
        }
        // Kept bases make a difference: call 3 in call 2's basis is not call 3 in its own.
        let kept = try soapReference(gradients, sizes: [rows, columns], b1: b1, b2: b2, refreshed: { ($0 + 1) % 2 == 0 })[2]
        let fresh = try soapReference(gradients, sizes: [rows, columns], b1: b1, b2: b2, refreshed: { _ in true })[2]
        XCTAssertGreaterThan(relativeError(kept.map(Float.init), fresh), 1e-2)
    }

    /// By modes a convolution's statistics are one per mode: output channels, input channels and
    /// the kernel's positions, modes of size 1 left out; as a matrix, output channels × the rest.
    func testTensorsAreReadByModesOrAsOneMatrix() {
        XCTAssertEqual(TensorFactors.modes.modeSizes(of: [4, 3, 2, 3]), [4, 3, 6])
        XCTAssertEqual(TensorFactors.modes.modeSizes(of: [2, 8, 1, 1]), [2, 8])
        XCTAssertEqual(TensorFactors.modes.modeSizes(of: [16, 1, 3, 3]), [16, 9])
        XCTAssertEqual(TensorFactors.modes.modeSizes(of: [5, 7]), [5, 7])
        XCTAssertEqual(TensorFactors.matrix.modeSizes(of: [4, 3, 2, 3]), [4, 18])
    }

    /// Calls 1–3 on a 4 × 3 × 2 × 3 convolution read by its modes (4, 3 and 6), refreshed every
    /// call and every second call, match SOAP computed in double precision mode by mode, within
    /// 1e-3 of the direction's RMS (every mode's statistic has full rank from the first call);
    /// and the direction is not the one the tensor read as a matrix gets.
    func testModewiseSoapCallsMatchADoublePrecisionReference() throws {
        let (shape, sizes, b1, b2) = ([4, 3, 2, 3], [4, 3, 6], 0.5, 0.6)
        let gradients = (0..<3).map { randomMatrix(4, 18, seed: 60 + UInt64($0)) }
        for every in [1, 2] {
            let refreshed = { (index: Int) in (index + 1) % every == 0 }
            var soap = SoapPreconditioner(firstMoment: b1, secondMoment: b2, refreshEvery: every, factors: .modes)
            let expected = try soapReference(gradients, sizes: sizes, b1: b1, b2: b2, refreshed: refreshed)
            for index in 0..<3 {
                let direction = try soap.direction(of: try Tensor(shape: Shape(shape), values: gradients[index].map(Float.init)),
                                                   tensor: 0, call: index + 1)
                XCTAssertLessThan(relativeError(direction, expected[index]), 1e-3, "refreshed every \(every), call \(index + 1)")
            }
        }
        let asMatrix = try soapReference(gradients, sizes: [4, 18], b1: b1, b2: b2, refreshed: { _ in true })[2]
        let byModes = try soapReference(gradients, sizes: sizes, b1: b1, b2: b2, refreshed: { _ in true })[2]
        XCTAssertGreaterThan(relativeError(byModes.map(Float.init), asMatrix), 1e-1)
    }

    /// With `after: 2` a generation's first two calls are the rule's, bit for bit, and the third
    /// turns the rule's move as a preconditioner that took in all three calls' gradients does; one
    /// that took in the third's alone turns it otherwise.
    func testAPreconditionerLeavesItsFirstCallsToTheRuleWhileItsStatisticsGather() throws {
        let (optimizer, evaluator, start) = try adamStepGeneration()
        let assembly = optimizer.assembly
        let rule = try optimizer.trajectory(from: start, task: 0, evaluator: evaluator, stop: .afterEveryCall, calls: 3).networks
        let direction = StepDirection.soap(firstMoment: 0.8, secondMoment: 0.95, refreshEvery: 1, factors: .modes, after: 2)
        try optimizer.setDirection(direction)
        let turned = try optimizer.trajectory(from: start, task: 0, evaluator: evaluator, stop: .afterEveryCall, calls: 3).networks
        XCTAssertEqual(turned[1], rule[1], "call 0 is the rule's")
        XCTAssertEqual(turned[2], rule[2], "call 1 is the rule's")
        let gradients = try (0..<3).map { try optimizer.gradient(rule[$0], evaluator: evaluator, call: $0) }
        var gathered = direction.preconditioner()!, alone = direction.preconditioner()!
        for call in 0..<2 { _ = try gathered.turning(rule[call + 1], from: rule[call], gradient: gradients[call], call: call, assembly: assembly) }
        let expected = try gathered.turning(rule[3], from: rule[2], gradient: gradients[2], call: 2, assembly: assembly)
        let unexpected = try alone.turning(rule[3], from: rule[2], gradient: gradients[2], call: 2, assembly: assembly)
        let scale = start.map(abs).max()!
        XCTAssertLessThanOrEqual(zip(turned[3], expected).map { abs($0 - $1) }.max()!, 1e-6 * scale, "call 2 turned by all three calls' statistics")
        XCTAssertGreaterThan(zip(turned[3], unexpected).map { abs($0 - $1) }.max()!, 1e-3 * scale, "not by the last call's alone")
        XCTAssertGreaterThan(zip(turned[3], rule[3]).map { abs($0 - $1) }.max()!, 1e-3 * scale, "call 2 is turned")
    }

    /// The spellings read back what they write; out-of-range values are refused, and so are forked calls.
    func testDirectionsReadTheirSpellingsAndShampooRefusesForkedCalls() throws {
        for direction: StepDirection in [.rule, .shampoo(decay: 0.95, refreshEvery: 10), .soap(firstMoment: 0.9, secondMoment: 0.95, refreshEvery: 10, factors: .matrix),
                                          .soap(firstMoment: 0.8, secondMoment: 0.95, refreshEvery: 1, factors: .modes),
                                          .shampoo(decay: 0.9, refreshEvery: 2, after: 3),
                                          .soap(firstMoment: 0.8, secondMoment: 0.95, refreshEvery: 1, factors: .modes, after: 4)] {
            XCTAssertEqual(StepDirection(direction.description), direction)
        }
        XCTAssertEqual(StepDirection("soap:0.8:0.95:1:modes:after:4")?.ruleCalls, 4)
        XCTAssertEqual(StepDirection("soap:0.8:0.95:10:after:0"), .soap(firstMoment: 0.8, secondMoment: 0.95, refreshEvery: 10, factors: .matrix))
        for refused in ["shampoo:1:1", "shampoo:0.9:0", "shampoo:0.9", "shampoo", "rule:1", "adam", "",
                        "soap:0.9:1:10", "soap:1:0.9:10", "soap:0.9:0.9:10:matrix", "soap:0.9:0.9:10:mode", "soap:0.9:0.9:10:modes:modes", "soap:0.9:0.9:0", "soap:0.9:10", "soap:-0.1:0.9:1",
                        "soap:0.9:0.9:1:after:-1", "soap:0.9:0.9:1:after", "soap:0.9:0.9:1:after:x", "soap:0.9:0.9:1:after:2:modes",
                        "shampoo:0.9:1:after:1:after:1", "rule:after:2", "after:2"] {
            XCTAssertNil(StepDirection(refused), refused)
        }
        let (optimizer, evaluator, start) = try adamStepGeneration()
        XCTAssertThrowsError(try optimizer.setDirection(.shampoo(decay: 1, refreshEvery: 1)))
        try optimizer.setDirection(.shampoo(decay: 0.9, refreshEvery: 2))
        XCTAssertThrowsError(try optimizer.trajectory(from: start, task: 0, evaluator: evaluator, stop: .afterEveryCall, calls: 3,
                                                      data: .forkedDraws(streams: 0..<2, calls: 1)))
    }

    /// A direction is stored as the spelling `--direction` reads, and a stored spelling it would refuse is refused by name.
    func testDirectionsAreStoredAsTheirSpellings() throws {
        let directions: [StepDirection] = [.rule, .soap(firstMoment: 0.8, secondMoment: 0.95, refreshEvery: 1, factors: .modes, after: 4)]
        let stored = try JSONEncoder().encode(directions)
        XCTAssertEqual(String(decoding: stored, as: UTF8.self), #"["rule","soap:0.8:0.95:1:modes:after:4"]"#)
        XCTAssertEqual(try JSONDecoder().decode([StepDirection].self, from: stored), directions)
        XCTAssertThrowsError(try JSONDecoder().decode([StepDirection].self, from: Data(#"["soap:1:0.9:10"]"#.utf8))) { error in
            XCTAssertTrue("\(error)".contains("'soap:1:0.9:10' is not a step direction"), "\(error)")
        }
    }
}
