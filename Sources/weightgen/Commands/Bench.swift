import ArgumentParser

/// `weightgen bench`: performance measurements side by side with PyTorch.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Benchmarks, side by side with PyTorch.")
}
