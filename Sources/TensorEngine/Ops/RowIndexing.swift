/// Which row of a `rowCount`-row tensor each of `indices.count` entries reads (`indexSelect`) or
/// adds into (`indexAdd`): the index tensor of PyTorch's `index_select(0, …)` and `index_add_(0, …)`.
public struct RowIndex: Sendable, Equatable {
    /// The row of every entry.
    public let indices: [Int]
    /// Rows on the indexed side.
    public let rowCount: Int

    /// Throws when an index is outside `0..<rows`.
    public init(_ indices: [Int], rows: Int) throws {
        guard rows >= 0 else { throw TensorError.invalidArgument(op: "row index", reason: "\(rows) rows") }
        if let bad = indices.first(where: { !(0..<rows).contains($0) }) {
            throw TensorError.invalidArgument(op: "row index", reason: "index \(bad) is outside 0..<\(rows)")
        }
        self.indices = indices
        rowCount = rows
    }

    /// How many entries point at each row.
    public var counts: [Int] {
        var counts = [Int](repeating: 0, count: rowCount)
        for index in indices { counts[index] += 1 }
        return counts
    }
}

/// Copies row `index.indices[k]` of `x` to row k of `y`, rows `width` long.
func indexSelectKernel(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ index: RowIndex, _ width: Int) {
    index.indices.withUnsafeBufferPointer { indices in
        parallelFor(indices.count, grain: max(1, 16_384 / max(width, 1))) { range in
            // A loop the compiler vectorises: a library copy per short row costs more than the copy.
            for k in range {
                let source = x + indices[k] * width, target = y + k * width
                for c in 0..<width { target[c] = source[c] }
            }
        }
    }
}

/// Row r of `y` becomes the sum of the rows k of `x` whose index is r (zero where none is).
/// Threads split the columns, not the entries: each reads the source in order (as PyTorch's
/// `index_add_` does, where reading it row by row per target missed the cache) and every sum
/// is taken in entry order by one thread, the same whatever the thread count.
func indexAddKernel(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ index: RowIndex, _ width: Int) {
    y.update(repeating: 0, count: index.rowCount * width)
    let blocks = min(Engine.threadCount, max(1, width / 16))
    index.indices.withUnsafeBufferPointer { indices in
        parallelFor(blocks, grain: 1) { range in
            for block in range {
                let columns = (block * width / blocks)..<((block + 1) * width / blocks)
                for k in indices.indices {
                    let source = x + k * width, target = y + indices[k] * width
                    for c in columns { target[c] += source[c] }
                }
            }
        }
    }
}

extension Tensor {
    /// The rows of this tensor at `index` (PyTorch's `index_select` along axis 0): shape
    /// [index.indices.count, rest…] from [index.rowCount, rest…]. Its gradient is `indexAdd`.
    public func indexSelect(_ index: RowIndex) throws -> Tensor {
        try rowOp("indexSelect", index, rows: index.rowCount, reason: "the index addresses \(index.rowCount) rows",
                  outputRows: index.indices.count, forward: indexSelectKernel, backward: indexAddKernel)
    }

    /// This tensor's rows summed into `index.rowCount` rows, row k into row `index.indices[k]`
    /// (PyTorch's `index_add_` along axis 0 into zeros): shape [index.rowCount, rest…] from
    /// [index.indices.count, rest…]. Its gradient is `indexSelect`.
    public func indexAdd(_ index: RowIndex) throws -> Tensor {
        try rowOp("indexAdd", index, rows: index.indices.count, reason: "the index has \(index.indices.count) entries",
                  outputRows: index.rowCount, forward: indexAddKernel, backward: indexSelectKernel)
    }

    /// An op from `rows` rows to `outputRows` of the same width by `forward`, whose gradient is `backward` (its adjoint).
    private func rowOp(_ op: String, _ index: RowIndex, rows: Int, reason: String, outputRows: Int,
                       forward: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, RowIndex, Int) -> Void,
                       backward: @escaping (UnsafePointer<Float>, UnsafeMutablePointer<Float>, RowIndex, Int) -> Void) throws -> Tensor {
        guard shape.rank >= 1, shape[0] == rows else { throw TensorError.invalidShape(op: op, shape: shape, reason: reason) }
        let width = shape.dims.dropFirst().reduce(1, *), output = Shape([outputRows] + shape.dims.dropFirst())
        let result = Storage(uninitializedCount: output.count)
        forward(pointer, result.pointer, index, width)
        let input = shape
        return Tensor.record(result, output, op: op, inputs: [self]) { grad in
            let gx = Tensor.uninitialized(input)
            backward(grad.pointer, gx.pointer, index, width)
            return [gx]
        }
    }
}
