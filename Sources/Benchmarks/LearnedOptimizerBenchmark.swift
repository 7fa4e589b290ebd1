import Foundation
import Formats
import Generator
import Segmentation
import TensorEngine
import Zoo

/// `weightgen bench learned-optimizer`: calls of a saved learned optimiser from an unseen start of
/// its zoo's first task, as a generation makes them (the training-loss gradient on the call's
/// batch, the rule on every parameter, the move; not the validation check a generation adds
/// after each call), against the same calls in PyTorch on the same batches and parameters. Each
/// of PyTorch's calls starts from weightgen's parameters and previous move before that call, and
/// weightgen's move is checked call by call against the peer's float64 computation of the same
/// call (or, where a LeakyReLU input lies within float32 rounding of zero, against that
/// computation with the input on the kink's other side), so the timings are of the same computation: a head optimiser's calls on a head zoo's
/// cached inputs, or a whole network's on training patches.
public struct LearnedOptimizerBenchmark {
    public var calls: Int
    public var warmup: Int
    public var optimizer: URL
    /// The zoo the optimiser was distilled from (nil: the path its description records).
    public var zoo: URL?
    public var peer: PyTorchPeer?

    public init(optimizer: URL, zoo: URL?, calls: Int = 10, warmup: Int = 2, peer: PyTorchPeer?) {
        self.optimizer = optimizer
        self.zoo = zoo
        self.calls = calls
        self.warmup = warmup
        self.peer = peer
    }

    /// The largest RMS difference between weightgen's move and the peer's float64 reference
    /// allowed in any call, relative to the RMS of the reference move.
    static let tolerance = 1e-3

    public func run(progress: (String) -> Void = { _ in }) throws -> BenchmarkReport {
        let optimizer = try LearnedOptimizer(folder: self.optimizer)
        let description = optimizer.description, assembly = optimizer.assembly
        guard description.configuration.gradient == .trainingPatches else {
            throw GeneratorError.incompatible("\(self.optimizer.path) reads whole training cases per call; the benchmark times calls on training patches")
        }
        guard description.configuration.history == .none else {
            throw GeneratorError.incompatible("\(self.optimizer.path) reads the gradients' \(description.configuration.history.rawValue) history; the benchmark's PyTorch peer reads the call's gradient alone")
        }
        guard description.configuration.scope == .parameter else {
            throw GeneratorError.incompatible("\(self.optimizer.path) reads the parameters of each channel; the benchmark's PyTorch peer applies its rule to each parameter alone")
        }
        let zoo = try Zoo.open(zoo ?? URL(fileURLWithPath: description.zoo))
        let task = description.tasks[0]
        let evaluator = try TaskEvaluator(zoo: zoo, task: task)
        let runs = try zoo.runs(task: task, status: .done)
        let seed = unseenInitialisationSeeds(count: 1, avoiding: runs)[0]
        let start = try assembly.layout.flatten(try PlainConvUNet(description.architecture, seed: seed))
        let network = try assembly.network(start)
        // As a generation is timed: a head zoo's frozen part computed once, beforehand.
        try evaluator.precomputeFrozenPart(network)
        let parameters = start.count
        progress("weightgen: \(warmup + calls) calls of the optimiser for \(task) from unseen start \(seed) (\(parameters) parameters)")

        var values = start, memory = CallMemory()
        var inputs: [(values: [Float], previousMove: [Float])] = [], moved: [[Float]] = [], seconds: [Double] = []
        for call in 0..<(warmup + calls) {
            inputs.append((values, memory.previousMove ?? [Float](repeating: 0, count: parameters)))
            let began = Date()
            let result = try optimizer.update(values, on: network, task: 0, evaluator: evaluator, call: call, memory: memory)
            if call >= warmup { seconds.append(Date().timeIntervalSince(began)) }
            (values, memory) = (result.values, result.memory)
            moved.append(values)
        }
        let ours = Self.median(seconds)
        let caseName = "optimiser call \(parameters) params B\(description.configuration.casesPerCall)"
        // The batch each call read, drawn again as the call drew it.
        let batches = try (0..<(warmup + calls)).map { call in
            try evaluator.patchBatch(patchSize: description.patchSize, patches: description.configuration.casesPerCall,
                                     seed: LearnedOptimizer.patchSeed(draw: UInt64(call)), spatialRank: description.architecture.spatialRank)
        }

        var theirs: Double?, skipped: String?
        if let peer {
            do { // the calls' file lives while the peer reads it
                progress("pytorch: the same calls")
                let folder = FileManager.default.temporaryDirectory.appendingPathComponent("weightgen-bench-lo-\(UUID().uuidString)")
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                defer { try? FileManager.default.removeItem(at: folder) }
                let file = folder.appendingPathComponent("calls.safetensors")
                var tensors: [NamedTensor] = []
                for (call, batch) in batches.enumerated() {
                    let (batchInputs, labels): (Tensor, Tensor)
                    switch batch {
                    case let .headInputs(inputs, headLabels): (batchInputs, labels) = (inputs, headLabels)
                    case let .patches(patches): (batchInputs, labels) = (patches.images, patches.labels)
                    }
                    tensors += [NamedTensor("inputs.\(call)", try StoredTensor(batchInputs)), NamedTensor("labels.\(call)", try StoredTensor(labels)),
                                NamedTensor("values.\(call)", try StoredTensor(try Tensor(shape: [parameters], values: inputs[call].values))),
                                NamedTensor("previous.\(call)", try StoredTensor(try Tensor(shape: [parameters], values: inputs[call].previousMove))),
                                NamedTensor("moved.\(call)", try StoredTensor(try Tensor(shape: [parameters], values: moved[call])))]
                }
                try SafeTensors.write(SafeTensorsFile(tensors: tensors), to: file)
                let spec: [String: Any] = ["file": file.path, "optimizer": self.optimizer.standardizedFileURL.path, "name": caseName,
                                           "task": 0, "calls": calls, "warmup": warmup, "tolerance": Self.tolerance]
                guard let script = Bundle.module.url(forResource: "learned_optimizer_torch", withExtension: "py") else {
                    throw CocoaError(.fileNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "learned_optimizer_torch.py resource is missing"])
                }
                switch peer.runReport(script: script, arguments: [
                    "--threads", String(Engine.threadCount),
                    "--spec", String(decoding: try JSONSerialization.data(withJSONObject: spec), as: UTF8.self)]) {
                case let .success(report):
                    theirs = report.cases[caseName]
                    let difference = report.extra["largest_difference"] as? Double ?? .infinity
                    let call = report.extra["largest_difference_call"] as? Int ?? -1
                    guard difference <= Self.tolerance else {
                        throw BenchmarkError.peerDisagrees(String(format: "weightgen's move in call %d differs from the float64 reference by %.3g of its RMS (allowed %.0e)",
                                                                  call, difference, Self.tolerance))
                    }
                    progress(String(format: "weightgen's moves are within %.2g of the float64 reference's RMS in every call; PyTorch's float32 within %.2g",
                                    difference, report.extra["peer_largest_difference"] as? Double ?? .nan))
                    for flip in report.extra["kink_flips"] as? [[Any]] ?? [] where flip.count == 4 {
                        progress(String(format: "%@'s call %d took the other slope of the LeakyReLU in %@ at an input %.1e of its layer's RMS from zero, as float32 rounding may",
                                        "\(flip[0])", flip[1] as? Int ?? -1, "\(flip[2])", flip[3] as? Double ?? .nan))
                    }
                case let .failure(reason): skipped = reason.reason
                }
            }
        } else {
            skipped = "--no-pytorch given"
        }
        let result = BenchmarkResult(name: caseName, weightgenSeconds: ours, pytorchSeconds: theirs, ratio: theirs.map { ours / $0 },
                                     gflops: Self.callFLOPs(optimizer, batch: batches[0]) / ours / 1e9)
        return BenchmarkReport(sgemmGflops: try EngineBenchmark.sgemmGflops(repeats: 3), cases: [result],
                               pytorchSkipped: skipped, threads: Engine.threadCount)
    }

    /// FLOPs of one call: the gradient's convolutions (forward, and twice that backward) and the
    /// rule's layers on every parameter. A head's convolutions all run at its inputs' resolution.
    static func callFLOPs(_ optimizer: LearnedOptimizer, batch: PatchBatch) -> Double {
        let gradient: Double
        switch batch {
        case let .headInputs(inputs, _):
            let pixels = Double(inputs.shape.dims.dropFirst(2).reduce(inputs.shape[0], *))
            let weights = optimizer.assembly.layout.entries.filter { $0.shape.count > 2 }.map { Double($0.count) }
            gradient = 3 * 2 * pixels * weights.reduce(0, +)
        case let .patches(patches):
            let shape = patches.images.shape.dims
            gradient = 3 * optimizer.description.architecture.forwardFLOPs(batch: shape[0], spatial: Array(shape.dropFirst(2)))
        }
        let c = optimizer.description.configuration
        let widths = [optimizer.features.width] + [Int](repeating: c.width, count: c.depth) + [1]
        let rule = zip(widths, widths.dropFirst()).map { 2 * Double($0 * $1) }.reduce(0, +)
        return gradient + rule * Double(optimizer.assembly.layout.parameterCount)
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.isEmpty ? .nan : (sorted[(sorted.count - 1) / 2] + sorted[sorted.count / 2]) / 2
    }
}
