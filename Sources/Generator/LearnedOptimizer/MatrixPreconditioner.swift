import Foundation
import TensorEngine
import Zoo

/// A preconditioner that turns a call's move of every weight tensor (a convolution's weights read
/// as output channels × the rest, or by their modes) to a direction of its own, from statistics
/// it keeps over a generation's calls; the move keeps the rule's length, tensor by tensor
/// (grafting, as Shampoo's and SOAP's implementations take their step sizes from Adam).
protocol MatrixPreconditioner {
    /// The direction (row-major, the gradient's shape) to move weight tensor `index` of the
    /// network against, given its gradient `g` (the tensor's own shape, rank 2 or more) at call
    /// `call`; the statistics take in the gradient first.
    mutating func direction(of g: Tensor, tensor index: Int, call: Int) throws -> [Float]
}

extension MatrixPreconditioner {
    /// Whether entry `index` of `assembly` is a matrix a preconditioner turns: two axes or more
    /// and a bearing on the output.
    static func turns(_ index: Int, of assembly: NetworkAssembly) -> Bool {
        assembly.layout.entries[index].shape.count >= 2 && !assembly.cancelledByNorm[index]
    }

    /// `moved` (from `values`, call `call`, on `gradient`) with every matrix's move turned to
    /// the preconditioner's direction at its own length. A matrix whose gradient is zero (a
    /// head the loss does not read) moves as `moved` says.
    mutating func turning(_ moved: [Float], from values: [Float], gradient: [Float], call: Int,
                          assembly: NetworkAssembly) throws -> [Float] {
        var turned = moved
        for (index, entry) in assembly.layout.entries.enumerated() where Self.turns(index, of: assembly) {
            let range = entry.offset..<(entry.offset + entry.count)
            guard range.contains(where: { gradient[$0] != 0 }) else { continue }
            let g = try Tensor(shape: Shape(entry.shape), values: Array(gradient[range]))
            let direction = try self.direction(of: g, tensor: index, call: call)
            let length = range.map { Double(moved[$0] - values[$0]) }.map { $0 * $0 }.reduce(0, +).squareRoot()
            let directionLength = direction.map { Double($0) * Double($0) }.reduce(0, +).squareRoot()
            guard directionLength > 0 else { continue }
            let scale = Float(length / directionLength)
            for (i, p) in range.enumerated() { turned[p] = values[p] - direction[i] * scale }
        }
        return turned
    }
}
