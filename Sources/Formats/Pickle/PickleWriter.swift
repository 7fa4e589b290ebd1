/// Encodes a `PickleValue` as a protocol-2 pickle in the shape torch writes: tensors as
/// `torch._utils._rebuild_tensor_v2` over BINPERSID storage references, one storage per
/// distinct `StoredTensor` instance, so aliases share storage.
struct PickleWriter {
    private(set) var bytes: [UInt8] = [0x80, 0x02]
    /// Storages in key order ("0", "1", ...): each tensor instance written once.
    private(set) var storages: [StoredTensor] = []
    private var storageKeys: [ObjectIdentifier: Int] = [:]

    /// Appends `value` and the STOP opcode.
    mutating func finish(with value: PickleValue) throws {
        try write(value, depth: 0)
        bytes.append(UInt8(ascii: "."))
    }

    private mutating func write(_ value: PickleValue, depth: Int) throws {
        guard depth < PickleMachine.maximumDepth else { throw FormatError(.tooLarge, "value nested too deeply to write") }
        switch value {
        case .none: op("N")
        case .bool(let flag): bytes.append(flag ? 0x88 : 0x89)
        case .int(let number): int(number)
        case .float(let number):
            op("G")
            append(number.bitPattern.bigEndian)
        case .string(let text): string(text)
        case .bytes(let data):
            // Protocol 2 has no bytes opcode; Python 3 writes _codecs.encode(latin1 text, 'latin1').
            global("_codecs", "encode")
            string(String(String.UnicodeScalarView(data.map { Unicode.Scalar($0) })))
            string("latin1")
            bytes += [0x86, UInt8(ascii: "R")]
        case .list(let items):
            op("]")
            guard !items.isEmpty else { return }
            op("(")
            for item in items { try write(item, depth: depth + 1) }
            op("e")
        case .tuple(let items): try tuple(items, depth: depth)
        case .dict(let dict):
            if dict.isOrdered {
                global("collections", "OrderedDict")
                bytes += [UInt8(ascii: ")"), UInt8(ascii: "R")]
            } else {
                op("}")
            }
            guard !dict.entries.isEmpty else { return }
            op("(")
            for entry in dict.entries {
                try write(entry.key, depth: depth + 1)
                try write(entry.value, depth: depth + 1)
            }
            op("u")
        case .tensor(let tensor): tensorReference(tensor)
        case .object(let type, let content):
            try object(type: type, content: content)
        }
    }

    private mutating func tuple(_ items: [PickleValue], depth: Int) throws {
        if items.isEmpty { op(")"); return }
        if items.count > 3 { op("(") }
        for item in items { try write(item, depth: depth + 1) }
        bytes.append(items.count > 3 ? UInt8(ascii: "t") : UInt8(0x84 + items.count))
    }

    private mutating func object(type: String, content: PickleValue) throws {
        switch (type, content) {
        case ("torch.device", .string(let name)):
            global("torch", "device")
            string(name)
            bytes += [0x85, UInt8(ascii: "R")]
        case ("torch.dtype", .string(let name)) where PickleGlobal.torchDTypes[name] != nil:
            global("torch", name)
        default:
            throw FormatError(.unsupported, "cannot write a \(type) object to a torch checkpoint")
        }
    }

    private mutating func tensorReference(_ tensor: StoredTensor) {
        let key: Int
        if let existing = storageKeys[ObjectIdentifier(tensor)] {
            key = existing
        } else {
            key = storages.count
            storageKeys[ObjectIdentifier(tensor)] = key
            storages.append(tensor)
        }
        global("torch._utils", "_rebuild_tensor_v2")
        op("(")
        op("(")
        string("storage")
        global("torch", tensor.dtype.torchStorageName)
        string(String(key))
        string("cpu")
        int(tensor.count)
        op("t")
        op("Q")
        int(0)
        tupleOfInts(tensor.shape)
        tupleOfInts(TensorGather.contiguousStrides(tensor.shape))
        bytes.append(0x89)
        global("collections", "OrderedDict")
        bytes += [UInt8(ascii: ")"), UInt8(ascii: "R")]
        op("t")
        op("R")
    }

    private mutating func tupleOfInts(_ values: [Int]) {
        op("(")
        for value in values { int(value) }
        op("t")
    }

    private mutating func int(_ value: Int) {
        switch value {
        case 0...0xFF: bytes += [UInt8(ascii: "K"), UInt8(value)]
        case 0...0xFFFF: op("M"); append(UInt16(value).littleEndian)
        case Int(Int32.min)...Int(Int32.max): op("J"); append(Int32(value).littleEndian)
        default:
            // LONG1: the shortest little-endian two's complement encoding.
            var encoded = withUnsafeBytes(of: Int64(value).littleEndian) { Array($0) }
            while encoded.count > 1 {
                let last = encoded[encoded.count - 1], previous = encoded[encoded.count - 2]
                guard (last == 0 && previous < 0x80) || (last == 0xFF && previous >= 0x80) else { break }
                encoded.removeLast()
            }
            bytes += [0x8A, UInt8(encoded.count)] + encoded
        }
    }

    private mutating func string(_ text: String) {
        let utf8 = Array(text.utf8)
        op("X")
        append(UInt32(utf8.count).littleEndian)
        bytes += utf8
    }

    private mutating func global(_ module: String, _ name: String) {
        op("c")
        bytes += Array("\(module)\n\(name)\n".utf8)
    }

    private mutating func op(_ character: Unicode.Scalar) { bytes.append(UInt8(ascii: character)) }

    private mutating func append<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value) { bytes += $0 }
    }
}
