import NeuralNetwork
import TensorEngine

extension TrainingConfiguration.OptimizerKind {
    /// The optimiser over `parameters`: SGD with Nesterov momentum, Adam (L2 weight decay on
    /// every parameter) or AdamW (decoupled decay, none on biases and norms).
    func make(parameters: [(name: String, tensor: Tensor)], learningRate: Float, momentum: Float,
              weightDecay: Float) -> Optimizer {
        switch self {
        case .sgd:
            return SGD(parameters: parameters, learningRate: learningRate, momentum: momentum, nesterov: true,
                       weightDecay: weightDecay)
        case .adam:
            return Adam(groups: [ParameterGroup(parameters, weightDecay: weightDecay)], learningRate: learningRate)
        case .adamw:
            return Adam.adamW(groups: ParameterGroup.decayAndNoDecay(parameters, weightDecay: weightDecay),
                              learningRate: learningRate)
        }
    }
}
