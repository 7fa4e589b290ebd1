import ArgumentParser
import Formats
import Foundation
import Zoo

/// `weightgen inspect`: summarises a NIfTI volume, tensor file or nnU-Net folder.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Summarise a NIfTI volume, a .pth/.safetensors file, an nnU-Net model folder or raw dataset.")
    @Argument(help: "The file or folder to inspect.") var path: String

    func run() throws {
        let url = URL(fileURLWithPath: path)
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) else {
            throw FormatError(.io, "no such file or folder", path: url.path)
        }
        if isFolder.boolValue {
            if NNUNetModelFolder.isModelFolder(url) {
                try inspectModelFolder(url)
            } else {
                try inspectDataset(url)
            }
            return
        }
        switch FileKind(url) {
        case .nifti: try inspectNIfTI(url)
        case .safetensors:
            let file = try SafeTensors.read(url)
            print("safetensors: \(url.path)")
            for (key, value) in file.metadata.sorted(by: { $0.key < $1.key }) {
                print("metadata \(key): \(value.count > 120 ? value.prefix(120) + "… (\(value.count) characters)" : value)")
            }
            printTensors(file.tensors, checksums: true)
        case .torch: try inspectCheckpoint(url)
        }
    }

    private func inspectNIfTI(_ url: URL) throws {
        let volume = try NIfTIReader.read(url)
        let header = volume.header
        print("NIfTI-\(header.version) image: \(url.path)")
        print("dims: \(header.dims)  datatype: \(header.datatype)  byte order: \(header.isBigEndian ? "big" : "little")")
        print("pixdim: \(Array(header.pixdim[1...header.dims.count]))  units: \(header.spatialUnit), \(header.temporalUnit)")
        print("scl_slope/scl_inter: \(header.sclSlope) / \(header.sclInter)")
        print("qform_code: \(header.qformCode)  sform_code: \(header.sformCode)")
        print("affine:\n\(volume.affine)")
        if let range = volume.intensityRange { print("intensity range: \(range.min) … \(range.max)") }
        print("nonzero voxels: \(volume.values.filter { $0 != 0 }.count) of \(volume.values.count)")
    }

    private func inspectCheckpoint(_ url: URL) throws {
        let value = try TorchCheckpoint.read(url)
        print("PyTorch checkpoint: \(url.path)")
        if let checkpoint = try? NNUNetCheckpoint(value) {
            print("nnU-Net checkpoint: trainer \(checkpoint.trainerName), configuration \(checkpoint.configuration), "
                + "epoch \(checkpoint.currentEpoch), mirroring axes \(checkpoint.mirroringAxes)")
        } else if case .dict(let dict) = value {
            print("keys: \(dict.entries.map { $0.key.stringValue ?? $0.key.typeName }.prefix(20).joined(separator: ", "))")
        }
        printTensors(try TorchCheckpoint.stateDict(in: value))
    }

    private func inspectModelFolder(_ url: URL) throws {
        let folder = try NNUNetModelFolder.open(url)
        print("nnU-Net model folder: \(url.path)")
        print("dataset: \(folder.plans.datasetName)  plans: \(folder.plans.plansName)  folds: \(folder.folds)")
        print("channels: \(folder.dataset.channelNames)  labels: \(folder.dataset.labels.map { "\($0.value)=\($0.name)" })")
        for name in folder.plans.configurationNames {
            let configuration = try folder.plans.configuration(name)
            let architecture = configuration.architecture
            print("configuration \(name): \(architecture.networkClassName.split(separator: ".").last ?? "")")
            print("  patch size \(configuration.patchSize), spacing \(configuration.spacing), batch \(configuration.batchSize), "
                + "normalisation \(configuration.normalizationSchemes)")
            print("  stages \(architecture.stageCount), features \(architecture.featuresPerStage), kernels "
                + "\(architecture.kernelSizes), strides \(architecture.strides)")
            print("  convs per stage \(architecture.convolutionsPerStage), decoder \(architecture.convolutionsPerDecoderStage)")
        }
        for fold in folder.folds {
            let checkpoint = try folder.checkpoint(fold: fold)
            let unique = Set(checkpoint.networkWeights.map { ObjectIdentifier($0.tensor) }).count
            print("fold \(fold): trainer \(checkpoint.trainerName), configuration \(checkpoint.configuration), "
                + "epoch \(checkpoint.currentEpoch), \(checkpoint.networkWeights.count) keys over \(unique) tensors, "
                + "\(checkpoint.networkWeights.parameterCount) parameters")
        }
    }

    private func inspectDataset(_ url: URL) throws {
        let dataset = try NNUNetRawDataset.open(url)
        try dataset.validate()
        print("nnU-Net raw dataset: \(url.path)")
        print("channels: \(dataset.description.channelNames)  labels: \(dataset.description.labels.map { "\($0.value)=\($0.name)" })")
        print("training cases: \(dataset.trainingCases.count)  test cases: \(dataset.testCases.count)  "
            + "file ending: \(dataset.description.fileEnding)")
        if let first = dataset.trainingCases.first {
            let header = try NIfTIReader.readHeader(first.images[0])
            print("first case \(first.identifier): dims \(header.dims), spacing \(header.spacing)")
        }
    }

    /// One line per tensor; with `checksums`, the CRC-32 of its stored bytes, so two files' tensors compare by eye or `diff`.
    private func printTensors(_ tensors: [NamedTensor], checksums: Bool = false) {
        let width = min(70, tensors.map(\.name.count).max() ?? 0)
        for entry in tensors {
            let name = entry.name.padding(toLength: max(width, entry.name.count), withPad: " ", startingAt: 0)
            let checksum = checksums ? String(format: "  crc32 %08x", RunFile.checksum(entry.tensor.bytes)) : ""
            print("  \(name)  \(entry.tensor.dtype)  \(entry.tensor.shape)\(checksum)")
        }
        print("\(tensors.count) tensors, \(tensors.parameterCount) parameters (aliases counted once)")
    }
}

/// The file types `inspect` and `convert` recognise, by name.
enum FileKind {
    case nifti, safetensors, torch

    init(_ url: URL) {
        let name = url.lastPathComponent.lowercased()
        if name.hasSuffix(".nii") || name.hasSuffix(".nii.gz") {
            self = .nifti
        } else if name.hasSuffix(".safetensors") {
            self = .safetensors
        } else {
            self = .torch
        }
    }
}
