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

    func run() throws {
        let trained = try TrainedModel.open(URL(fileURLWithPath: model))
        let volume = try NIfTIReader.read(URL(fileURLWithPath: input))
        let start = Date()
        let mask = try trained.predict(volume, mirroring: mirroring, largestComponent: largestComponent)
        try NIfTIWriter.write(mask, to: URL(fileURLWithPath: output), as: .uint8)
        let foreground = mask.values.reduce(0) { $0 + ($1 > 0 ? 1 : 0) }
        log(String(format: "wrote %@: %d foreground voxels of %d (%.1f s)", output, foreground, mask.values.count,
                   Date().timeIntervalSince(start)))
    }
}
