import Foundation
import TensorEngine

/// How a preconditioner reads a weight tensor: as one matrix, output channels × the rest (Shampoo's
/// and SOAP's reference for convolutions), or by its modes, output channels × input channels ×
/// kernel positions, one statistic per mode (Shampoo's own treatment of a tensor, Gupta et al.
/// 2018): a 16 × 8 × 3 × 3 convolution then has statistics of 16, 8 and 9 rows, where as a matrix
/// it has 16 and 72.
public enum TensorFactors: String, Equatable, Sendable {
    case matrix, modes

    /// The sizes of the modes the statistics read for a tensor of `shape` (rank 2 or more).
    /// By modes, the kernel's positions are one mode and modes of size 1 are left out.
    func modeSizes(of shape: [Int]) -> [Int] {
        let rest = shape.dropFirst().reduce(1, *)
        switch self {
        case .matrix: return [shape[0], rest]
        case .modes:
            let sizes = [shape[0], shape[1], shape.dropFirst(2).reduce(1, *)].filter { $0 > 1 }
            return sizes.isEmpty ? [1] : sizes
        }
    }
}

/// The running second moments of a gradient tensor's modes, each decaying by `decay` per call:
/// for mode n, with the tensor read as A × dₙ × B, the dₙ × dₙ sum over a and b of the fibres'
/// outer products. For a matrix G these are G Gᵀ and Gᵀ G, the L and R Shampoo and SOAP
/// precondition by.
struct ModeStatistics {
    /// The modes' sizes.
    let sizes: [Int]
    /// Row-major dₙ × dₙ, one per mode.
    private(set) var moments: [[Float]]

    init(sizes: [Int]) {
        self.sizes = sizes
        moments = sizes.map { [Float](repeating: 0, count: $0 * $0) }
    }

    /// Takes in the gradient `g` (any shape of the modes' element count).
    mutating func update(with g: Tensor, decay: Float) throws {
        for n in sizes.indices {
            let (before, size, after) = Self.unfolding(sizes, mode: n)
            let product = try withNoGrad { () -> [Float] in
                if before == 1 {
                    let m = try g.reshaped([size, after])
                    return try m.matmul(m.transposed()).scalars
                }
                let fibres = after == 1 ? try g.reshaped([before, size])
                    : try g.reshaped([before, size, after]).transposed(1, 2).reshaped([before * after, size])
                return try fibres.transposed().matmul(fibres).scalars
            }
            for i in moments[n].indices { moments[n][i] = decay * moments[n][i] + (1 - decay) * product[i] }
        }
    }

    /// Mode n of a tensor of the modes `sizes`, as (A, dₙ, B): the product of the sizes before
    /// it, its own, the product of those after it.
    static func unfolding(_ sizes: [Int], mode n: Int) -> (before: Int, size: Int, after: Int) {
        (sizes[..<n].reduce(1, *), sizes[n], sizes[(n + 1)...].reduce(1, *))
    }
}
