/// Objects on the interpreter's stack and memo. Mutable containers are boxes (pickles mutate
/// objects after memoizing them); tuples are boxes that record their nesting depth.
indirect enum PickleObject {
    case value(PickleValue)
    case tuple(TupleBox)
    case list(ListBox)
    case dict(DictBox)
    case global(PickleGlobal)
    case storage(StorageReference)
    case tensor(TensorView)
    case numpyDType(NumpyDTypeBox)

    /// Nesting depth of immutable structure below this object (boxes count as 1).
    var depth: Int {
        if case .tuple(let box) = self { return box.depth }
        return 1
    }

    var kindName: String {
        switch self {
        case .value(let value): return value.typeName
        case .tuple: return "tuple"
        case .list: return "list"
        case .dict(let box): return box.isOrdered ? "OrderedDict" : "dict"
        case .global: return "global"
        case .storage: return "storage"
        case .tensor: return "Tensor"
        case .numpyDType: return "numpy.dtype"
        }
    }
}

final class TupleBox {
    let items: [PickleObject]
    let depth: Int

    init(_ items: [PickleObject]) throws {
        self.items = items
        depth = 1 + (items.map(\.depth).max() ?? 0)
        guard depth <= PickleMachine.maximumDepth else {
            throw FormatError(.tooLarge, "tuples nested deeper than \(PickleMachine.maximumDepth)")
        }
    }
}

final class ListBox {
    var items: [PickleObject] = []
}

final class DictBox {
    var keys: [PickleObject] = []
    var values: [PickleObject] = []
    var index: [HashKey: Int] = [:]
    let isOrdered: Bool

    init(isOrdered: Bool) { self.isOrdered = isOrdered }

    func set(_ key: PickleObject, _ value: PickleObject) throws {
        let hash = try HashKey(key)
        if let existing = index[hash] {
            values[existing] = value
        } else {
            index[hash] = keys.count
            keys.append(key)
            values.append(value)
        }
    }
}

/// `numpy.dtype(code, ...)`; BUILD may set its byte order afterwards.
final class NumpyDTypeBox {
    let code: String
    var byteOrder: String = "="

    init(code: String) { self.code = code }
}

/// A storage named by a persistent id: `('storage', torch.FloatStorage, key, location, numel)`.
struct StorageReference: Hashable {
    let dtype: DType
    let key: String
    let elementCount: Int
}

/// `_rebuild_tensor_v2(storage, offset, size, stride, ...)`, materialised after the pickle ends.
struct TensorView: Hashable {
    let storage: StorageReference
    let offset: Int
    let shape: [Int]
    let strides: [Int]
}

/// A hashable image of a dict key (Python requires keys to be hashable: scalars and tuples of them).
indirect enum HashKey: Hashable {
    case none, bool(Bool), int(Int), float(UInt64), string(String), bytes([UInt8]), tuple([HashKey])

    init(_ object: PickleObject) throws {
        switch object {
        case .value(.none): self = .none
        case .value(.bool(let value)): self = .bool(value)
        case .value(.int(let value)): self = .int(value)
        case .value(.float(let value)): self = .float(value.bitPattern)
        case .value(.string(let value)): self = .string(value)
        case .value(.bytes(let value)): self = .bytes(value)
        case .tuple(let box): self = .tuple(try box.items.map(HashKey.init))
        default: throw FormatError(.malformed, "a \(object.kindName) cannot be a dict key")
        }
    }
}
