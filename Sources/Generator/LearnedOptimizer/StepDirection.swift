import Foundation
import TensorEngine
import Zoo

/// The direction a call moves each weight matrix in (a convolution's weights as output
/// channels × the rest). Adam scales every parameter on its own; Shampoo (Gupta et al. 2018)
/// preconditions each matrix's gradient G by the running second moments of its rows and columns,
/// L^(-1/4) G R^(-1/4), and so turns the move where the curvature is correlated across parameters.
public enum StepDirection: Equatable, Sendable {
    /// The rule's own move.
    case rule
    /// Shampoo's direction at the length of the rule's move, tensor by tensor (grafting, as
    /// Shampoo's implementations take their step sizes from Adam): L and R decay by `decay` per
    /// call, their inverse fourth roots are recomputed every `refreshEvery` calls.
    case shampoo(decay: Double, refreshEvery: Int)

    /// Refuses a decay outside [0, 1) or fewer than 1 call between refreshes.
    public func validate() throws {
        guard case let .shampoo(decay, refreshEvery) = self else { return }
        guard decay >= 0, decay < 1, refreshEvery >= 1 else {
            throw GeneratorError.incompatible("Shampoo needs a decay in [0, 1) and 1 call or more between refreshes, not \(decay) and \(refreshEvery)")
        }
    }
}

extension StepDirection: LosslessStringConvertible {
    /// Reads `rule` or `shampoo:D:N` (decay D, refreshed every N calls); values `validate`
    /// refuses are not read.
    public init?(_ description: String) {
        let parts = description.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        let read: StepDirection? = switch parts.first {
        case "rule" where parts.count == 1: .rule
        case "shampoo" where parts.count == 3:
            Double(parts[1]).flatMap { decay in Int(parts[2]).map { .shampoo(decay: decay, refreshEvery: $0) } }
        default: nil
        }
        guard let read, (try? read.validate()) != nil else { return nil }
        self = read
    }

    public var description: String {
        switch self {
        case .rule: "rule"
        case let .shampoo(decay, refreshEvery): "shampoo:\(decay):\(refreshEvery)"
        }
    }
}

/// Shampoo's statistics over a generation's calls, one pair per weight matrix the calls move.
/// The products run through the engine's matrix product in single precision; the
/// eigendecompositions behind the roots in double.
struct ShampooPreconditioner {
    /// The inverse fourth roots' floor, relative to the largest eigenvalue (Shampoo's ε).
    static let relativeFloor = 1e-4

    private struct Factors {
        var left: [Float], right: [Float]
        var leftRoot: Tensor?, rightRoot: Tensor?
    }

    let decay: Float, refreshEvery: Int
    private var factors: [Int: Factors] = [:]

    init(decay: Double, refreshEvery: Int) {
        self.decay = Float(decay)
        self.refreshEvery = refreshEvery
    }

    /// Whether entry `index` of `assembly` is a matrix Shampoo turns: two axes or more and a
    /// bearing on the output.
    static func turns(_ index: Int, of assembly: NetworkAssembly) -> Bool {
        assembly.layout.entries[index].shape.count >= 2 && !assembly.cancelledByNorm[index]
    }

    /// `moved` (from `values`, call `call`, on `gradient`) with every matrix's move turned to
    /// Shampoo's direction at its own length; the statistics take in the gradient first. A
    /// matrix whose gradient is zero (a head the loss does not read) moves as `moved` says.
    mutating func turning(_ moved: [Float], from values: [Float], gradient: [Float], call: Int,
                          assembly: NetworkAssembly) throws -> [Float] {
        var turned = moved
        for (index, entry) in assembly.layout.entries.enumerated() where Self.turns(index, of: assembly) {
            let range = entry.offset..<(entry.offset + entry.count)
            guard range.contains(where: { gradient[$0] != 0 }) else { continue }
            let rows = entry.shape[0], columns = entry.count / rows
            let g = try Tensor(shape: [rows, columns], values: Array(gradient[range]))
            let (byRows, byColumns) = try withNoGrad { (try g.matmul(g.transposed()).scalars, try g.transposed().matmul(g).scalars) }
            var f = factors[index] ?? Factors(left: [Float](repeating: 0, count: rows * rows),
                                              right: [Float](repeating: 0, count: columns * columns))
            f.left = zip(f.left, byRows).map { decay * $0 + (1 - decay) * $1 }
            f.right = zip(f.right, byColumns).map { decay * $0 + (1 - decay) * $1 }
            if call % refreshEvery == 0 || f.leftRoot == nil {
                f.leftRoot = try Self.inverseFourthRoot(f.left, size: rows)
                f.rightRoot = try Self.inverseFourthRoot(f.right, size: columns)
            }
            factors[index] = f
            let direction = try withNoGrad { try f.leftRoot!.matmul(g).matmul(f.rightRoot!).scalars }
            let length = range.map { Double(moved[$0] - values[$0]) }.map { $0 * $0 }.reduce(0, +).squareRoot()
            let directionLength = direction.map { Double($0) * Double($0) }.reduce(0, +).squareRoot()
            guard directionLength > 0 else { continue }
            let scale = Float(length / directionLength)
            for (i, p) in range.enumerated() { turned[p] = values[p] - direction[i] * scale }
        }
        return turned
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
