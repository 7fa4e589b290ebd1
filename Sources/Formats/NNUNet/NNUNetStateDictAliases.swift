/// The duplicate keys of a PlainConvUNet state dict. Each conv block's `conv`/`norm` parameters
/// also appear as `all_modules.0`/`all_modules.1`, and the decoder holds the whole encoder again
/// under `decoder.encoder.`. nnU-Net loads strictly, so a checkpoint must carry every alias.
public enum NNUNetStateDictAliases {
    /// The canonical state dict plus every alias, in the order PyTorch's `state_dict()` lists them;
    /// aliases hold the same `StoredTensor` instance as their canonical key.
    public static func expand(_ canonical: [NamedTensor]) -> [NamedTensor] {
        let encoderCopy = canonical.filter { $0.name.hasPrefix("encoder.") }.map { NamedTensor("decoder." + $0.name, $0.tensor) }
        var ordered = canonical
        ordered.insert(contentsOf: encoderCopy, at: canonical.firstIndex { $0.name.hasPrefix("decoder.") } ?? canonical.count)
        var result: [NamedTensor] = []
        for (index, entry) in ordered.enumerated() {
            result.append(entry)
            let next = index + 1 < ordered.count ? blockPrefix(ordered[index + 1].name) : nil
            if let block = blockPrefix(entry.name), block != next {
                result += moduleAliases(of: ordered.filter { blockPrefix($0.name) == block })
            }
        }
        return result
    }

    /// The canonical keys only, after checking that every alias holds the same values as its original.
    public static func collapse(_ full: [NamedTensor]) throws -> [NamedTensor] {
        let byName = Dictionary(full.map { ($0.name, $0.tensor) }, uniquingKeysWith: { first, _ in first })
        var canonical: [NamedTensor] = []
        for entry in full {
            guard let original = canonicalName(of: entry.name) else {
                canonical.append(entry)
                continue
            }
            guard let tensor = byName[original] else {
                throw FormatError(.malformed, "alias \(entry.name) has no original \(original) in the state dict")
            }
            guard tensor == entry.tensor else {
                throw FormatError(.malformed, "alias \(entry.name) differs from \(original)")
            }
        }
        return canonical
    }

    /// The key an alias duplicates, or nil when `name` is canonical.
    static func canonicalName(of name: String) -> String? {
        var original = name
        if original.hasPrefix("decoder.encoder.") { original.removeFirst("decoder.".count) }
        if let range = original.range(of: ".all_modules.") {
            let rest = original[range.upperBound...]
            guard let dot = rest.firstIndex(of: "."), let index = Int(rest[..<dot]) else { return nil }
            original = original[..<range.lowerBound] + (index == 0 ? ".conv" : ".norm") + rest[dot...]
        }
        return original == name ? nil : original
    }

    /// `X.convs.N.` for a key inside a conv block, else nil.
    private static func blockPrefix(_ name: String) -> String? {
        for module in [".conv.", ".norm."] {
            if let range = name.range(of: module), name[..<range.lowerBound].contains(".convs.") {
                return String(name[..<range.lowerBound]) + "."
            }
        }
        return nil
    }

    private static func moduleAliases(of block: [NamedTensor]) -> [NamedTensor] {
        block.map { entry in
            let name = entry.name.replacingOccurrences(of: ".conv.", with: ".all_modules.0.")
                .replacingOccurrences(of: ".norm.", with: ".all_modules.1.")
            return NamedTensor(name, entry.tensor)
        }
    }
}
