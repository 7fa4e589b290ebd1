import TensorEngine

/// A network component with named parameters and named children, in the manner of PyTorch's
/// `nn.Module` and MLX's `Module`: dotted paths such as `encoder.stages.0.0.convs.0.conv.weight`
/// can be chosen to equal PyTorch state_dict keys, so weights move between the two by name.
///
/// Subclasses register their parameters and children in their initialiser, in the order
/// PyTorch would list them.
open class Module {
    private var ownParameters: [(name: String, tensor: Tensor)] = []
    private var ownChildren: [(name: String, module: Module)] = []
    /// Training or inference behaviour, for layers that differ (none of the current ones do).
    public var isTraining = true

    public init() {}

    /// Registers a trainable tensor under `name` and returns it.
    @discardableResult
    public func registerParameter(_ name: String, _ tensor: Tensor) -> Tensor {
        tensor.requiresGrad = true
        ownParameters.append((name, tensor))
        return tensor
    }

    /// Registers a submodule under `name` and returns it.
    @discardableResult
    public func registerChild<M: Module>(_ name: String, _ module: M) -> M {
        ownChildren.append((name, module))
        return module
    }

    /// The direct children with their names.
    public var children: [(name: String, module: Module)] { ownChildren }

    /// Every parameter with its dotted path, depth-first in registration order.
    public func namedParameters(prefix: String = "") -> [(name: String, tensor: Tensor)] {
        var result = ownParameters.map { (prefix + $0.name, $0.tensor) }
        for (name, child) in ownChildren {
            result += child.namedParameters(prefix: prefix + name + ".")
        }
        return result
    }

    /// Every parameter, in `namedParameters()` order, without building their paths: a network
    /// clears or reads its gradients at every step, and the paths' strings cost more than that.
    public func parameters() -> [Tensor] {
        var result: [Tensor] = []
        appendParameters(to: &result)
        return result
    }

    private func appendParameters(to result: inout [Tensor]) {
        result += ownParameters.map(\.tensor)
        for (_, child) in ownChildren { child.appendParameters(to: &result) }
    }

    /// The parameter at dotted path `path` (a `namedParameters()` name), found by walking the
    /// path through the children rather than listing every parameter; nil where there is none.
    public func parameter(at path: Substring) -> Tensor? {
        if let own = ownParameters.first(where: { $0.name == path }) { return own.tensor }
        for (name, child) in ownChildren where path.count > name.count && path.hasPrefix(name) {
            let rest = path.dropFirst(name.count)
            if rest.first == ".", let found = child.parameter(at: rest.dropFirst()) { return found }
        }
        return nil
    }

    /// Total number of scalar parameters.
    public var parameterCount: Int { parameters().reduce(0) { $0 + $1.count } }

    /// The parameters as a name → tensor dictionary (tensors are shared, not copied).
    public func stateDict() -> [String: Tensor] {
        Dictionary(namedParameters().map { ($0.name, $0.tensor) }, uniquingKeysWith: { first, _ in first })
    }

    /// Copies values from `state` into the parameters of the same name, in place.
    /// With `strict`, every parameter must be present and no unknown key may remain.
    public func loadStateDict(_ state: [String: Tensor], strict: Bool = true) throws {
        let named = namedParameters()
        if strict {
            let missing = named.map(\.name).filter { state[$0] == nil }
            let unexpected = Set(state.keys).subtracting(named.map(\.name)).sorted()
            guard missing.isEmpty, unexpected.isEmpty else {
                throw ModuleError.stateDictMismatch(missing: missing, unexpected: unexpected)
            }
        }
        for (name, tensor) in named {
            guard let source = state[name] else { continue }
            guard source.shape == tensor.shape else {
                throw ModuleError.parameterShape(name: name, expected: tensor.shape, found: source.shape)
            }
            try tensor.assign(source)
        }
    }

    /// Clears the gradient of every parameter.
    public func zeroGrad() { for p in parameters() { p.zeroGrad() } }

    /// Sets training mode on this module and all its children.
    public func train(_ enabled: Bool = true) {
        isTraining = enabled
        for (_, child) in ownChildren { child.train(enabled) }
    }
}

/// Errors from loading weights into a module.
public enum ModuleError: Error, CustomStringConvertible {
    case stateDictMismatch(missing: [String], unexpected: [String])
    case parameterShape(name: String, expected: Shape, found: Shape)

    public var description: String {
        switch self {
        case let .stateDictMismatch(missing, unexpected):
            return "state dict does not match the module: missing \(missing.prefix(8))\(missing.count > 8 ? "…" : ""), unexpected \(unexpected.prefix(8))\(unexpected.count > 8 ? "…" : "")"
        case let .parameterShape(name, expected, found):
            return "parameter \(name): expected shape \(expected), found \(found)"
        }
    }
}

/// An ordered list of modules named "0", "1", … (PyTorch's `nn.ModuleList`/`Sequential` naming).
public final class ModuleList<Element: Module>: Module {
    /// The elements in order.
    public private(set) var elements: [Element] = []

    public init(_ modules: [Element] = []) {
        super.init()
        for module in modules { append(module) }
    }

    /// Appends a module under the next index.
    public func append(_ module: Element) {
        registerChild(String(elements.count), module)
        elements.append(module)
    }

    public subscript(index: Int) -> Element { elements[index] }
    public var count: Int { elements.count }
}
