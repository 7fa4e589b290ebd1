import Foundation

/// A 4×4 voxel-to-world (RAS+ millimetre) transform, stored row-major.
public struct Affine: Equatable, Sendable, CustomStringConvertible {
    /// Rows of the matrix; the last is normally `[0, 0, 0, 1]`.
    public var rows: [[Double]]

    /// The matrix with the given rows (four rows of four values).
    public init(rows: [[Double]]) {
        precondition(rows.count == 4 && rows.allSatisfy { $0.count == 4 }, "an affine has 4 rows of 4 values")
        self.rows = rows
    }

    /// The identity transform.
    public static let identity = Affine(rows: (0..<4).map { r in (0..<4).map { $0 == r ? 1 : 0 } })

    /// A diagonal scaling by `spacing` (padded with 1) translated by `origin`.
    public static func scaling(_ spacing: [Double], origin: [Double] = [0, 0, 0]) -> Affine {
        var affine = Affine.identity
        for axis in 0..<3 {
            affine.rows[axis][axis] = axis < spacing.count ? spacing[axis] : 1
            affine.rows[axis][3] = axis < origin.count ? origin[axis] : 0
        }
        return affine
    }

    /// Largest absolute difference from `other`, elementwise.
    public func maximumDifference(from other: Affine) -> Double {
        zip(rows.joined(), other.rows.joined()).map { abs($0 - $1) }.max() ?? 0
    }

    /// The matrix of a NIfTI qform: rotation from the quaternion (b, c, d), voxel sizes, qfac and offset,
    /// computed as nibabel does (in `Double` from the header's values).
    public static func fromQuaternion(b: Double, c: Double, d: Double, qfac: Double,
                                      voxelSizes: [Double], offset: [Double]) -> Affine {
        let a = max(0, 1 - (b * b + c * c + d * d)).squareRoot()
        let norm = a * a + b * b + c * c + d * d
        var rotation: [[Double]] = [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
        if norm >= Double.ulpOfOne {
            let s = 2 / norm
            let (x, y, z, w) = (b, c, d, a)
            let (xs, ys, zs) = (x * s, y * s, z * s)
            let (wx, wy, wz) = (w * xs, w * ys, w * zs)
            let (xx, xy, xz) = (x * xs, x * ys, x * zs)
            let (yy, yz, zz) = (y * ys, y * zs, z * zs)
            rotation = [[1 - (yy + zz), xy - wz, xz + wy],
                        [xy + wz, 1 - (xx + zz), yz - wx],
                        [xz - wy, yz + wx, 1 - (xx + yy)]]
        }
        let zooms = [voxelSizes[0], voxelSizes[1], voxelSizes[2] * (qfac < 0 ? -1 : 1)]
        var affine = Affine.identity
        for r in 0..<3 {
            for col in 0..<3 { affine.rows[r][col] = rotation[r][col] * zooms[col] }
            affine.rows[r][3] = offset[r]
        }
        return affine
    }

    /// The quaternion (b, c, d), qfac and voxel sizes that represent this affine's rotation,
    /// or nil when its columns are not orthogonal (shear), which a qform cannot express.
    func quaternionParameters() -> (b: Double, c: Double, d: Double, qfac: Double, zooms: [Double])? {
        var columns = (0..<3).map { col in (0..<3).map { rows[$0][col] } }
        let zooms = columns.map { ($0.map { $0 * $0 }.reduce(0, +)).squareRoot() }
        guard zooms.allSatisfy({ $0 > 0 }) else { return nil }
        columns = zip(columns, zooms).map { column, zoom in column.map { $0 / zoom } }
        for (i, j) in [(0, 1), (0, 2), (1, 2)] {
            guard abs(zip(columns[i], columns[j]).map(*).reduce(0, +)) < 1e-4 else { return nil }
        }
        let m = columns
        let determinant = m[0][0] * (m[1][1] * m[2][2] - m[2][1] * m[1][2])
            - m[1][0] * (m[0][1] * m[2][2] - m[2][1] * m[0][2])
            + m[2][0] * (m[0][1] * m[1][2] - m[1][1] * m[0][2])
        let qfac: Double = determinant < 0 ? -1 : 1
        if qfac < 0 { columns[2] = columns[2].map { -$0 } }
        // r[row][col] from columns.
        let r = (0..<3).map { row in (0..<3).map { columns[$0][row] } }
        let trace = r[0][0] + r[1][1] + r[2][2]
        var (a, b, c, d): (Double, Double, Double, Double)
        if trace > 0 {
            let s = (trace + 1).squareRoot() * 2
            (a, b, c, d) = (0.25 * s, (r[2][1] - r[1][2]) / s, (r[0][2] - r[2][0]) / s, (r[1][0] - r[0][1]) / s)
        } else if r[0][0] > r[1][1] && r[0][0] > r[2][2] {
            let s = (1 + r[0][0] - r[1][1] - r[2][2]).squareRoot() * 2
            (a, b, c, d) = ((r[2][1] - r[1][2]) / s, 0.25 * s, (r[0][1] + r[1][0]) / s, (r[0][2] + r[2][0]) / s)
        } else if r[1][1] > r[2][2] {
            let s = (1 + r[1][1] - r[0][0] - r[2][2]).squareRoot() * 2
            (a, b, c, d) = ((r[0][2] - r[2][0]) / s, (r[0][1] + r[1][0]) / s, 0.25 * s, (r[1][2] + r[2][1]) / s)
        } else {
            let s = (1 + r[2][2] - r[0][0] - r[1][1]).squareRoot() * 2
            (a, b, c, d) = ((r[1][0] - r[0][1]) / s, (r[0][2] + r[2][0]) / s, (r[1][2] + r[2][1]) / s, 0.25 * s)
        }
        if a < 0 { (b, c, d) = (-b, -c, -d) }
        return (b, c, d, qfac, zooms)
    }

    public var description: String {
        rows.map { $0.map { String(format: "%10.4f", $0) }.joined(separator: " ") }.joined(separator: "\n")
    }
}
