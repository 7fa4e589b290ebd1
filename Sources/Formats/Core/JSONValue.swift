/// A JSON document that keeps object member order and tells integers from reals, so that
/// nnU-Net's plans.json and dataset.json can be read, edited and written back faithfully.
public indirect enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// The member `key` of an object, or nil.
    public subscript(key: String) -> JSONValue? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    /// The string, if this is one.
    public var stringValue: String? { if case .string(let value) = self { return value }; return nil }
    /// The integer, if this is one (or a real with an integral value).
    public var intValue: Int? {
        switch self {
        case .int(let value): return value
        case .double(let value) where value.rounded() == value && abs(value) < 0x1p62: return Int(value)
        default: return nil
        }
    }
    /// The number as a `Double`, if this is a number.
    public var doubleValue: Double? {
        switch self {
        case .int(let value): return Double(value)
        case .double(let value): return value
        default: return nil
        }
    }
    /// The Boolean, if this is one.
    public var boolValue: Bool? { if case .bool(let value) = self { return value }; return nil }
    /// The elements, if this is an array.
    public var arrayValue: [JSONValue]? { if case .array(let value) = self { return value }; return nil }
    /// The object, if this is one.
    public var objectValue: JSONObject? { if case .object(let value) = self { return value }; return nil }
}

/// A JSON object: members in document order, looked up by key.
public struct JSONObject: Equatable, Sendable {
    /// Member names in order.
    public private(set) var keys: [String] = []
    /// Member values, parallel to `keys`.
    public private(set) var values: [JSONValue] = []

    /// An empty object.
    public init() {}

    /// An object with `members` in the given order (later duplicates replace earlier ones).
    public init(_ members: [(String, JSONValue)]) {
        for (key, value) in members { self[key] = value }
    }

    /// The value of `key`; setting appends a new key or replaces an existing value in place.
    public subscript(key: String) -> JSONValue? {
        get { keys.firstIndex(of: key).map { values[$0] } }
        set {
            if let index = keys.firstIndex(of: key) {
                if let newValue { values[index] = newValue } else { keys.remove(at: index); values.remove(at: index) }
            } else if let newValue {
                keys.append(key)
                values.append(newValue)
            }
        }
    }

    /// Members in order.
    public var members: [(key: String, value: JSONValue)] { Array(zip(keys, values)).map { ($0, $1) } }
}
