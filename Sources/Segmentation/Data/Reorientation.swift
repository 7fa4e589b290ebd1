import Formats

/// A permutation and flip of a volume's voxel axes that brings it to the closest canonical
/// (RAS+) orientation, as nibabel's `as_closest_canonical`: voxel axis k then runs along world
/// axis k (x: left→right, y: posterior→anterior, z: inferior→superior). weightgen's own 2D
/// networks train and predict on reoriented volumes, so their slices are axial whatever order
/// the scanner stored.
public struct Reorientation: Equatable, Sendable {
    /// New axis k is old axis `permutation[k]`.
    public let permutation: [Int]
    /// Whether new axis k runs opposite to its old axis.
    public let flips: [Bool]

    /// The reorientation that makes `affine` closest to a diagonal with positive entries.
    public init(affine: Affine) {
        var used = Set<Int>()
        var oldForWorld = [Int](repeating: 0, count: 3), flip = [Bool](repeating: false, count: 3)
        // Assign the voxel axis with the largest component to each world axis, greedily.
        let candidates = (0..<3).flatMap { voxel in (0..<3).map { world in (voxel, world, abs(affine.rows[world][voxel])) } }
            .sorted { $0.2 > $1.2 }
        var assignedWorld = Set<Int>()
        for (voxel, world, _) in candidates where !used.contains(voxel) && !assignedWorld.contains(world) {
            used.insert(voxel)
            assignedWorld.insert(world)
            oldForWorld[world] = voxel
            flip[world] = affine.rows[world][voxel] < 0
        }
        permutation = oldForWorld
        flips = flip
    }

    /// Whether this leaves volumes unchanged.
    public var isIdentity: Bool { permutation == [0, 1, 2] && !flips.contains(true) }

    /// The volume with its voxels reordered and the affine adjusted so world positions are kept.
    public func apply(_ volume: NIfTIVolume) throws -> NIfTIVolume {
        guard !isIdentity else { return volume }
        let dims = Array(volume.dims.prefix(3))
        let newDims = permutation.map { dims[$0] }
        var values = [Float](repeating: 0, count: volume.values.count)
        forEachVoxel(newDims) { newIndex, newCoordinates in
            values[newIndex] = volume.values[oldIndex(newCoordinates, newDims: newDims, oldDims: dims)]
        }
        var rows = volume.affine.rows
        for world in 0..<3 {
            var origin = rows[world][3]
            for k in 0..<3 where flips[k] { origin += volume.affine.rows[world][permutation[k]] * Double(newDims[k] - 1) }
            rows[world] = permutation.enumerated().map { k, old in volume.affine.rows[world][old] * (flips[k] ? -1 : 1) } + [origin]
        }
        var header = volume.header
        header.dims = newDims + Array(volume.dims.dropFirst(3))
        header.pixdim = [header.pixdim[0]] + permutation.map { volume.header.pixdim[$0 + 1] } + Array(header.pixdim.dropFirst(4))
        header.setAffine(Affine(rows: rows))
        return try NIfTIVolume(header: header, values: values)
    }

    /// Maps values on the reoriented grid (`newDims`) back onto the original grid.
    public func restore<T>(_ values: [T], originalDims dims: [Int]) -> [T] {
        guard !isIdentity else { return values }
        let newDims = permutation.map { dims[$0] }
        var result = values
        forEachVoxel(newDims) { newIndex, newCoordinates in
            result[oldIndex(newCoordinates, newDims: newDims, oldDims: dims)] = values[newIndex]
        }
        return result
    }

    private func oldIndex(_ new: [Int], newDims: [Int], oldDims: [Int]) -> Int {
        var old = [0, 0, 0]
        for k in 0..<3 { old[permutation[k]] = flips[k] ? newDims[k] - 1 - new[k] : new[k] }
        return old[0] + oldDims[0] * (old[1] + oldDims[1] * old[2])
    }

    /// Visits every voxel of a NIfTI-ordered grid (first axis fastest) with its coordinates.
    private func forEachVoxel(_ dims: [Int], _ body: (Int, [Int]) -> Void) {
        var index = 0
        for k in 0..<dims[2] { for j in 0..<dims[1] { for i in 0..<dims[0] {
            body(index, [i, j, k])
            index += 1
        } } }
    }
}
