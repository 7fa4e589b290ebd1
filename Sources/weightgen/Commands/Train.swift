import ArgumentParser
import Foundation
import Formats
import NeuralNetwork
import Segmentation

/// `weightgen train`: trains a PlainConvUNet on an nnU-Net raw dataset.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Train a PlainConvUNet (nnU-Net recipe) on an nnU-Net raw dataset.")

    @Option(help: "nnU-Net raw dataset folder, or a folder of datasets (one per task) with --task.") var dataset: String
    @Option(help: "Task whose dataset to use when --dataset holds several (cord, canal, lesion).") var task: String?
    @Option(help: "Network size: \(UNetPreset.allCases.map(\.rawValue).joined(separator: ", ")) (default tiny; not with --base).")
    var preset: UNetPreset?
    @Option(help: "2 (slices) or 3 (patches) (default 2; not with --base).") var dimensions: Int?
    @Option(help: "Start from this trained network (an nnU-Net model folder or a weightgen checkpoint): its architecture, weights, patch size and spacing.")
    var base: String?
    @Option(help: "Train only the parameters matching these comma-separated name patterns (nnU-Net state-dict names, e.g. decoder.stages.2.*,decoder.seg_layers.2.*); the rest of --base stays frozen.")
    var trainable: String?
    @Option(help: "Training iterations.") var iterations = 1000
    @Option(help: "Batch size.") var batchSize = 16
    @Option(help: "Patch size, comma-separated (y,x for 2D; z,y,x for 3D); default 64,64 or the base's.") var patch: String?
    @Option(help: "Optimiser: sgd (nnU-Net), adam or adamw.") var optimizer: TrainingConfiguration.OptimizerKind = .sgd
    @Option(help: "Initial learning rate.") var learningRate: Float = 1e-2
    @Option(help: "Weight decay.") var weightDecay: Float = 3e-5
    @Option(help: "Augmentation strength (0 = none, 1 = nnU-Net's).") var augmentation = 1.0
    @Flag(help: "Add intensity inversion and random intensity curves to nnU-Net's augmentation, for predicting on MRI contrasts absent from training.")
    var contrastAugmentation = false
    @Option(help: "Fraction of cases held out for validation.") var validationFraction = 0.2
    @Option(help: "Hold out exactly these cases (comma-separated identifiers) instead of a random fraction.")
    var holdOut: String?
    @Option(help: "Resample every case to this voxel spacing in mm (y,x for 2D; z,y,x for 3D) before training; default: the base's, if it fixes one.")
    var spacing: String?
    @Option(help: "Iterations between validation passes (0: at the end only).") var validationInterval = 0
    @Option(help: "Seed of initialisation, split and data stream.") var seed: UInt64 = 0
    @Flag(help: "Accept cases whose label is empty (tasks such as lesions, where a case may lack the structure).")
    var allowEmptyLabels = false
    @Flag(inversion: .prefixedNo, help: "Bring volumes to the closest canonical (RAS+) orientation, so 2D slices are axial (default on; not with --base, whose own preprocessing applies).")
    var reorient: Bool?
    @Option(help: "Output folder for the trained network.") var out: String

    func validate() throws {
        if trainable != nil && base == nil {
            throw ValidationError("--trainable needs --base: the network that supplies the frozen parameters")
        }
        if base != nil && (preset != nil || dimensions != nil || reorient != nil) {
            throw ValidationError("--base fixes the architecture and preprocessing; leave out --preset, --dimensions and --reorient")
        }
    }

    func run() throws {
        let data = try openTrainingDataset(URL(fileURLWithPath: dataset), task: task)
        let classes = data.description.labels.count
        let start = try base.map { try BaseNetwork.load(URL(fileURLWithPath: $0)) }
        let dimensions = start?.network.configuration.spatialRank ?? self.dimensions ?? 2
        let reorient = start.map(\.reoriented) ?? self.reorient ?? true
        let targetSpacing = try spacing.map { try parseSpacing($0, dimensions: dimensions) } ?? start?.spacing
        let cases = try data.trainingCases.map { item -> SegmentationCase in
            let loaded = try SegmentationCase.load(item, classes: classes, reorient: reorient, allowEmptyLabel: allowEmptyLabels)
            guard var target = targetSpacing else { return loaded }
            if dimensions == 2 { target[0] = loaded.spacing[0] }
            return try loaded.resampled(toSpacing: target)
        }
        let identifiers = cases.map(\.identifier)
        let split = holdOut.map { DatasetSplit(identifiers: identifiers, heldOut: $0.split(separator: ",").map(String.init)) }
            ?? DatasetSplit(identifiers: identifiers, validationFraction: validationFraction, seed: seed)
        let patchSize = try patch.map { try parsePatch($0, dimensions: dimensions) } ?? start?.patchSize
            ?? parsePatch("64,64", dimensions: dimensions)
        let network = try start?.network ?? PlainConvUNet(
            (preset ?? .tiny).configuration(spatialRank: dimensions, inputChannels: cases[0].channels, numClasses: classes), seed: seed)
        let architecture = network.configuration
        guard architecture.inputChannels == cases[0].channels, architecture.numClasses == classes else {
            throw ValidationError("the base \(base ?? "") takes \(architecture.inputChannels) channel(s) and \(architecture.numClasses) classes; "
                                  + "\(data.url.path) has \(cases[0].channels) and \(classes)")
        }
        let subset = try trainable.map { try ParameterSubset(parsing: $0) }
        if let subset { try network.freeze(allBut: subset) }
        var configuration = TrainingConfiguration(iterations: iterations, batchSize: batchSize, patchSize: patchSize,
                                                  optimizer: optimizer, learningRate: learningRate, weightDecay: weightDecay,
                                                  validationInterval: validationInterval, seed: seed)
        if contrastAugmentation { configuration.augmentation = .contrastAgnostic }
        configuration.augmentation.strength = augmentation
        let trainer = Trainer(network: network, configuration: configuration,
                              trainingCases: cases.filter { split.training.contains($0.identifier) },
                              validationCases: cases.filter { split.validation.contains($0.identifier) })
        let what = start.map { "\($0.url.lastPathComponent)" } ?? (preset ?? .tiny).rawValue
        let trained = network.trainableParameters().reduce(0) { $0 + $1.tensor.count }
        log("training \(what) (\(trained) of \(network.parameterCount) parameters) on \(split.training.count) cases of "
            + "\(data.url.lastPathComponent), validating on \(split.validation.count)")
        let summary = try trainer.run(progress: { p in
            var line = String(format: "iter %d/%d  %.1f it/s  loss %.4f  lr %.2e", p.iteration, p.iterations,
                              p.iterationsPerSecond, p.loss, p.learningRate)
            if let dice = p.validationDice { line += String(format: "  val dice %.4f", dice) }
            log(line)
        })
        let output = URL(fileURLWithPath: out)
        var metrics = ["final_loss": Double(summary.finalLoss), "seconds": summary.seconds]
        if let dice = summary.validationDice { metrics["validation_dice"] = dice }
        try UNetCheckpoint.write(network, description: UNetCheckpointDescription(
            architecture: architecture, patchSize: patchSize, task: task, iteration: iterations, metrics: metrics,
            spacing: targetSpacing, reoriented: reorient), to: output)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicWrite.write(try encoder.encode(split), to: output.appendingPathComponent("split.json"))
        try AtomicWrite.write(try encoder.encode(summary), to: output.appendingPathComponent("training.json"))
        log(String(format: "done in %.1f s; validation Dice %@; saved %@", summary.seconds,
                   summary.validationDice.map { String(format: "%.4f", $0) } ?? "n/a", output.path))
        if let empty = summary.emptyPredictions, let problem = empty.problem {
            log("warning: \(problem)" + (empty.collapsed ? "; train again with another --seed" : ""))
        }
    }
}

/// Parses "64,64" (2D) or "32,64,64" (3D) into a (z, y, x) patch size.
func parsePatch(_ text: String, dimensions: Int) throws -> [Int] {
    let values = text.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
    guard values.count == dimensions, values.allSatisfy({ $0 > 0 }), dimensions == 2 || dimensions == 3 else {
        throw ValidationError("--patch needs \(dimensions) positive sizes for --dimensions \(dimensions), got \(text)")
    }
    return dimensions == 2 ? [1] + values : values
}

/// Parses "0.84,0.84" (2D, in-plane) or "1,0.84,0.84" (3D) into a (z, y, x) spacing.
func parseSpacing(_ text: String, dimensions: Int) throws -> [Double] {
    let values = text.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
    guard values.count == dimensions, values.allSatisfy({ $0 > 0 }) else {
        throw ValidationError("--spacing needs \(dimensions) positive values in mm, got \(text)")
    }
    return dimensions == 2 ? [1] + values : values
}

/// Progress and status lines go to standard error, leaving standard output for results.
func log(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

extension UNetPreset: ExpressibleByArgument {}
extension TrainingConfiguration.OptimizerKind: ExpressibleByArgument {}
