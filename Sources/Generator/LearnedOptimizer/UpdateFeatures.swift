import Foundation
import Zoo

/// What the learned optimiser reads of one parameter: its value and gradient in its tensor's
/// units, its tensor's state, and which tensor it belongs to. Everything a row holds is the
/// parameter's own or its whole tensor's, so reordering a layer's channels reorders the rows
/// and nothing else: the rule is permutation-equivariant by construction.
public struct UpdateFeatures: Sendable {
    /// Per-tensor units: the zoo's normaliser.
    public let normalizer: ParameterNormalizer
    /// What a row carries from the call before.
    public let memory: UpdateMemory
    /// Values per row: value, gradient, log gradient scale, tensor RMS, the previous move (with
    /// memory), then the one-hot tensor index.
    public var width: Int { memoryOffset + normalizer.layout.entries.count }
    private var memoryOffset: Int { memory == .previousMove ? 5 : 4 }

    /// The tensor index of every flat parameter index.
    public let tensorOfParameter: [Int]

    public init(normalizer: ParameterNormalizer, memory: UpdateMemory) {
        self.normalizer = normalizer
        self.memory = memory
        tensorOfParameter = normalizer.layout.entries.enumerated().flatMap { index, entry in [Int](repeating: index, count: entry.count) }
    }

    /// The per-tensor state of a network (value and gradient scales), computed once per call.
    public struct TensorState: Sendable {
        /// RMS of the gradient per tensor, in normalised units.
        var gradientScale: [Float]
        /// RMS of the normalised value per tensor.
        var valueScale: [Float]
    }

    /// Each tensor's gradient and value scales for `values` with `gradient`.
    public func state(values: [Float], gradient: [Float]) -> TensorState {
        var gradientScale: [Float] = [], valueScale: [Float] = []
        for (index, entry) in normalizer.layout.entries.enumerated() {
            let mean = normalizer.means[index], deviation = normalizer.deviations[index]
            var g2: Float = 0, v2: Float = 0
            for i in entry.offset..<(entry.offset + entry.count) {
                g2 += gradient[i] * gradient[i]
                let v = (values[i] - mean) / deviation
                v2 += v * v
            }
            // The gradient with respect to the normalised parameter is the raw gradient times the deviation.
            gradientScale.append((g2 / Float(entry.count)).squareRoot() * deviation)
            valueScale.append((v2 / Float(entry.count)).squareRoot())
        }
        // A tensor the loss does not depend on (a convolution bias before instance norm) has a
        // gradient of rounding noise; scaled to unit RMS it would look like a real direction and
        // differ with the channel order. Scales are floored at a thousandth of the largest.
        let floor = 1e-3 * (gradientScale.max() ?? 0)
        return TensorState(gradientScale: gradientScale.map { max($0, floor) }, valueScale: valueScale)
    }

    /// The feature row of parameter `index` of tensor `tensor`, written into `row` (`width`
    /// values); `previousMove` is in the rule's output units (read only with memory).
    public func write(row: UnsafeMutablePointer<Float>, index: Int, tensor: Int, values: [Float], gradient: [Float],
                      previousMove: [Float], state: TensorState) {
        let deviation = normalizer.deviations[tensor], scale = state.gradientScale[tensor]
        row[0] = (values[index] - normalizer.means[tensor]) / deviation
        row[1] = scale > 0 ? gradient[index] * deviation / scale : 0
        row[2] = log10f(scale + 1e-12) / 4
        row[3] = state.valueScale[tensor]
        if memory == .previousMove { row[4] = previousMove[index] }
        for k in 0..<normalizer.layout.entries.count { row[memoryOffset + k] = k == tensor ? 1 : 0 }
    }
}
