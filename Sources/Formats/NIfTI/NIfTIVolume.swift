/// A NIfTI image: its header and its voxels as `Float`, scaled by `scl_slope`/`scl_inter`.
///
/// Voxels are in file order: the first axis varies fastest (NIfTI/Fortran order). Read as a
/// row-major array that is shape `dims.reversed()` — the (z, y, x) layout SimpleITK and nnU-Net use.
public struct NIfTIVolume: Equatable, Sendable {
    /// All header fields as read; `header.datatype` is the original voxel type.
    public var header: NIfTIHeader
    /// Voxel values after intensity scaling, first axis fastest.
    public var values: [Float]

    /// Pairs a header with values, checking that their counts agree.
    public init(header: NIfTIHeader, values: [Float]) throws {
        guard header.voxelCount == values.count else {
            throw FormatError(.malformed, "\(values.count) values do not fill dimensions \(header.dims)")
        }
        self.header = header
        self.values = values
    }

    /// A new float32 volume with `dims`, voxel-to-world `affine` (stored as sform and, without shear,
    /// as qform, code 2 "aligned") and millimetre units.
    public init(dims: [Int], affine: Affine, values: [Float]) throws {
        var header = NIfTIHeader()
        header.dims = dims
        header.xyztUnits = 2 | 8
        header.setAffine(affine)
        try self.init(header: header, values: values)
    }

    /// Extent of each axis.
    public var dims: [Int] { header.dims }
    /// The voxel-to-world transform (nibabel's best affine).
    public var affine: Affine { header.affine }
    /// Voxel sizes of the axes present.
    public var spacing: [Double] { header.spacing }
    /// The voxel type the file stored.
    public var datatype: NIfTIDatatype { header.datatype }

    /// Smallest and largest finite value, or nil when there are none.
    public var intensityRange: (min: Float, max: Float)? {
        var low = Float.infinity, high = -Float.infinity
        for value in values where value.isFinite {
            low = Swift.min(low, value)
            high = Swift.max(high, value)
        }
        return low <= high ? (low, high) : nil
    }
}
