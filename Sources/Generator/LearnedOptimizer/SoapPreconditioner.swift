import Foundation
import TensorEngine

/// SOAP's statistics over a generation's calls (Vyas et al. 2024: Shampoo with Adam in the
/// preconditioner's eigenbasis), per weight matrix: the eigenvectors Q_L, Q_R of Shampoo's
/// L and R, recomputed every `refreshEvery` calls; the gradient's first moment in the matrix's
/// own frame, its second moment in the rotated one; the direction Q_L (M' / (√V + ε)) Q_Rᵀ with
/// M' = Q_Lᵀ M Q_R. Each second moment stays with its eigenvalue's rank when the eigenbasis is
/// recomputed, as SOAP's reference orders its eigenvectors.
struct SoapPreconditioner: MatrixPreconditioner {
    /// ε relative to the matrix's largest √V: float32's rounding in the rotations leaves
    /// entries near zero where the gradient has none, which Adam's division would blow up.
    static let relativeEpsilon: Float = 1e-4

    private struct State {
        var factors: KroneckerFactors
        var leftBasis: Tensor?, rightBasis: Tensor?
        var firstMoment: [Float], secondMoment: [Float]
    }

    let firstMomentDecay: Float, secondMomentDecay: Float, refreshEvery: Int
    private var states: [Int: State] = [:]

    /// L and R decay as the second moment does (SOAP's reference's default).
    init(firstMoment: Double, secondMoment: Double, refreshEvery: Int) {
        firstMomentDecay = Float(firstMoment)
        secondMomentDecay = Float(secondMoment)
        self.refreshEvery = refreshEvery
    }

    mutating func direction(of g: Tensor, matrix index: Int, call: Int) throws -> [Float] {
        let rows = g.shape[0], columns = g.shape[1], zeros = [Float](repeating: 0, count: rows * columns)
        var state = states[index] ?? State(factors: KroneckerFactors(rows: rows, columns: columns), firstMoment: zeros, secondMoment: zeros)
        try state.factors.update(with: g, decay: secondMomentDecay)
        if call % refreshEvery == 0 || state.leftBasis == nil {
            state.leftBasis = try Self.eigenbasis(state.factors.left, size: rows)
            state.rightBasis = try Self.eigenbasis(state.factors.right, size: columns)
        }
        let (b1, b2) = (firstMomentDecay, secondMomentDecay)
        state.firstMoment = zip(state.firstMoment, g.scalars).map { b1 * $0 + (1 - b1) * $1 }
        let (left, right) = (state.leftBasis!, state.rightBasis!)
        let rotated = try withNoGrad { try left.transposed().matmul(g).matmul(right).scalars }
        state.secondMoment = zip(state.secondMoment, rotated).map { b2 * $0 + (1 - b2) * $1 * $1 }
        let moment = try Tensor(shape: [rows, columns], values: state.firstMoment)
        let rotatedMoment = try withNoGrad { try left.transposed().matmul(moment).matmul(right).scalars }
        let roots = state.secondMoment.map { $0.squareRoot() }
        let epsilon = Self.relativeEpsilon * (roots.max() ?? 0)
        let normalised = try Tensor(shape: [rows, columns], values: zip(rotatedMoment, roots).map { $0 / ($1 + epsilon) })
        states[index] = state
        return try withNoGrad { try left.matmul(normalised).matmul(right.transposed()).scalars }
    }

    /// The eigenvectors of the symmetric n × n `m` (row-major), as the columns of an n × n
    /// tensor in ascending order of their eigenvalues.
    static func eigenbasis(_ m: [Float], size n: Int) throws -> Tensor {
        try Tensor(shape: [n, n], values: try SymmetricEigen(m.map(Double.init), size: n).vectors.map(Float.init))
    }
}
