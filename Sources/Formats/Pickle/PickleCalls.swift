/// What REDUCE, BUILD and BINPERSID mean for each allowed global: each builds data from its
/// arguments; none runs anything.
enum PickleCalls {
    static func call(_ callable: PickleObject, _ arguments: PickleObject,
                     newDict: () -> DictBox) throws -> PickleObject {
        guard case .global(let global) = callable else {
            throw FormatError(.malformed, "REDUCE calls a \(callable.kindName), not an allowed global")
        }
        guard case .tuple(let box) = arguments else { throw FormatError(.malformed, "REDUCE arguments are not a tuple") }
        let args = box.items
        switch global {
        case .orderedDict:
            guard args.isEmpty else { throw FormatError(.unsupported, "OrderedDict built from arguments") }
            return .dict(newDict())
        case .rebuildTensor:
            return .tensor(try rebuildTensor(args))
        case .rebuildParameter:
            guard let first = args.first, case .tensor = first else {
                throw FormatError(.malformed, "_rebuild_parameter needs a tensor")
            }
            return first
        case .device:
            guard args.count == 1 || args.count == 2, case .value(.string(let type)) = args[0] else {
                throw FormatError(.malformed, "torch.device needs a device string")
            }
            var name = type
            if args.count == 2, case .value(.int(let index)) = args[1] { name += ":\(index)" }
            return .value(.object(type: "torch.device", value: .string(name)))
        case .size:
            guard args.count == 1, case .tuple = args[0] else { throw FormatError(.malformed, "torch.Size needs a tuple") }
            return args[0]
        case .codecsEncode:
            return .value(.bytes(try latin1Bytes(args)))
        case .numpyDType:
            guard let first = args.first, case .value(.string(let code)) = first else {
                throw FormatError(.malformed, "numpy.dtype needs a type code")
            }
            return .numpyDType(NumpyDTypeBox(code: code))
        case .numpyScalar:
            return .value(try numpyScalar(args))
        case .storage(let dtype), .torchDType(let dtype):
            throw FormatError(.unsupported, "calling torch's \(dtype) type directly is not supported")
        }
    }

    /// BUILD: the only state accepted is an OrderedDict's attribute dict (torch's `_metadata`,
    /// which carries no weights and is dropped) and a numpy dtype's byte order.
    static func build(_ target: PickleObject, state: PickleObject) throws {
        switch (target, state) {
        case (.dict, .dict), (.dict, .value(.none)):
            return
        case (.numpyDType(let dtype), .tuple(let box)):
            guard box.items.count > 1, case .value(.string(let order)) = box.items[1] else {
                throw FormatError(.malformed, "numpy dtype state lacks a byte order")
            }
            dtype.byteOrder = order
        default:
            throw FormatError(.unsupported, "BUILD of a \(target.kindName) from a \(state.kindName) is not supported")
        }
    }

    /// BINPERSID: torch's `('storage', torch.XStorage, key, location, numel[, view_metadata])`.
    static func persistentLoad(_ pid: PickleObject) throws -> PickleObject {
        guard case .tuple(let box) = pid, box.items.count >= 5,
              case .value(.string("storage")) = box.items[0],
              case .global(.storage(let dtype)) = box.items[1],
              case .value(.string(let key)) = box.items[2],
              case .value(.string) = box.items[3],
              case .value(.int(let count)) = box.items[4], count >= 0 else {
            throw FormatError(.malformed, "persistent id is not a torch storage reference")
        }
        if box.items.count > 5, case .value(.none) = box.items[5] {} else if box.items.count > 5 {
            throw FormatError(.unsupported, "legacy storage views are not supported")
        }
        guard !key.isEmpty, key.utf8.allSatisfy({ $0 < 0x80 && $0 != UInt8(ascii: "/") && $0 != UInt8(ascii: "\\") }),
              key != "..", key != "." else {
            throw FormatError(.malformed, "storage key \(key.debugDescription) is not a plain name")
        }
        return .storage(StorageReference(dtype: dtype, key: key, elementCount: count))
    }

    private static func rebuildTensor(_ args: [PickleObject]) throws -> TensorView {
        guard args.count >= 4, case .storage(let storage) = args[0], case .value(.int(let offset)) = args[1],
              case .tuple(let shape) = args[2], case .tuple(let strides) = args[3] else {
            throw FormatError(.malformed, "_rebuild_tensor_v2 needs (storage, offset, size, stride, ...)")
        }
        return TensorView(storage: storage, offset: offset, shape: try integers(shape), strides: try integers(strides))
    }

    private static func integers(_ tuple: TupleBox) throws -> [Int] {
        try tuple.items.map {
            guard case .value(.int(let value)) = $0 else { throw FormatError(.malformed, "tensor size or stride is not an int") }
            return value
        }
    }

    private static func latin1Bytes(_ args: [PickleObject]) throws -> [UInt8] {
        guard args.count == 2, case .value(.string(let text)) = args[0], case .value(.string(let encoding)) = args[1],
              ["latin1", "latin-1", "iso-8859-1"].contains(encoding.lowercased()) else {
            throw FormatError(.unsupported, "_codecs.encode is only accepted as encode(str, 'latin1')")
        }
        return try text.unicodeScalars.map {
            guard $0.value < 256 else { throw FormatError(.malformed, "latin1 text holds a character above U+00FF") }
            return UInt8($0.value)
        }
    }

    /// `numpy.core.multiarray.scalar(dtype, bytes)` decoded to a Python number.
    private static func numpyScalar(_ args: [PickleObject]) throws -> PickleValue {
        guard args.count == 2, case .numpyDType(let dtype) = args[0], case .value(.bytes(let raw)) = args[1] else {
            throw FormatError(.malformed, "numpy scalar needs (dtype, bytes)")
        }
        let code = String(dtype.code.drop(while: { "<>=|".contains($0) }))
        let sizes = ["f2": 2, "f4": 4, "f8": 8, "i1": 1, "i2": 2, "i4": 4, "i8": 8,
                     "u1": 1, "u2": 2, "u4": 4, "u8": 8, "b1": 1]
        guard let size = sizes[code] else { throw FormatError(.unsupported, "numpy scalar of dtype \(dtype.code)") }
        guard raw.count == size else { throw FormatError(.malformed, "numpy \(code) scalar has \(raw.count) bytes") }
        let bigEndian = dtype.byteOrder == ">" || dtype.code.hasPrefix(">")
        var bits: UInt64 = 0
        for (index, byte) in (bigEndian ? raw.reversed() : raw).enumerated() { bits |= UInt64(byte) << (8 * UInt64(index)) }
        switch code {
        case "f2": return .float(Double(HalfPrecision.float(fromHalfBits: UInt16(bits))))
        case "f4": return .float(Double(Float(bitPattern: UInt32(bits))))
        case "f8": return .float(Double(bitPattern: bits))
        case "b1": return .bool(bits != 0)
        case "u8":
            guard let value = Int(exactly: bits) else { throw FormatError(.unsupported, "uint64 scalar exceeds Int") }
            return .int(value)
        case _ where code.hasPrefix("u"): return .int(Int(bits))
        default:
            let unused = UInt64(64 - 8 * size)
            return .int(Int(Int64(bitPattern: bits << unused) >> unused))
        }
    }
}
