/// Supplies the raw bytes of a storage that a pickle references by key.
protocol StorageProvider {
    /// The `reference.elementCount × dtype.byteCount` bytes of the storage, or an error.
    func bytes(for reference: StorageReference) throws -> [UInt8]
}

/// Turns the interpreter's object graph into a `PickleValue`, reading storages on demand.
/// Views of one storage with equal offset, shape and strides become one `StoredTensor` instance,
/// so aliased state-dict entries stay aliased. Work is bounded: shared sub-objects are expanded
/// at most `budget` nodes in total and nesting at most `PickleMachine.maximumDepth`.
struct PickleMaterializer {
    private let provider: StorageProvider
    private var budget: Int
    private var storages: [String: (reference: StorageReference, bytes: [UInt8])] = [:]
    private var tensors: [TensorView: StoredTensor] = [:]

    init(provider: StorageProvider, budget: Int) {
        self.provider = provider
        self.budget = budget
    }

    mutating func value(of object: PickleObject, depth: Int = 0) throws -> PickleValue {
        guard depth < PickleMachine.maximumDepth else {
            throw FormatError(.tooLarge, "objects nested deeper than \(PickleMachine.maximumDepth) (or a cycle)")
        }
        budget -= 1
        guard budget >= 0 else { throw FormatError(.tooLarge, "the pickle expands to too many objects") }
        switch object {
        case .value(let value): return value
        case .tuple(let box): return .tuple(try box.items.map { try value(of: $0, depth: depth + 1) })
        case .list(let box): return .list(try box.items.map { try value(of: $0, depth: depth + 1) })
        case .dict(let box):
            var entries: [PickleDictEntry] = []
            entries.reserveCapacity(box.keys.count)
            for (key, item) in zip(box.keys, box.values) {
                entries.append(PickleDictEntry(try value(of: key, depth: depth + 1), try value(of: item, depth: depth + 1)))
            }
            return .dict(PickleDict(entries, isOrdered: box.isOrdered))
        case .tensor(let view): return .tensor(try tensor(view))
        case .numpyDType(let box): return .object(type: "numpy.dtype", value: .string(box.byteOrder + box.code))
        case .global(.torchDType(let dtype)): return .object(type: "torch.dtype", value: .string(dtype.rawValue))
        case .global, .storage:
            throw FormatError(.unsupported, "the pickle leaves a bare \(object.kindName) in its data")
        }
    }

    private mutating func tensor(_ view: TensorView) throws -> StoredTensor {
        if let cached = tensors[view] { return cached }
        let storage = try storageBytes(view.storage)
        let tensor = try TensorGather.gather(storage, dtype: view.storage.dtype, elementCount: view.storage.elementCount,
                                             offset: view.offset, shape: view.shape, strides: view.strides)
        tensors[view] = tensor
        return tensor
    }

    private mutating func storageBytes(_ reference: StorageReference) throws -> [UInt8] {
        if let cached = storages[reference.key] {
            guard cached.reference == reference else {
                throw FormatError(.malformed, "storage \(reference.key) is referenced with different types or sizes")
            }
            return cached.bytes
        }
        let (byteCount, overflow) = reference.elementCount.multipliedReportingOverflow(by: reference.dtype.byteCount)
        guard !overflow else { throw FormatError(.tooLarge, "storage \(reference.key) size overflows") }
        let bytes = try provider.bytes(for: reference)
        guard bytes.count == byteCount else {
            throw FormatError(.malformed, "storage \(reference.key) has \(bytes.count) bytes, expected \(byteCount)")
        }
        storages[reference.key] = (reference, bytes)
        return bytes
    }
}

/// Copies a strided view out of a storage into a contiguous tensor, after checking every index.
enum TensorGather {
    static func gather(_ storage: [UInt8], dtype: DType, elementCount: Int, offset: Int,
                       shape: [Int], strides: [Int]) throws -> StoredTensor {
        guard shape.count == strides.count, shape.count <= 64 else {
            throw FormatError(.malformed, "tensor size \(shape) and stride \(strides) disagree")
        }
        guard offset >= 0, strides.allSatisfy({ $0 >= 0 }), let count = StoredTensor.elementCount(shape) else {
            throw FormatError(.malformed, "tensor view (offset \(offset), size \(shape), stride \(strides)) is invalid")
        }
        let width = dtype.byteCount
        guard count > 0 else { return try StoredTensor(dtype: dtype, shape: shape, bytes: []) }
        var last = offset
        for (extent, stride) in zip(shape, strides) {
            let (step, overflow1) = (extent - 1).multipliedReportingOverflow(by: stride)
            let (sum, overflow2) = last.addingReportingOverflow(step)
            guard !overflow1, !overflow2 else { throw FormatError(.malformed, "tensor view overflows") }
            last = sum
        }
        guard last < elementCount else {
            throw FormatError(.malformed, "tensor view (offset \(offset), size \(shape), stride \(strides)) reaches "
                + "element \(last) of a storage of \(elementCount)")
        }
        guard count <= elementCount else {
            throw FormatError(.unsupported, "tensor view of \(count) elements repeats a storage of \(elementCount) "
                + "(expanded tensors are not supported)")
        }
        if strides == contiguousStrides(shape) || count == 1 {
            let start = offset * width
            return try StoredTensor(dtype: dtype, shape: shape, bytes: Array(storage[start..<start + count * width]))
        }
        var bytes = [UInt8](repeating: 0, count: count * width)
        var index = [Int](repeating: 0, count: shape.count)
        var source = offset
        for element in 0..<count {
            let from = source * width, to = element * width
            for byte in 0..<width { bytes[to + byte] = storage[from + byte] }
            var axis = shape.count - 1
            while axis >= 0 {
                index[axis] += 1
                source += strides[axis]
                if index[axis] < shape[axis] { break }
                source -= strides[axis] * shape[axis]
                index[axis] = 0
                axis -= 1
            }
        }
        return try StoredTensor(dtype: dtype, shape: shape, bytes: bytes)
    }

    /// Row-major strides of `shape`.
    static func contiguousStrides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        for axis in stride(from: shape.count - 2, through: 0, by: -1) {
            strides[axis] = strides[axis + 1] * shape[axis + 1]
        }
        return strides
    }
}
