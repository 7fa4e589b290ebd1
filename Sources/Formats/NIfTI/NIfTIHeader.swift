/// The fields of a NIfTI-1 or NIfTI-2 header, widened to `Int`/`Double`.
public struct NIfTIHeader: Equatable, Sendable {
    /// 1 or 2: the header layout the file used (writers always write NIfTI-1).
    public var version = 1
    /// True when the file was big-endian.
    public var isBigEndian = false
    /// Extent of each dimension (`dim[1...dim[0]]`).
    public var dims: [Int] = [1]
    /// `pixdim[0...7]`: qfac then voxel sizes (spatial, then time, ...).
    public var pixdim: [Double] = [1, 1, 1, 1, 1, 1, 1, 1]
    /// The voxel type on disk.
    public var datatype: NIfTIDatatype = .float32
    /// Byte offset of the voxel data in a single-file image.
    public var voxOffset = 352
    /// Intensity scaling: value = stored × slope + intercept (slope 0 or non-finite means none).
    public var sclSlope = 1.0
    /// Intensity scaling intercept.
    public var sclInter = 0.0
    /// Display range hints.
    public var calMin = 0.0, calMax = 0.0
    /// Codes of the qform and sform (0 unknown, 1 scanner, 2 aligned, 3 Talairach, 4 MNI, 5 template).
    public var qformCode = 0, sformCode = 0
    /// Quaternion parameters b, c, d of the qform.
    public var quaternion: [Double] = [0, 0, 0]
    /// Translation of the qform.
    public var qoffset: [Double] = [0, 0, 0]
    /// The three rows of the sform affine.
    public var srow: [[Double]] = [[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]
    /// Packed spatial (bits 0–2) and temporal (bits 3–5) units.
    public var xyztUnits = 0
    /// Frequency/phase/slice dimension packing.
    public var dimInfo = 0
    /// Intent code, parameters and name.
    public var intentCode = 0, intentParameters: [Double] = [0, 0, 0], intentName = ""
    /// Slice timing fields.
    public var sliceStart = 0, sliceEnd = 0, sliceCode = 0, sliceDuration = 0.0, timeOffset = 0.0
    /// Free text fields.
    public var descrip = "", auxFile = ""

    /// Creates a header with default fields.
    public init() {}

    /// Number of voxels (product of `dims`), or nil on overflow.
    public var voxelCount: Int? { StoredTensor.elementCount(dims) }

    /// The spatial unit of `pixdim` and the affine, e.g. "mm".
    public var spatialUnit: String {
        switch xyztUnits & 0x07 {
        case 1: return "m"
        case 2: return "mm"
        case 3: return "µm"
        default: return "unknown"
        }
    }

    /// The temporal unit of `pixdim[4]`, e.g. "s".
    public var temporalUnit: String {
        switch xyztUnits & 0x38 {
        case 8: return "s"
        case 16: return "ms"
        case 24: return "µs"
        case 32: return "Hz"
        case 40: return "ppm"
        case 48: return "rad/s"
        default: return "unknown"
        }
    }

    /// The effective (slope, intercept): identity scaling when the slope is 0 or not finite, as nibabel does.
    public var scaling: (slope: Double, intercept: Double) {
        guard sclSlope != 0, sclSlope.isFinite else { return (1, 0) }
        return (sclSlope, sclInter.isFinite ? sclInter : 0)
    }

    /// The voxel-to-world affine, chosen as nibabel's `get_best_affine`: the sform when
    /// `sformCode > 0`, else the qform when `qformCode > 0`, else a scaling by `pixdim`
    /// centred on the volume with the x axis flipped.
    public var affine: Affine {
        if sformCode > 0 { return Affine(rows: srow + [[0, 0, 0, 1]]) }
        if qformCode > 0 { return qformAffine }
        let spatial = Array((dims + [1, 1, 1]).prefix(3))
        var zooms = (1...3).map { $0 <= dims.count ? pixdim[$0] : 1 }
        zooms[0] = -zooms[0]
        let origin = zip(spatial, zooms).map { -Double($0 - 1) / 2 * $1 }
        return Affine.scaling(zooms, origin: origin)
    }

    /// The affine encoded by the qform fields, regardless of `qformCode`.
    public var qformAffine: Affine {
        Affine.fromQuaternion(b: quaternion[0], c: quaternion[1], d: quaternion[2], qfac: pixdim[0],
                              voxelSizes: Array(pixdim[1...3]), offset: qoffset)
    }

    /// Voxel sizes of the spatial axes present (`pixdim[1...]`).
    public var spacing: [Double] { (0..<min(dims.count, 7)).map { pixdim[$0 + 1] } }

    /// Stores `affine` as the sform (with `code`) and, when it has no shear, as the qform too.
    public mutating func setAffine(_ affine: Affine, code: Int = 2) {
        srow = Array(affine.rows.prefix(3))
        sformCode = code
        qoffset = (0..<3).map { affine.rows[$0][3] }
        if let parameters = affine.quaternionParameters() {
            quaternion = [parameters.b, parameters.c, parameters.d]
            pixdim[0] = parameters.qfac
            for axis in 0..<3 { pixdim[axis + 1] = parameters.zooms[axis] }
            qformCode = code
        } else {
            quaternion = [0, 0, 0]
            qformCode = 0
        }
    }
}
