import Foundation
import Formats

extension ParameterLayout {
    /// The flat vector of a state dict in nnU-Net's names (aliases allowed), after checking that
    /// it holds exactly this layout's parameters with the same shapes. A mismatch throws an
    /// error naming `source` and the missing, unexpected and misshapen keys.
    public func flatten(stateDict: [NamedTensor], source: String) throws -> [Float] {
        let canonical: [NamedTensor]
        do { canonical = try NNUNetStateDictAliases.collapse(stateDict) } catch {
            throw ZooError.incompatible("\(source): \(error)")
        }
        let recorded = Dictionary(canonical.map { ($0.name, $0.tensor) }, uniquingKeysWith: { first, _ in first })
        let expected = Set(entries.map(\.name))
        let missing = entries.map(\.name).filter { recorded[$0] == nil }
        let unexpected = canonical.map(\.name).filter { !expected.contains($0) }
        let misshapen = entries.compactMap { entry -> String? in
            guard let tensor = recorded[entry.name], tensor.shape != entry.shape else { return nil }
            return "\(entry.name) \(tensor.shape) (expected \(entry.shape))"
        }
        guard missing.isEmpty, unexpected.isEmpty, misshapen.isEmpty else {
            func list(_ keys: [String]) -> String { keys.prefix(6).joined(separator: ", ") + (keys.count > 6 ? " and \(keys.count - 6) more" : "") }
            let problems = [(missing, "missing keys"), (unexpected, "unexpected keys"), (misshapen, "shape mismatches")]
                .filter { !$0.0.isEmpty }.map { "\($1): \(list($0))" }
            throw ZooError.incompatible("\(source) does not fit the zoo's architecture: " + problems.joined(separator: "; "))
        }
        var values = [Float](repeating: 0, count: parameterCount)
        for entry in entries {
            let tensor = recorded[entry.name]!
            guard tensor.dtype == .float32 else { throw ZooError.incompatible("\(source): \(entry.name) is \(tensor.dtype), not float32") }
            values.replaceSubrange(entry.offset..<(entry.offset + entry.count), with: tensor.floatValues())
        }
        return values
    }
}
