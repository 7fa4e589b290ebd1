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
    /// What a row reads of the parameter's past gradients.
    public let history: GradientHistory
    /// Values per row: value, gradient, log gradient scale, tensor RMS, the previous move (with
    /// memory), the three second-moment values (with a history), the first moment's step (with
    /// Adam's moments), then the one-hot tensor index.
    public var width: Int { tensorOffset + normalizer.layout.entries.count }
    private var historyOffset: Int { memory == .previousMove ? 5 : 4 }
    private var tensorOffset: Int {
        historyOffset + {
            switch history {
            case .none: 0
            case .secondMoment: 3
            case .adamMoments, .adamStep: 4
            }
        }()
    }

    /// The tensor index of every flat parameter index.
    public let tensorOfParameter: [Int]

    public init(normalizer: ParameterNormalizer, memory: UpdateMemory, history: GradientHistory) {
        self.normalizer = normalizer
        self.memory = memory
        self.history = history
        tensorOfParameter = normalizer.layout.entries.enumerated().flatMap { index, entry in [Int](repeating: index, count: entry.count) }
    }

    /// The per-tensor state of a network (value and gradient scales), computed once per call.
    public struct TensorState: Sendable {
        /// RMS of the gradient per tensor, in normalised units.
        var gradientScale: [Float]
        /// RMS of the normalised value per tensor.
        var valueScale: [Float]
        /// Root mean of the second moment per tensor, in normalised units (empty without that history).
        var secondMomentScale: [Float]
    }

    /// Each tensor's gradient and value scales for `values` with `gradient`, and its second
    /// moment's scale where `moments` are given (bias-corrected estimates, raw units).
    public func state(values: [Float], gradient: [Float], moments: GradientMoments? = nil) -> TensorState {
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
        return TensorState(gradientScale: gradientScale.map { max($0, floor) }, valueScale: valueScale,
                           secondMomentScale: moments.map { secondMomentScales($0.second.values) } ?? [])
    }

    /// Each tensor's root mean second moment in normalised units, floored as the gradient scales are.
    private func secondMomentScales(_ secondMoment: [Float]) -> [Float] {
        let scales = zip(normalizer.layout.entries, normalizer.deviations).map { entry, deviation in
            (secondMoment[entry.offset..<(entry.offset + entry.count)].reduce(0, +) / Float(entry.count)).squareRoot() * deviation
        }
        let floor = max(1e-3 * (scales.max() ?? 0), .leastNormalMagnitude)
        return scales.map { max($0, floor) }
    }

    /// Every parameter's feature row, in parameter order, written into `rows` (`values.count`
    /// rows of `width`), as `write(row:…)` writes one.
    public func writeRows(into rows: UnsafeMutablePointer<Float>, values: [Float], gradient: [Float], previousMove: [Float],
                          moments: GradientMoments?, state: TensorState) {
        for (index, tensor) in tensorOfParameter.enumerated() {
            write(row: rows + index * width, index: index, tensor: tensor, values: values, gradient: gradient,
                  previousMove: previousMove, moments: moments, state: state)
        }
    }

    /// The feature row of parameter `index` of tensor `tensor`, written into `row` (`width`
    /// values); `previousMove` is in the rule's output units (read only with memory),
    /// `moments` the bias-corrected estimates in raw units (read only with a history, `state`
    /// then made with them).
    public func write(row: UnsafeMutablePointer<Float>, index: Int, tensor: Int, values: [Float], gradient: [Float],
                      previousMove: [Float], moments: GradientMoments?, state: TensorState) {
        let deviation = normalizer.deviations[tensor], scale = state.gradientScale[tensor]
        row[0] = (values[index] - normalizer.means[tensor]) / deviation
        row[1] = scale > 0 ? gradient[index] * deviation / scale : 0
        row[2] = log10f(scale + 1e-12) / 4
        row[3] = state.valueScale[tensor]
        if memory == .previousMove { row[4] = previousMove[index] }
        if history != .none, let moments {
            let tensorRoot = state.secondMomentScale[tensor], root = self.root(index: index, tensor: tensor, moments: moments, state: state)
            // Adam's direction (clipped: its first steps are ±1), the root within its tensor, the tensor's root.
            row[historyOffset] = min(max(gradient[index] * deviation / root, -5), 5)
            row[historyOffset + 1] = log10f(root / tensorRoot) / 2
            row[historyOffset + 2] = log10f(tensorRoot) / 4
            if history.readsFirstMoment, let first = moments.first { row[historyOffset + 3] = adamStep(first.values[index], deviation: deviation, root: root) }
        }
        for k in 0..<normalizer.layout.entries.count { row[tensorOffset + k] = k == tensor ? 1 : 0 }
    }

    /// Parameter `index`'s second moment's root in normalised units, floored at a hundredth of
    /// its tensor's, so a parameter the loss barely reaches does not read noise over noise as a full step.
    private func root(index: Int, tensor: Int, moments: GradientMoments, state: TensorState) -> Float {
        max(moments.second.values[index].squareRoot() * normalizer.deviations[tensor], 1e-2 * state.secondMomentScale[tensor])
    }

    /// Adam's own step direction: the mean gradient `first` over the root, clipped (its first steps are ±1).
    private func adamStep(_ first: Float, deviation: Float, root: Float) -> Float {
        min(max(first * deviation / root, -5), 5)
    }

    /// Under `GradientHistory.adamStep`, every parameter's move by Adam's step over `iterations`
    /// iterations at unit learning rate in normalised units (minus the step direction the row
    /// reads, over the tensor's deviation): what the rule's output is added to. Empty under any
    /// other history.
    public func adamMoves(iterations: Int, moments: GradientMoments?, state: TensorState) -> [Float] {
        guard history == .adamStep, let moments, let first = moments.first?.values else { return [] }
        return tensorOfParameter.enumerated().map { index, tensor in
            let deviation = normalizer.deviations[tensor], root = root(index: index, tensor: tensor, moments: moments, state: state)
            return -adamStep(first[index], deviation: deviation, root: root) * Float(iterations) / deviation
        }
    }
}
