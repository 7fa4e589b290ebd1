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
}
