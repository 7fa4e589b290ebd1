import Foundation

extension CodingUserInfoKey {
    /// The `formatVersion` of the generator description being read, for parts whose layout changed.
    static let generatorFormatVersion = CodingUserInfoKey(rawValue: "generatorFormatVersion")!
}

/// A configuration as format 2 saved it: one flat list of options, some of which excluded others.
struct FlatGeneratorConfiguration: Decodable {
    var chunkSize, width, depth, heads, frequencies, diffusionSteps: Int
    var promptOctaves: Double
    var metric: PromptMetric
    var trainingSteps, batchSize, warmupSteps: Int
    var learningRate, weightDecay, gradientClip, emaDecay: Float
    var permutationAugmentation, startGradient, globalResidual, canonicalAlignment: Bool
    var startDropout: Float
    var targetSampling: TargetSampling
    var runsPerTask: Int?
    var runSelection: RunSelection
    var pathTargets: Int
    var runEmbedding: Bool

    /// The same generator in typed parts. Format 2 refused canonical alignment with permutation
    /// augmentation and a start gradient with start dropout 1, so each maps to one value; a start
    /// dropout of 1 is the hidden start (its residual added the all-zero hidden start, nothing).
    var typed: GeneratorConfiguration {
        GeneratorConfiguration(
            architecture: GeneratorArchitecture(chunkSize: chunkSize, width: width, depth: depth, heads: heads, frequencies: frequencies,
                                                promptOctaves: promptOctaves, diffusionSteps: diffusionSteps),
            schedule: GeneratorSchedule(trainingSteps: trainingSteps, batchSize: batchSize, learningRate: learningRate, warmupSteps: warmupSteps,
                                        weightDecay: weightDecay, gradientClip: gradientClip, emaDecay: emaDecay),
            data: DataRecipe(metric: metric, alignment: canonicalAlignment ? .canonical : permutationAugmentation ? .permutationAugmentation : .none,
                             targetSampling: targetSampling, runsPerTask: runsPerTask, runSelection: runSelection, pathTargets: pathTargets,
                             runEmbedding: runEmbedding),
            conditioning: startDropout >= 1 ? .hidden
                : .withStart(StartInputs(dropout: startDropout, gradient: startGradient, globalResidual: globalResidual)))
    }
}
