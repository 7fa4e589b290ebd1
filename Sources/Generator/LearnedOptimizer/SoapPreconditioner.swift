import Foundation
import TensorEngine

/// SOAP's statistics over a generation's calls (Vyas et al. 2024: Shampoo with Adam in the
/// preconditioner's eigenbasis), per weight tensor read as a matrix or by its modes
/// (`TensorFactors`): the eigenvectors Q₁, Q₂, … of Shampoo's mode statistics (for a matrix L and
/// R), recomputed every `refreshEvery` calls; the gradient's first moment M in the tensor's own
/// frame, its second moment V in the rotated one; the direction M' / (√V + ε) rotated back, with
/// M' = M ×₁ Q₁ᵀ ×₂ Q₂ᵀ … (for a matrix Q_Lᵀ M Q_R, and Q_L (·) Q_Rᵀ back). Each second moment
/// stays with its eigenvalue's rank when the eigenbasis is recomputed, as SOAP's reference orders
/// its eigenvectors.
struct SoapPreconditioner: MatrixPreconditioner {
    /// ε relative to the tensor's largest √V: float32's rounding in the rotations leaves
    /// entries near zero where the gradient has none, which Adam's division would blow up.
    static let relativeEpsilon: Float = 1e-4

    private struct State {
        var statistics: ModeStatistics
        var bases: [Eigenbasis]
        var firstMoment: [Float], secondMoment: [Float]
    }

    let firstMomentDecay: Float, secondMomentDecay: Float, refreshEvery: Int, factors: TensorFactors
    private var states: [Int: State] = [:]

    /// The mode statistics decay as the second moment does (SOAP's reference's default).
    init(firstMoment: Double, secondMoment: Double, refreshEvery: Int, factors: TensorFactors) {
        firstMomentDecay = Float(firstMoment)
        secondMomentDecay = Float(secondMoment)
        self.refreshEvery = refreshEvery
        self.factors = factors
    }

    mutating func direction(of g: Tensor, tensor index: Int, call: Int) throws -> [Float] {
        var state = states[index] ?? State(statistics: ModeStatistics(sizes: factors.modeSizes(of: g.shape.dims)), bases: [],
                                           firstMoment: [Float](repeating: 0, count: g.count),
                                           secondMoment: [Float](repeating: 0, count: g.count))
        states[index] = nil  // the moments below then update in place
        try state.statistics.update(with: g, decay: secondMomentDecay)
        if call % refreshEvery == 0 || state.bases.isEmpty {
            state.bases = try zip(state.statistics.sizes, state.statistics.moments).map { try Eigenbasis(of: $1, size: $0) }
        }
        let sizes = state.statistics.sizes, (b1, b2) = (firstMomentDecay, secondMomentDecay)
        let gradient = g.scalars
        for i in gradient.indices { state.firstMoment[i] = b1 * state.firstMoment[i] + (1 - b1) * gradient[i] }
        let rotated = try Self.rotating(g, by: state.bases, sizes: sizes, back: false)
        for i in rotated.indices { state.secondMoment[i] = b2 * state.secondMoment[i] + (1 - b2) * rotated[i] * rotated[i] }
        var normalised = try Self.rotating(Tensor(shape: g.shape, values: state.firstMoment), by: state.bases, sizes: sizes, back: false)
        let roots = state.secondMoment.map { $0.squareRoot() }
        let epsilon = Self.relativeEpsilon * (roots.max() ?? 0)
        for i in normalised.indices { normalised[i] /= roots[i] + epsilon }
        states[index] = state
        return try Self.rotating(Tensor(shape: g.shape, values: normalised), by: state.bases, sizes: sizes, back: true)
    }

    /// `x` (row-major, of the modes `sizes`) into the bases' frame, mode by mode, or `back` out of
    /// it: along mode n each fibre f becomes Qₙᵀ f (into) or Qₙ f (back).
    static func rotating(_ x: Tensor, by bases: [Eigenbasis], sizes: [Int], back: Bool) throws -> [Float] {
        try withNoGrad {
            var y = x
            for (n, basis) in bases.enumerated() {
                let (before, size, after) = ModeStatistics.unfolding(sizes, mode: n)
                let (onLeft, onRight) = back ? (basis.vectors, basis.transposed) : (basis.transposed, basis.vectors)
                if before == 1 {
                    y = try onLeft.matmul(y.reshaped([size, after]))
                } else if after == 1 {
                    y = try y.reshaped([before, size]).matmul(onRight)
                } else {
                    y = try y.reshaped([before, size, after]).transposed(1, 2).matmul(onRight).transposed(1, 2)
                }
            }
            return y.scalars
        }
    }
}

/// The eigenvectors of a symmetric statistic as the columns of Q, in ascending order of their
/// eigenvalues, kept with Qᵀ so a first or last mode's rotation is one product, untransposed.
struct Eigenbasis {
    let vectors: Tensor, transposed: Tensor

    /// The basis of the symmetric n × n `m` (row-major).
    init(of m: [Float], size n: Int) throws {
        let q = try SymmetricEigen(m.map(Double.init), size: n).vectors
        vectors = try Tensor(shape: [n, n], values: q.map(Float.init))
        transposed = try Tensor(shape: [n, n], values: (0..<(n * n)).map { Float(q[($0 % n) * n + $0 / n]) })
    }
}
