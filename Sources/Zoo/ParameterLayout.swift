import Foundation
import NeuralNetwork
import TensorEngine

/// How a network's parameters sit in one flat float32 vector: names, shapes and offsets in
/// `namedParameters()` order. A zoo stores each checkpoint as such a vector (the form a
/// generator consumes) and the layout once per architecture. A partial zoo's layout holds
/// only the parameters of its subset.
public struct ParameterLayout: Codable, Sendable, Equatable {
    public struct Entry: Codable, Sendable, Equatable {
        public let name: String
        public let shape: [Int]
        public let offset: Int
        public var count: Int { shape.reduce(1, *) }
    }

    public let entries: [Entry]
    public var parameterCount: Int { entries.last.map { $0.offset + $0.count } ?? 0 }

    /// The layout of all of `module`'s parameters.
    public init(_ module: Module) {
        self.init(module.namedParameters())
    }

    /// The layout of `module`'s parameters in `subset` (throws when a pattern matches none).
    public init(_ module: Module, subset: ParameterSubset) throws {
        let chosen = Set(try subset.select(from: module.namedParameters().map(\.name)))
        self.init(module.namedParameters().filter { chosen.contains($0.name) })
    }

    private init(_ parameters: [(name: String, tensor: Tensor)]) {
        var offset = 0
        entries = parameters.map { name, tensor in
            defer { offset += tensor.count }
            return Entry(name: name, shape: tensor.shape.dims, offset: offset)
        }
    }

    /// `module`'s tensors of this layout's entries, in layout order (shared, not copied): what a
    /// loop that sets or reads one network's parameters many times resolves once per pass
    /// instead of listing every parameter by name.
    public func tensors(of module: Module) throws -> [Tensor] {
        try entries.map { entry in
            guard let tensor = module.parameter(at: entry.name[...]), tensor.shape.dims == entry.shape else {
                throw ZooError.incompatible("the network's parameters do not match the zoo's architecture layout at \(entry.name)")
            }
            return tensor
        }
    }

    /// `module`'s parameters of this layout concatenated in layout order.
    public func flatten(_ module: Module) throws -> [Float] {
        concatenated(try tensors(of: module))
    }

    /// Per-parameter tensors keyed by parameter name (an optimiser's moments) in layout order;
    /// zero for a name without a tensor.
    public func flatten(_ named: [String: Tensor]) throws -> [Float] {
        concatenated(try entries.map { entry in
            guard let tensor = named[entry.name] else { return nil }
            guard tensor.shape.dims == entry.shape else {
                throw ZooError.incompatible("the tensor for \(entry.name) has shape \(tensor.shape.dims), the layout \(entry.shape)")
            }
            return tensor
        })
    }

    /// One tensor per entry (of the entry's shape), concatenated in layout order; zero for a nil one.
    public func concatenated(_ tensors: [Tensor?]) -> [Float] {
        var values = [Float](repeating: 0, count: parameterCount)
        values.withUnsafeMutableBufferPointer { buffer in
            for (entry, tensor) in zip(entries, tensors) {
                if let tensor { (buffer.baseAddress! + entry.offset).update(from: tensor.pointer, count: entry.count) }
            }
        }
        return values
    }

    /// Copies `values` (one per parameter of this layout) into `module`'s tensors of this layout,
    /// in place: what a loop that sets one network many times does instead of a state dict.
    public func assign(_ values: [Float], to module: Module) throws {
        try checkFits(values)
        let tensors = try tensors(of: module)
        values.withUnsafeBufferPointer { buffer in
            for (entry, tensor) in zip(entries, tensors) { tensor.pointer.update(from: buffer.baseAddress! + entry.offset, count: entry.count) }
        }
    }

    /// Throws, naming both counts, unless `values` holds one value per parameter of this layout.
    private func checkFits(_ values: [Float]) throws {
        guard values.count == parameterCount else {
            throw ZooError.incompatible("a flat parameter vector of \(values.count) values does not fit this layout of \(parameterCount)")
        }
    }

    /// A state dict (name → tensor) cut from a flat vector.
    public func stateDict(_ values: [Float]) throws -> [String: Tensor] {
        try checkFits(values)
        var state: [String: Tensor] = [:]
        for entry in entries {
            state[entry.name] = try Tensor(shape: Shape(entry.shape), values: Array(values[entry.offset..<(entry.offset + entry.count)]))
        }
        return state
    }
}
