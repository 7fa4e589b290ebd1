import NeuralNetwork

extension Module {
    /// The dotted names of the parameters this module's output does not depend on: each conv
    /// block's convolution bias, one constant per channel that the block's instance norm
    /// subtracts again with the channel's mean. Their gradient is rounding noise, and a run
    /// moves them by that noise alone.
    public func parametersCancelledByNorm(prefix: String = "") -> [String] {
        var names: [String] = []
        if let block = self as? ConvNormReLU, block.conv.bias != nil { names.append(prefix + "conv.bias") }
        for (name, child) in children { names += child.parametersCancelledByNorm(prefix: prefix + name + ".") }
        return names
    }

    /// The dotted names of the parameters whose every output channel's scale this module's
    /// output does not depend on: each conv block's convolution weight, whose channels the
    /// block's instance norm divides again by their spread. Adam's moves lengthen such a filter
    /// (each move is near orthogonal to it), which shrinks every later move's angle.
    public func parametersScaledAwayByNorm(prefix: String = "") -> [String] {
        var names: [String] = []
        if self is ConvNormReLU { names.append(prefix + "conv.weight") }
        for (name, child) in children { names += child.parametersScaledAwayByNorm(prefix: prefix + name + ".") }
        return names
    }
}
