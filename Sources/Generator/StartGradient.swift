import Segmentation
import Zoo

/// The start-gradient input: the training-loss gradient at a start network's parameters on
/// the zoo's fixed training-loss cases, each tensor scaled to unit RMS (its direction matters,
/// not its size, which changes by orders of magnitude during training).
struct StartGradient {
    let assembly: NetworkAssembly
    let evaluators: [TaskEvaluator]

    func features(_ parameters: [Float], task: Int) throws -> [Float] {
        let layout = assembly.layout
        var gradient = try assembly.withNetwork(parameters) { try evaluators[task].lossGradient($0, layout: layout) }
        for entry in layout.entries {
            let range = entry.offset..<(entry.offset + entry.count)
            let rms = (gradient[range].reduce(0) { $0 + $1 * $1 } / Float(entry.count)).squareRoot()
            for i in range { gradient[i] = rms > 0 ? gradient[i] / rms : 0 }
        }
        return gradient
    }
}
