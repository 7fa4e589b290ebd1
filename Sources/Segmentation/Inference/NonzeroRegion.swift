/// nnU-Net's `crop_to_nonzero`: the voxels that are non-zero in any channel, with enclosed holes
/// filled (`binary_fill_holes`, 6-connected background), and their bounding box. nnU-Net crops
/// to that box before normalising and resampling, and labels everything outside it background.
public struct NonzeroRegion: Equatable, Sendable {
    /// The filled non-zero mask over the whole (z, y, x) grid.
    public let mask: [Bool]
    /// First voxel of the box per axis.
    public let lower: [Int]
    /// One past the last voxel of the box per axis.
    public let upper: [Int]

    /// Extent of the box.
    public var shape: [Int] { zip(lower, upper).map { $1 - $0 } }

    /// Finds the region of [channels, shape] `image`; nil when every voxel is zero.
    public init?(image: [Float], channels: Int, shape: [Int]) {
        let voxels = shape.reduce(1, *)
        var nonzero = [Bool](repeating: false, count: voxels)
        for c in 0..<channels {
            for i in 0..<voxels where image[c * voxels + i] != 0 { nonzero[i] = true }
        }
        guard nonzero.contains(true) else { return nil }
        mask = Self.fillingHoles(nonzero, shape: shape)
        var lower = shape, upper = [0, 0, 0]
        var i = 0
        for z in 0..<shape[0] { for y in 0..<shape[1] { for x in 0..<shape[2] {
            if mask[i] {
                for (axis, index) in [z, y, x].enumerated() {
                    lower[axis] = min(lower[axis], index)
                    upper[axis] = max(upper[axis], index + 1)
                }
            }
            i += 1
        } } }
        self.lower = lower
        self.upper = upper
    }

    /// Sets every background voxel that 6-connected background does not link to the grid's faces.
    static func fillingHoles(_ mask: [Bool], shape: [Int]) -> [Bool] {
        let (nz, ny, nx) = (shape[0], shape[1], shape[2])
        var outside = [Bool](repeating: false, count: mask.count)
        var stack: [Int] = []
        func visit(_ i: Int) {
            if !mask[i] && !outside[i] { outside[i] = true; stack.append(i) }
        }
        for z in 0..<nz { for y in 0..<ny { for x in 0..<nx
            where z == 0 || z == nz - 1 || y == 0 || y == ny - 1 || x == 0 || x == nx - 1 {
            visit((z * ny + y) * nx + x)
        } } }
        while let i = stack.popLast() {
            let x = i % nx, y = (i / nx) % ny, z = i / (nx * ny)
            if x > 0 { visit(i - 1) }
            if x < nx - 1 { visit(i + 1) }
            if y > 0 { visit(i - nx) }
            if y < ny - 1 { visit(i + nx) }
            if z > 0 { visit(i - nx * ny) }
            if z < nz - 1 { visit(i + nx * ny) }
        }
        return outside.map { !$0 }
    }

    /// The box of [channels, grid] values.
    public func crop<T>(_ values: [T], channels: Int, grid: [Int]) -> [T] {
        let box = shape, gridVoxels = grid.reduce(1, *)
        var result: [T] = []
        result.reserveCapacity(channels * box.reduce(1, *))
        for c in 0..<channels {
            for z in lower[0]..<upper[0] {
                for y in lower[1]..<upper[1] {
                    let start = c * gridVoxels + (z * grid[1] + y) * grid[2]
                    result += values[(start + lower[2])..<(start + upper[2])]
                }
            }
        }
        return result
    }

    /// [channels, box] values placed in a [channels, grid] array filled with `fill(channel)`.
    public func uncrop<T>(_ values: [T], channels: Int, grid: [Int], fill: (Int) -> T) -> [T] {
        let box = shape, gridVoxels = grid.reduce(1, *), boxVoxels = box.reduce(1, *)
        var result: [T] = []
        result.reserveCapacity(channels * gridVoxels)
        for c in 0..<channels { result += [T](repeating: fill(c), count: gridVoxels) }
        for c in 0..<channels {
            for z in 0..<box[0] {
                for y in 0..<box[1] {
                    let from = c * boxVoxels + (z * box[1] + y) * box[2]
                    let to = c * gridVoxels + ((z + lower[0]) * grid[1] + y + lower[1]) * grid[2] + lower[2]
                    for x in 0..<box[2] { result[to + x] = values[from + x] }
                }
            }
        }
        return result
    }
}
