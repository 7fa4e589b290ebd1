import Foundation
import TensorEngine

/// Shampoo's statistics over a generation's calls (Gupta et al. 2018), one pair per weight
/// matrix the calls move: the direction L^(-1/4) G R^(-1/4). The products run through the
/// engine's matrix product in single precision; the eigendecompositions behind the roots in
/// double.
struct ShampooPreconditioner: MatrixPreconditioner {
    /// The inverse fourth roots' floor, relative to the largest eigenvalue (Shampoo's ε).
    static let relativeFloor = 1e-4

    private struct State {
        var factors: ModeStatistics
        var leftRoot: Tensor?, rightRoot: Tensor?
    }

    let decay: Float, refreshEvery: Int
    private var states: [Int: State] = [:]

    init(decay: Double, refreshEvery: Int) {
        self.decay = Float(decay)
        self.refreshEvery = refreshEvery
    }

    mutating func direction(of g: Tensor, tensor index: Int, call: Int) throws -> [Float] {
        let rows = g.shape[0], columns = g.count / rows, matrix = try g.reshaped([rows, columns])
        var state = states[index] ?? State(factors: ModeStatistics(sizes: [rows, columns]))
        try state.factors.update(with: matrix, decay: decay)
        if call % refreshEvery == 0 || state.leftRoot == nil {
            state.leftRoot = try Self.inverseFourthRoot(state.factors.moments[0], size: rows)
            state.rightRoot = try Self.inverseFourthRoot(state.factors.moments[1], size: columns)
        }
        states[index] = state
        return try withNoGrad { try state.leftRoot!.matmul(matrix).matmul(state.rightRoot!).scalars }
    }

    /// (M + εI)^(-1/4) for the symmetric positive semidefinite n × n `m` (row-major), ε the
    /// floor relative to its largest eigenvalue (the identity for a zero matrix).
    static func inverseFourthRoot(_ m: [Float], size n: Int) throws -> Tensor {
        let eigen = try SymmetricEigen(m.map(Double.init), size: n)
        let top = eigen.values.last ?? 0
        guard top > 0 else { return try Tensor(shape: [n, n], values: (0..<(n * n)).map { $0 % (n + 1) == 0 ? 1 : 0 }) }
        let floor = relativeFloor * top
        // V diag(p) Vᵀ as B Bᵀ with B = V diag(√p).
        let halves = eigen.values.map { Foundation.pow(max($0, 0) + floor, -0.125) }
        let b = try Tensor(shape: [n, n], values: (0..<(n * n)).map { Float(eigen.vectors[$0] * halves[$0 % n]) })
        return try withNoGrad { try b.matmul(b.transposed()) }
    }
}
