/// The only Python globals a pickle may name: the ones torch's weights-only loader accepts,
/// plus numpy scalars and dtypes (decoded as data). Anything else is refused at the GLOBAL
/// opcode, before it could be called.
enum PickleGlobal: Equatable {
    case orderedDict
    case rebuildTensor
    case rebuildParameter
    case device
    case size
    case codecsEncode
    case numpyScalar
    case numpyDType
    case storage(DType)
    case torchDType(DType)

    /// Resolves `module.name`, or throws `.forbidden` naming it.
    static func resolve(module: String, name: String) throws -> PickleGlobal {
        switch (module, name) {
        case ("collections", "OrderedDict"): return .orderedDict
        case ("torch._utils", "_rebuild_tensor_v2"): return .rebuildTensor
        case ("torch._utils", "_rebuild_parameter"): return .rebuildParameter
        case ("torch", "device"): return .device
        case ("torch", "Size"): return .size
        case ("_codecs", "encode"): return .codecsEncode
        case ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"): return .numpyScalar
        case ("numpy", "dtype"): return .numpyDType
        case ("torch", _):
            if let dtype = DType(torchStorageName: name) { return .storage(dtype) }
            if let dtype = torchDTypes[name] { return .torchDType(dtype) }
        default: break
        }
        throw FormatError(.forbidden, "the pickle calls the global \(module).\(name), which is not on the allow-list; "
            + "refusing to load it")
    }

    /// `torch.<name>` dtype objects and the element type each denotes.
    static let torchDTypes: [String: DType] = [
        "float32": .float32, "float": .float32, "float64": .float64, "double": .float64,
        "float16": .float16, "half": .float16, "bfloat16": .bfloat16, "int64": .int64, "long": .int64,
        "int32": .int32, "int": .int32, "int16": .int16, "short": .int16, "int8": .int8,
        "uint8": .uint8, "bool": .bool,
    ]
}
