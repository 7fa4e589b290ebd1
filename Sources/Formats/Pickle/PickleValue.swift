/// Data decoded from a pickle by the restricted interpreter: plain Python values, dicts that
/// keep their order, tensors, and a few typed objects (`torch.device`, `torch.dtype`, `numpy.dtype`).
public indirect enum PickleValue: Equatable, Sendable {
    case none
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case list([PickleValue])
    case tuple([PickleValue])
    case dict(PickleDict)
    case tensor(StoredTensor)
    /// A value of a known Python type kept as data, e.g. `("torch.device", .string("cpu"))`.
    case object(type: String, value: PickleValue)

    /// The value under the string key `key` of a dict, or nil.
    public subscript(key: String) -> PickleValue? {
        if case .dict(let dict) = self { return dict[key] }
        return nil
    }

    /// The integer (bools count as 0/1, as in Python), if this is one.
    public var intValue: Int? {
        switch self {
        case .int(let value): return value
        case .bool(let value): return value ? 1 : 0
        default: return nil
        }
    }

    /// The number as a `Double`, if this is a number.
    public var doubleValue: Double? {
        if case .float(let value) = self { return value }
        return intValue.map(Double.init)
    }

    /// The string, if this is one.
    public var stringValue: String? { if case .string(let value) = self { return value }; return nil }

    /// The elements of a list or tuple.
    public var elements: [PickleValue]? {
        switch self {
        case .list(let items), .tuple(let items): return items
        default: return nil
        }
    }

    /// The dict, if this is one.
    public var dictValue: PickleDict? { if case .dict(let value) = self { return value }; return nil }

    /// A short name of the Python type, for messages.
    public var typeName: String {
        switch self {
        case .none: return "None"
        case .bool: return "bool"
        case .int: return "int"
        case .float: return "float"
        case .string: return "str"
        case .bytes: return "bytes"
        case .list: return "list"
        case .tuple: return "tuple"
        case .dict(let dict): return dict.isOrdered ? "OrderedDict" : "dict"
        case .tensor: return "Tensor"
        case .object(let type, _): return type
        }
    }
}

/// One key/value pair of a pickled dict.
public struct PickleDictEntry: Equatable, Sendable {
    /// The key (usually a string).
    public var key: PickleValue
    /// The value.
    public var value: PickleValue

    /// Pairs `key` with `value`.
    public init(_ key: PickleValue, _ value: PickleValue) {
        self.key = key
        self.value = value
    }
}

/// A pickled `dict` or `collections.OrderedDict`, in insertion order.
public struct PickleDict: Equatable, Sendable {
    /// The entries in insertion order.
    public var entries: [PickleDictEntry]
    /// True for `collections.OrderedDict` (what `state_dict()` returns).
    public var isOrdered: Bool

    /// A dict with `entries`.
    public init(_ entries: [PickleDictEntry] = [], isOrdered: Bool = false) {
        self.entries = entries
        self.isOrdered = isOrdered
    }

    /// A dict with string keys in the given order.
    public init(_ pairs: KeyValuePairs<String, PickleValue>, isOrdered: Bool = false) {
        self.init(pairs.map { PickleDictEntry(.string($0.key), $0.value) }, isOrdered: isOrdered)
    }

    /// The value of the string key `key`.
    public subscript(key: String) -> PickleValue? {
        entries.first(where: { $0.key == .string(key) })?.value
    }

    /// The entries whose values are tensors, keyed by their string keys, in order.
    public func namedTensors() throws -> [NamedTensor] {
        try entries.map { entry in
            guard case .string(let name) = entry.key, case .tensor(let tensor) = entry.value else {
                throw FormatError(.malformed, "expected a dict of tensors keyed by name, found \(entry.key.typeName) → "
                    + "\(entry.value.typeName)")
            }
            return NamedTensor(name, tensor)
        }
    }
}

extension PickleValue {
    /// A state dict (`OrderedDict` of tensors) as written by `torch.save(model.state_dict())`.
    public static func stateDict(_ tensors: [NamedTensor]) -> PickleValue {
        .dict(PickleDict(tensors.map { PickleDictEntry(.string($0.name), .tensor($0.tensor)) }, isOrdered: true))
    }
}
