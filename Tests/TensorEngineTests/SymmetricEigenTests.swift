import XCTest
@testable import TensorEngine

/// LAPACK's symmetric eigendecomposition as the engine reads it back: unit, orthogonal
/// eigenvectors in columns whose decomposition rebuilds the matrix, eigenvalues ascending.
final class SymmetricEigenTests: XCTestCase {
    /// A random symmetric matrix of size 37 is rebuilt from V diag(λ) Vᵀ within 1e-10 of its
    /// largest entry, and VᵀV is the identity within 1e-10.
    func testTheDecompositionRebuildsTheMatrixFromOrthonormalVectors() throws {
        let n = 37
        var rng = SeededGenerator(seed: 4)
        var m = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in i..<n {
                let x = Double(rng.next() % 2_000_001) / 1_000_000 - 1
                m[i * n + j] = x
                m[j * n + i] = x
            }
        }
        let eigen = try SymmetricEigen(m, size: n)
        XCTAssertEqual(eigen.values, eigen.values.sorted(), "ascending")
        let scale = m.map(abs).max()!
        for i in 0..<n {
            for j in 0..<n {
                let rebuilt = (0..<n).map { eigen.vectors[i * n + $0] * eigen.values[$0] * eigen.vectors[j * n + $0] }.reduce(0, +)
                XCTAssertEqual(rebuilt, m[i * n + j], accuracy: 1e-10 * scale, "(\(i), \(j))")
                let dot = (0..<n).map { eigen.vectors[$0 * n + i] * eigen.vectors[$0 * n + j] }.reduce(0, +)
                XCTAssertEqual(dot, i == j ? 1 : 0, accuracy: 1e-10)
            }
        }
    }

    /// A matrix whose decomposition is known: [[2, 1], [1, 2]] has eigenvalues 1 and 3 with
    /// vectors (1, −1)/√2 and (1, 1)/√2 (up to sign); only the upper triangle is read.
    func testAKnownMatrixAndOnlyTheUpperTriangleIsRead() throws {
        let eigen = try SymmetricEigen([2, 1, 99, 2], size: 2)
        XCTAssertEqual(eigen.values[0], 1, accuracy: 1e-12)
        XCTAssertEqual(eigen.values[1], 3, accuracy: 1e-12)
        XCTAssertEqual(abs(eigen.vectors[0] + eigen.vectors[2]), 0, accuracy: 1e-12, "column 0 is ±(1, −1)/√2")
        XCTAssertEqual(abs(eigen.vectors[0]), 0.5.squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(eigen.vectors[1], eigen.vectors[3], accuracy: 1e-12, "column 1 is ±(1, 1)/√2")
        XCTAssertThrowsError(try SymmetricEigen([1, 2, 3], size: 2), "values that are not n × n")
    }
}
