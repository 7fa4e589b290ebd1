import TensorEngine

/// A set of a network's parameters chosen by name patterns, such as `decoder.stages.2.*` or
/// `*.norm.*`: the part a run trains (everything else frozen) or a generator generates.
///
/// Patterns are matched against whole dotted parameter names: `*` matches any run of
/// characters (dots included), `?` any one character. They are written in the module's
/// canonical names, which for a `PlainConvUNet` are nnU-Net's state-dict keys without its
/// aliases (`all_modules`, `decoder.encoder`).
public struct ParameterSubset: Codable, Sendable, Equatable, CustomStringConvertible {
    /// The patterns, in the order given.
    public let patterns: [String]

    /// A subset from patterns; at least one, none empty.
    public init(patterns: [String]) throws {
        let trimmed = patterns.map { $0.trimmingCharacters(in: .whitespaces) }
        guard !trimmed.isEmpty, trimmed.allSatisfy({ !$0.isEmpty }) else {
            throw ParameterSubsetError.emptyPattern(patterns.joined(separator: ","))
        }
        self.patterns = trimmed
    }

    /// A subset from a comma-separated list of patterns (the command-line form).
    public init(parsing text: String) throws {
        try self.init(patterns: text.split(separator: ",", omittingEmptySubsequences: false).map(String.init))
    }

    public var description: String { patterns.joined(separator: ",") }

    /// Whether `name` matches one of the patterns.
    public func contains(_ name: String) -> Bool {
        patterns.contains { Self.matches(pattern: Array($0.utf8), name: Array(name.utf8)) }
    }

    /// The names of `names` in the subset, in their order. Throws when a pattern matches none
    /// of them (a misspelt pattern must not silently train or generate less than asked).
    public func select(from names: [String]) throws -> [String] {
        let unmatched = patterns.filter { pattern in
            !names.contains { Self.matches(pattern: Array(pattern.utf8), name: Array($0.utf8)) }
        }
        guard unmatched.isEmpty else {
            throw ParameterSubsetError.unmatchedPatterns(unmatched, example: names.prefix(4).map { $0 })
        }
        return names.filter(contains)
    }

    /// The named parameters of `module` in the subset, in `namedParameters()` order.
    public func parameters(of module: Module) throws -> [(name: String, tensor: Tensor)] {
        let chosen = Set(try select(from: module.namedParameters().map(\.name)))
        return module.namedParameters().filter { chosen.contains($0.name) }
    }

    /// Glob matching with `*` and `?`, iterative with one backtracking point (linear in practice).
    static func matches(pattern: [UInt8], name: [UInt8]) -> Bool {
        let star = UInt8(ascii: "*"), any = UInt8(ascii: "?")
        var p = 0, n = 0
        var lastStar: Int?, resume = 0
        while n < name.count {
            if p < pattern.count, pattern[p] == any || pattern[p] == name[n] {
                p += 1
                n += 1
            } else if p < pattern.count, pattern[p] == star {
                lastStar = p
                resume = n
                p += 1
            } else if let star = lastStar {
                p = star + 1
                resume += 1
                n = resume
            } else {
                return false
            }
        }
        while p < pattern.count, pattern[p] == star { p += 1 }
        return p == pattern.count
    }
}

extension Module {
    /// Freezes every parameter outside `subset` (no gradient is computed for it, so the frozen
    /// part of a forward pass records nothing on the tape) and returns the trainable ones.
    @discardableResult
    public func freeze(allBut subset: ParameterSubset) throws -> [(name: String, tensor: Tensor)] {
        let trainable = try subset.parameters(of: self)
        let names = Set(trainable.map(\.name))
        for (name, tensor) in namedParameters() { tensor.requiresGrad = names.contains(name) }
        return trainable
    }

    /// The parameters that receive gradients, with their names.
    public func trainableParameters() -> [(name: String, tensor: Tensor)] {
        namedParameters().filter { $0.tensor.requiresGrad }
    }
}

/// A parameter subset that cannot be used as given.
public enum ParameterSubsetError: Error, CustomStringConvertible {
    case emptyPattern(String)
    case unmatchedPatterns([String], example: [String])

    public var description: String {
        switch self {
        case let .emptyPattern(text):
            return "the parameter subset \"\(text)\" has an empty pattern; give comma-separated name patterns such as decoder.stages.2.*"
        case let .unmatchedPatterns(patterns, example):
            return "parameter pattern(s) \(patterns.joined(separator: ", ")) match no parameter of the network "
                + "(names look like \(example.joined(separator: ", ")))"
        }
    }
}
