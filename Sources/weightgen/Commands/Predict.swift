import ArgumentParser
import Foundation
import Formats
import Segmentation

/// `weightgen predict`: segments a NIfTI volume with a weightgen checkpoint or an nnU-Net model folder.
struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Segment a NIfTI volume with a weightgen checkpoint folder or an nnU-Net model folder.")

    @Option(help: "A weightgen checkpoint folder (network.json) or an nnU-Net model folder (plans.json).") var model: String
    @Option(help: "Input image (.nii or .nii.gz).") var input: String
    @Option(help: "Output label map (.nii or .nii.gz), uint8 on the input's grid.") var output: String
    @Flag(inversion: .prefixedNo, help: "Average predictions over mirrored inputs (nnU-Net's test-time mirroring).")
    var mirroring = true
    @Flag(help: "Keep only the largest connected component of each label (nnU-Net's post-processing).")
    var largestComponent = false
    @Option(help: "With an nnU-Net model folder: also write the class probabilities (float32, one volume per class along the fourth axis, background first).")
    var probabilities: String?

    func validate() throws {
        if probabilities != nil && largestComponent {
            throw ValidationError("--probabilities describes the network's output; it cannot be combined with --largest-component")
        }
    }

    func run() throws {
        let trained = try TrainedModel.open(URL(fileURLWithPath: model))
        let volume = try NIfTIReader.read(URL(fileURLWithPath: input))
        let start = Date()
        let mask: NIfTIVolume
        do {
            if let probabilities {
                guard case let .nnUNet(network) = trained else {
                    throw ValidationError("--probabilities needs an nnU-Net model folder; \(model) is a weightgen checkpoint")
                }
                let prediction = try network.predictProbabilities(volume, mirroring: mirroring)
                try NIfTIWriter.write(try volume.probabilityMap(prediction.probabilities, classes: prediction.classes),
                                      to: URL(fileURLWithPath: probabilities))
                mask = prediction.labelMap
            } else {
                mask = try trained.predict(volume, mirroring: mirroring, largestComponent: largestComponent)
            }
        } catch NNUNetModelError.emptyImage {
            throw ValidationError("\(input): \(NNUNetModelError.emptyImage)")
        }
        try NIfTIWriter.write(mask, to: URL(fileURLWithPath: output), as: .uint8)
        let foreground = mask.values.reduce(0) { $0 + ($1 > 0 ? 1 : 0) }
        log(String(format: "wrote %@: %d foreground voxels of %d (%.1f s)", output, foreground, mask.values.count,
                   Date().timeIntervalSince(start)))
    }
}
