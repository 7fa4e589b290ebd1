import ArgumentParser
import Foundation
import Formats

/// `weightgen dataset`: builds an nnU-Net raw dataset from loose image/label files.
struct Dataset: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create an nnU-Net v2 raw dataset from image/label NIfTI pairs.",
        discussion: """
            Each --case is NAME=IMAGE:LABEL, or NAME=IMAGE:LABEL:FIRST-LAST for the slab of slices \
            FIRST to LAST (0-based, inclusive) along the volume's third axis, the axis a 2D nnU-Net \
            model slices along: one volume can give several cases, split like any others. Labels are \
            binarised at 0.5 (foreground = 1), so soft or 0/1-float masks become nnU-Net labels; images \
            are written as float32 on their own grid.
            """)

    @Option(help: "Output folder, e.g. Dataset201_SCTCord.") var out: String
    @Option(help: "Foreground class name.") var label = "foreground"
    @Option(help: "Channel name.") var channel = "MRI"
    @Option(name: .customLong("case"), help: "NAME=IMAGE:LABEL[:FIRST-LAST] (repeat).") var cases: [String]

    func run() throws {
        var volumes: [NNUNetRawDataset.CaseVolumes] = []
        for spec in cases {
            let parts = spec.split(separator: "=", maxSplits: 1).map(String.init)
            let files = parts.count == 2 ? parts[1].split(separator: ":").map(String.init) : []
            guard parts.count == 2, (2...3).contains(files.count) else {
                throw ValidationError("--case \(spec): expected NAME=IMAGE:LABEL or NAME=IMAGE:LABEL:FIRST-LAST")
            }
            var image = try NIfTIReader.read(URL(fileURLWithPath: files[0]))
            var mask = try NIfTIReader.read(URL(fileURLWithPath: files[1]))
            guard mask.dims == image.dims else {
                throw ValidationError("case \(parts[0]): label shape \(mask.dims) differs from image shape \(image.dims)")
            }
            if files.count == 3 {
                let bounds = files[2].split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
                guard bounds.count == 2, let first = bounds[0], let last = bounds[1], first <= last else {
                    throw ValidationError("--case \(spec): slices '\(files[2])' must be FIRST-LAST with FIRST ≤ LAST")
                }
                do {
                    image = try image.slices(first...last)
                    mask = try mask.slices(first...last)
                } catch { throw ValidationError("--case \(spec): \(error)") }
            }
            var binary = mask
            binary.values = mask.values.map { $0 >= 0.5 ? 1 : 0 }
            binary.header = image.header
            volumes.append(.init(identifier: parts[0], channels: [image], label: binary))
        }
        let description = try NNUNetDatasetDescription(channelNames: [channel], labels: ["background", label],
                                                       trainingCaseCount: volumes.count)
        let written = try NNUNetRawDataset.write(to: URL(fileURLWithPath: out), description: description, training: volumes)
        try written.validate()
        print("wrote \(out): \(volumes.count) cases")
    }
}
