import ArgumentParser

/// `weightgen convert`: moves tensors between .pth and .safetensors.
struct Convert: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Convert tensors between .pth and .safetensors.")
    @Argument(help: "Input file.") var input: String
    @Argument(help: "Output file.") var output: String
    func run() throws { throw ValidationError("convert is not implemented yet") }
}
