import ArgumentParser
import Formats
import Foundation

/// `weightgen convert`: moves tensors between .pth and .safetensors, rewrites NIfTI volumes and
/// nnU-Net model folders.
struct Convert: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Convert tensors between .pth and .safetensors, NIfTI volumes, or nnU-Net model folders.",
        discussion: """
        IN may be a .pth (a state dict, or a checkpoint holding network_weights/state_dict/model), a .safetensors \
        file or an nnU-Net model folder (its fold's network_weights); OUT is .pth or .safetensors. \
        A .nii/.nii.gz IN is rewritten as float32 (or uint8 with --mask) to a .nii/.nii.gz OUT. \
        A model folder IN with a folder OUT (no .pth/.safetensors suffix) is rewritten as a fresh nnU-Net \
        model folder with the same plans, dataset and network weights. Files are written to a temporary \
        file beside OUT and renamed into place.
        """)
    @Argument(help: "Input file or model folder.") var input: String
    @Argument(help: "Output file or folder.") var output: String
    @Option(help: "Fold of a model folder to read (default: the first).") var fold: Int?
    @Flag(help: "Write a NIfTI output as a uint8 mask instead of float32.") var mask = false

    func run() throws {
        let inURL = URL(fileURLWithPath: input), outURL = URL(fileURLWithPath: output)
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: inURL.path, isDirectory: &isFolder) else {
            throw FormatError(.io, "no such file or folder", path: inURL.path)
        }
        if isFolder.boolValue {
            let folder = try NNUNetModelFolder.open(inURL)
            guard let fold = fold ?? folder.folds.first else {
                throw FormatError(.malformed, "the model folder has no fold_N/checkpoint_final.pth", path: inURL.path)
            }
            let checkpoint = try folder.checkpoint(fold: fold)
            if outURL.pathExtension.isEmpty {
                let canonical = try NNUNetStateDictAliases.collapse(checkpoint.networkWeights)
                var rewritten = checkpoint
                rewritten.networkWeights = NNUNetStateDictAliases.expand(canonical)
                try NNUNetModelFolder.write(to: outURL, plans: folder.plans, dataset: folder.dataset,
                                            checkpoint: rewritten, fold: fold)
                print("wrote nnU-Net model folder \(outURL.path) (fold \(fold), \(canonical.count) tensors)")
            } else {
                try writeTensors(checkpoint.networkWeights, to: outURL)
            }
            return
        }
        switch FileKind(inURL) {
        case .nifti:
            guard FileKind(outURL) == .nifti else { throw ValidationError("a NIfTI input converts to .nii or .nii.gz") }
            let volume = try NIfTIReader.read(inURL)
            try NIfTIWriter.write(volume, to: outURL, as: mask ? .uint8 : .float32)
            print("wrote \(outURL.path) (\(volume.dims), \(mask ? "uint8" : "float32"))")
        case .safetensors:
            try writeTensors(try SafeTensors.read(inURL).tensors, to: outURL)
        case .torch:
            try writeTensors(try TorchCheckpoint.readStateDict(inURL), to: outURL)
        }
    }

    private func writeTensors(_ tensors: [NamedTensor], to url: URL) throws {
        switch FileKind(url) {
        case .safetensors:
            // safetensors cannot alias; each key gets its own copy of the data.
            try SafeTensors.write(SafeTensorsFile(tensors: tensors, metadata: ["format": "pt"]), to: url)
        case .torch:
            try TorchCheckpointWriter.write(stateDict: tensors, to: url)
        case .nifti:
            throw ValidationError("tensors convert to .pth or .safetensors, not NIfTI")
        }
        print("wrote \(url.path) (\(tensors.count) tensors, \(tensors.parameterCount) parameters)")
    }
}
