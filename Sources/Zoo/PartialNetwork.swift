import Foundation
import NeuralNetwork
import Segmentation
import TensorEngine

/// What a partial zoo trains and a partial generator generates: a parameter subset of a base
/// network, every other parameter frozen at the base's value. The base is named by its path
/// and identified by a digest of its parameters, so a base that changed is noticed.
public struct PartialNetwork: Codable, Sendable, Equatable {
    /// How a partial zoo's runs are trained.
    public enum Runs: Codable, Sendable, Equatable {
        /// Forward and backward through the whole network, the frozen part included.
        case throughFrozenNetwork
        /// On the head inputs of a fixed pool of `patches` augmented training patches per task,
        /// computed once (`HeadInputPool`); only for subsets inside the head.
        case onCachedHeadInputs(patches: Int)
    }

    /// Path of the base: an nnU-Net model folder or a weightgen checkpoint.
    public var base: String
    /// CRC-32 of the base's parameters (float32 bytes in `namedParameters()` order).
    public var baseDigest: UInt32
    public var subset: ParameterSubset
    public var runs: Runs
    /// The base's architecture.
    public var architecture: PlainConvUNetConfiguration
    /// Whether the base expects volumes in the closest canonical orientation (nnU-Net bases do not).
    public var reoriented: Bool
    /// Voxel spacing (z, y, x) the base was trained at, when it fixes one (nnU-Net bases do):
    /// the zoo's cases are resampled to it, as nnU-Net preprocesses for the base. Nil for
    /// plans written before spacing was recorded, whose cases keep their own spacing.
    public var spacing: [Double]?

    /// Reads the base, checks the subset against it (every pattern matches; cached head
    /// inputs only for a subset inside the head) and records its digest.
    public init(base url: URL, subset: ParameterSubset, runs: Runs) throws {
        let loaded = try BaseNetwork.load(url)
        let chosen = try subset.select(from: loaded.network.namedParameters().map(\.name))
        if case let .onCachedHeadInputs(patches) = runs {
            guard patches > 0 else { throw ZooError.invalidPlan("the head input pool needs at least one patch, got \(patches)") }
            let outside = loaded.network.namesOutsideHead(chosen)
            guard outside.isEmpty else {
                throw ZooError.invalidPlan("head runs on cached inputs need a subset inside the head ("
                    + "\(loaded.network.headParameterPrefixes.map { $0 + "*" }.joined(separator: ", "))); "
                    + "\(subset) also holds \(outside.prefix(4).joined(separator: ", "))\(outside.count > 4 ? "…" : "")")
            }
        }
        self.base = url.standardizedFileURL.path
        self.baseDigest = Self.digest(loaded.network)
        self.subset = subset
        self.runs = runs
        self.architecture = loaded.network.configuration
        self.reoriented = loaded.reoriented
        self.spacing = loaded.spacing
    }

    /// `item` on the base's grid: resampled to the base's spacing (in-plane only for a 2D base,
    /// which runs slice by slice); unchanged when the base fixes no spacing.
    public func onBaseGrid(_ item: SegmentationCase) throws -> SegmentationCase {
        guard var target = spacing else { return item }
        if architecture.spatialRank == 2 { target[0] = item.spacing[0] }
        return try item.resampled(toSpacing: target)
    }

    /// Whether every parameter of the subset lies in the head (the last decoder stage and the
    /// full-resolution segmentation layer), whose input depends on frozen parameters only.
    public func liesInHead() throws -> Bool {
        let network = try PlainConvUNet(architecture, seed: 0)
        return network.namesOutsideHead(try subset.select(from: network.namedParameters().map(\.name))).isEmpty
    }

    /// The base, after checking that its parameters are still those the digest recorded.
    public func loadBase() throws -> BaseNetwork {
        let loaded = try BaseNetwork.load(URL(fileURLWithPath: base))
        let found = Self.digest(loaded.network)
        guard found == baseDigest else {
            throw ZooError.incompatible("the base \(base) changed: its parameters' CRC-32 is \(String(found, radix: 16)), "
                                        + "recorded \(String(baseDigest, radix: 16))")
        }
        return loaded
    }

    /// CRC-32 of a module's parameters in `namedParameters()` order.
    public static func digest(_ module: Module) -> UInt32 {
        var bytes: [UInt8] = []
        for (_, tensor) in module.namedParameters() {
            bytes += UnsafeBufferPointer(start: tensor.pointer, count: tensor.count).withMemoryRebound(to: UInt8.self) { Array($0) }
        }
        return RunFile.checksum(bytes)
    }
}

/// How a flat parameter vector in a zoo's or generator's layout becomes a complete U-Net: a
/// network of the architecture holding the vector, or, for a partial zoo, the base with the
/// vector's subset put in and everything else frozen.
public final class NetworkAssembly: @unchecked Sendable {
    public let architecture: PlainConvUNetConfiguration
    public let layout: ParameterLayout
    public let partial: PartialNetwork?
    /// The base of a partial assembly.
    private let base: BaseNetwork?
    /// Per entry of `layout`, whether the network's output does not depend on it
    /// (`Module.parametersCancelledByNorm`): training moves it by rounding noise alone.
    public let cancelledByNorm: [Bool]
    /// Per entry of `layout`, whether the network's output does not depend on the scale of each
    /// of its output channels (`Module.parametersScaledAwayByNorm`).
    public let scaledAwayByNorm: [Bool]
    /// The base's parameters outside the subset (empty for whole networks).
    private let frozen: [String: Tensor]
    /// Networks `withNetwork` made and got back, free to lend again.
    private var idle: [PlainConvUNet] = []
    private let idleLock = NSLock()

    /// The assembly of `architecture`, whole or partial (the base is read and checked here).
    public init(architecture: PlainConvUNetConfiguration, partial: PartialNetwork?) throws {
        self.architecture = architecture
        self.partial = partial
        let template = try PlainConvUNet(architecture, seed: 0)
        let cancelled = Set(template.parametersCancelledByNorm()), scaledAway = Set(template.parametersScaledAwayByNorm())
        guard let partial else {
            layout = ParameterLayout(template)
            cancelledByNorm = layout.entries.map { cancelled.contains($0.name) }
            scaledAwayByNorm = layout.entries.map { scaledAway.contains($0.name) }
            base = nil
            frozen = [:]
            return
        }
        let base = try partial.loadBase()
        guard base.network.configuration == architecture, partial.architecture == architecture else {
            throw ZooError.incompatible("the base \(partial.base) is not of the recorded architecture")
        }
        self.base = base
        layout = try ParameterLayout(template, subset: partial.subset)
        cancelledByNorm = layout.entries.map { cancelled.contains($0.name) }
        scaledAwayByNorm = layout.entries.map { scaledAway.contains($0.name) }
        frozen = Dictionary(uniqueKeysWithValues: base.network.namedParameters().filter { !partial.subset.contains($0.name) }
            .map { ($0.name, $0.tensor) })
    }

    /// A network holding `values` (in `layout`); for a partial assembly, the frozen part is the
    /// base's and does not require gradients.
    public func network(_ values: [Float]) throws -> PlainConvUNet {
        let network = try PlainConvUNet(architecture, seed: 0)
        try load(values, into: network)
        return network
    }

    /// `body`'s result on a network holding `values`, as `network(_:)` makes it, lent from the
    /// networks this assembly made for earlier calls (one per caller at a time): loading a
    /// vector into a network made before skips the fresh initialisation a new network draws
    /// only for the vector to overwrite, which costs about as much as measuring a head on a
    /// validation volume. `body` may change the network's parameter values and gradients
    /// (they are set or cleared at the next lending) and must not keep the network.
    public func withNetwork<T>(_ values: [Float], _ body: (PlainConvUNet) throws -> T) throws -> T {
        idleLock.lock()
        let lent = idle.popLast()
        idleLock.unlock()
        let network = try lent ?? self.network(values)
        defer {
            network.zeroGrad()
            idleLock.lock()
            idle.append(network)
            idleLock.unlock()
        }
        if lent != nil { try setParameters(of: network, to: values) }
        return try body(network)
    }

    /// Sets the parameters of `network` (one this assembly made) that `layout` holds to
    /// `values`, the frozen part left as it is: what a loop over many parameter vectors does
    /// instead of making a network each time, whose fresh initialisation would be overwritten.
    public func setParameters(of network: PlainConvUNet, to values: [Float]) throws {
        // Copied straight into the network's tensors: a generation sets a network at every call and check.
        try layout.assign(values, to: network)
    }

    /// The network a run starts from: every trainable parameter drawn from `seed` as a fresh
    /// network's, the frozen part the base's.
    public func initialNetwork(seed: UInt64) throws -> PlainConvUNet {
        let network = try PlainConvUNet(architecture, seed: seed)
        try load(layout.flatten(network), into: network)
        return network
    }

    /// Throws, naming the keys, when `network` is not of the architecture or (for a partial
    /// assembly) its parameters outside the subset are not the base's: a start or checkpoint
    /// made elsewhere would otherwise be silently merged into the base.
    public func checkFits(_ network: PlainConvUNet, source: String) throws {
        guard network.configuration == architecture else {
            throw ZooError.incompatible("\(source) is a \(network.configuration.featuresPerStage) U-Net, not of the architecture \(architecture.featuresPerStage)")
        }
        guard let partial, let base else { return }
        try base.checkFrozenPart(of: network, subset: partial.subset, source: source)
    }

    private func load(_ values: [Float], into network: PlainConvUNet) throws {
        try network.loadStateDict(try layout.stateDict(values), strict: partial == nil)
        if let partial {
            try network.loadStateDict(frozen, strict: false)
            try network.freeze(allBut: partial.subset)
        }
    }
}
