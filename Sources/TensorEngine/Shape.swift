/// The dimensions of a row-major tensor, with helpers for strides and broadcasting.
public struct Shape: Equatable, Hashable, Sendable, CustomStringConvertible, ExpressibleByArrayLiteral {
    /// Extent of each axis, outermost first.
    public let dims: [Int]

    /// Creates a shape; every dimension must be non-negative.
    public init(_ dims: [Int]) {
        precondition(dims.allSatisfy { $0 >= 0 }, "negative dimension in \(dims)")
        self.dims = dims
    }

    public init(arrayLiteral elements: Int...) { self.init(elements) }

    /// Number of axes.
    @inline(__always) public var rank: Int { dims.count }
    /// Number of elements (1 for a scalar).
    @inline(__always) public var count: Int { dims.reduce(1, *) }
    /// Extent of axis `i`; negative indices count from the end.
    @inline(__always) public subscript(i: Int) -> Int { dims[i < 0 ? dims.count + i : i] }

    /// Row-major strides in elements.
    public var strides: [Int] {
        var result = [Int](repeating: 1, count: dims.count)
        var running = 1
        for axis in stride(from: dims.count - 1, through: 0, by: -1) {
            result[axis] = running
            running *= dims[axis]
        }
        return result
    }

    /// Normalises a possibly negative axis index, or returns nil when out of range.
    public func axis(_ axis: Int) -> Int? {
        let a = axis < 0 ? axis + rank : axis
        return (0..<rank).contains(a) ? a : nil
    }

    public var description: String { "[" + dims.map(String.init).joined(separator: ", ") + "]" }

    /// NumPy broadcasting of two shapes, or nil when they are incompatible.
    public static func broadcast(_ a: Shape, _ b: Shape) -> Shape? {
        let rank = max(a.rank, b.rank)
        var dims = [Int](repeating: 1, count: rank)
        for i in 0..<rank {
            let da = i < rank - a.rank ? 1 : a.dims[i - (rank - a.rank)]
            let db = i < rank - b.rank ? 1 : b.dims[i - (rank - b.rank)]
            guard da == db || da == 1 || db == 1 else { return nil }
            dims[i] = da == 1 ? db : da
        }
        return Shape(dims)
    }
}
