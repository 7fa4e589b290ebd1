import ArgumentParser

/// `weightgen inspect`: summarises a NIfTI volume, tensor file or nnU-Net folder.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Summarise a NIfTI volume, a .pth/.safetensors file or an nnU-Net folder.")
    @Argument(help: "The file or folder to inspect.") var path: String
    func run() throws { throw ValidationError("inspect is not implemented yet") }
}
