import Foundation
import NeuralNetwork
import TensorEngine

/// A trained network that supplies the frozen parameters of a partial run, or the start of a
/// fine-tuning run: an nnU-Net model folder (fold 0 by default) or a weightgen checkpoint.
/// The architecture, patch size and preprocessing come from it, not from the command line.
public struct BaseNetwork {
    /// Where the base was read from.
    public let url: URL
    /// The base's weights, loaded into a fresh network (each call to `load` reads them anew).
    public let network: PlainConvUNet
    /// Patch extent (z, y, x) the base was trained on; z = 1 for 2D.
    public let patchSize: [Int]
    /// Voxel spacing (z, y, x) the base expects, when it fixes one.
    public let spacing: [Double]?
    /// Whether the base expects volumes in the closest canonical orientation (weightgen
    /// checkpoints may; nnU-Net never reorients).
    public let reoriented: Bool

    /// Reads `url`: a weightgen checkpoint folder (with `network.json`) or an nnU-Net model folder.
    public static func load(_ url: URL, fold: Int = 0) throws -> BaseNetwork {
        if UNetCheckpoint.isCheckpoint(url) {
            let (network, description) = try UNetCheckpoint.read(url)
            return BaseNetwork(url: url, network: network, patchSize: description.patchSize, spacing: description.spacing,
                               reoriented: description.reoriented)
        }
        let model = try NNUNetModel(url: url, fold: fold)
        let rank = model.network.configuration.spatialRank
        let spacing = model.configuration.spacing
        return BaseNetwork(url: url, network: model.network, patchSize: model.patchSize,
                           spacing: rank == 2 && spacing.count == 2 ? [1] + spacing : spacing, reoriented: false)
    }

    /// `network`'s parameters outside `subset` must equal the base's: the check that a network
    /// was trained or generated on this base. Throws naming the first keys that differ.
    public func checkFrozenPart(of network: PlainConvUNet, subset: ParameterSubset, source: String) throws {
        let base = self.network.namedParameters()
        let other = network.namedParameters()
        guard base.map(\.name) == other.map(\.name), zip(base, other).allSatisfy({ $0.tensor.shape == $1.tensor.shape }) else {
            throw BaseNetworkError.architectureMismatch(source: source, base: url,
                                                        keys: Self.mismatchingKeys(base: base, other: other))
        }
        let differing = zip(base, other).filter { pair in
            !subset.contains(pair.0.name) && pair.0.tensor.scalars != pair.1.tensor.scalars
        }.map(\.0.name)
        guard differing.isEmpty else {
            throw BaseNetworkError.frozenPartDiffers(source: source, base: url, keys: differing)
        }
    }

    /// Keys missing on either side, or with another shape, for an error message.
    static func mismatchingKeys(base: [(name: String, tensor: Tensor)], other: [(name: String, tensor: Tensor)]) -> [String] {
        let shapes = Dictionary(other.map { ($0.name, $0.tensor.shape) }, uniquingKeysWith: { first, _ in first })
        let baseNames = Set(base.map(\.name))
        return base.compactMap { entry -> String? in
            guard let shape = shapes[entry.name] else { return "\(entry.name) (missing)" }
            return shape == entry.tensor.shape ? nil : "\(entry.name) \(shape.dims) (base \(entry.tensor.shape.dims))"
        } + other.filter { !baseNames.contains($0.name) }.map { "\($0.name) (not in the base)" }
    }
}

/// A base that does not fit what it is combined with.
public enum BaseNetworkError: Error, CustomStringConvertible {
    case architectureMismatch(source: String, base: URL, keys: [String])
    case frozenPartDiffers(source: String, base: URL, keys: [String])

    public var description: String {
        func list(_ keys: [String]) -> String { keys.prefix(6).joined(separator: ", ") + (keys.count > 6 ? " and \(keys.count - 6) more" : "") }
        switch self {
        case let .architectureMismatch(source, base, keys):
            return "\(source) does not fit the architecture of the base \(base.path): \(list(keys))"
        case let .frozenPartDiffers(source, base, keys):
            return "\(source) was not made on the base \(base.path): frozen parameters differ (\(list(keys)))"
        }
    }
}
