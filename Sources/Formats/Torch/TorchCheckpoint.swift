import Foundation

/// Reads PyTorch checkpoints (`torch.save` output, .pth/.pt) without executing anything:
/// the zip layout of torch ≥ 1.6 and the legacy layout before it. Pickles may only name
/// the globals torch's weights-only loader allows, plus numpy scalars decoded as numbers.
public enum TorchCheckpoint {
    /// Decodes the checkpoint at `url`.
    public static func read(_ url: URL) throws -> PickleValue {
        try attributing(to: url) {
            let size = (try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
            let head = try FileSource(url)
            var prefix = [UInt8](repeating: 0, count: TorchLegacyContainer.magicPrefix.count)
            let count = try prefix.withUnsafeMutableBytes { try head.read(into: $0) }
            let kind = try layout(Array(prefix[0..<count]))
            if kind == .legacy {
                return try TorchLegacyContainer.read(Array(try Data(contentsOf: url)))
            }
            return try readZip(TorchZipContainer(url: url, byteCount: size))
        }
    }

    /// Decodes a checkpoint held in memory. Zip data is staged in a temporary file because
    /// ZIPFoundation's memory-backed archives trap on hostile entry offsets; file-backed ones do not.
    public static func read(data: Data) throws -> PickleValue {
        let bytes = Array(data)
        if try layout(bytes) == .legacy { return try TorchLegacyContainer.read(bytes) }
        let staging = FileManager.default.temporaryDirectory.appendingPathComponent("weightgen-\(UUID().uuidString).pth")
        defer { try? FileManager.default.removeItem(at: staging) }
        do {
            try data.write(to: staging)
        } catch {
            throw FormatError(.io, "cannot stage the checkpoint in a temporary file: \(error.localizedDescription)")
        }
        return try readZip(TorchZipContainer(url: staging, byteCount: data.count))
    }

    /// The tensors of a checkpoint that is a state dict, or that holds one under
    /// `network_weights` (nnU-Net), `state_dict` or `model`.
    public static func readStateDict(_ url: URL) throws -> [NamedTensor] {
        let value = try read(url)
        return try attributing(to: url) { try stateDict(in: value) }
    }

    /// The state dict inside a decoded checkpoint (see `readStateDict`).
    public static func stateDict(in value: PickleValue) throws -> [NamedTensor] {
        guard case .dict(let dict) = value else {
            throw FormatError(.malformed, "the checkpoint holds a \(value.typeName), not a dict of tensors")
        }
        for key in ["network_weights", "state_dict", "model"] {
            if case .dict(let inner)? = dict[key] { return try inner.namedTensors() }
        }
        return try dict.namedTensors()
    }

    private enum Layout { case zip, legacy }

    private static func layout(_ prefix: [UInt8]) throws -> Layout {
        if prefix.starts(with: [0x50, 0x4B]) { return .zip }
        if TorchLegacyContainer.isLegacy(prefix) { return .legacy }
        throw FormatError(.malformed, "not a PyTorch checkpoint: neither a zip archive (torch ≥ 1.6) nor the legacy format")
    }

    private static func readZip(_ container: TorchZipContainer) throws -> PickleValue {
        let pickle = try container.pickle()
        let machine = PickleMachine(pickle)
        let root = try machine.run()
        var materializer = PickleMaterializer(provider: container, budget: 8 * pickle.count + 100_000)
        return try materializer.value(of: root)
    }
}
