import ArgumentParser
import TensorEngine

/// The `weightgen` command: learns to generate trained segmentation networks.
@main
struct WeightGenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "weightgen",
        abstract: "Learn to generate trained nnU-Net segmentation networks from checkpoints: a learned optimiser distilled from their "
            + "trajectories (the default generator), and G.pt-style parameter diffusion.",
        version: WeightGenVersion.description,
        subcommands: [Phantom.self, Dataset.self, Train.self, Evaluate.self, Predict.self, Inspect.self, Convert.self, ZooCommand.self, LearnedOptimizerCommand.self, GeneratorCommand.self, Generate.self, Experiment.self, Bench.self]
    )
}

/// The release version and the BLAS kernel in use, printed by `weightgen --version`.
enum WeightGenVersion {
    static let current = "0.1.0"
    static var description: String { "\(current)\nBLAS: \(BLASLibrary.summary)\nconvolution kernels: \(ConvolutionKernelLevel.current)" }
}
