extension NIfTIVolume {
    /// The slab of slices `range` along the third axis (nibabel's `img.slicer[:, :, a:b+1]`):
    /// the same voxels with the sform and qform origins moved to the slab's first slice, so
    /// every voxel keeps its world position. A 2D nnU-Net model slices along this axis, so a
    /// slab holds whole 2D inputs.
    public func slices(_ range: ClosedRange<Int>) throws -> NIfTIVolume {
        let spatial = dims.count >= 3 ? Array(dims.prefix(3)) : []
        guard spatial.count == 3, dims.dropFirst(3).allSatisfy({ $0 == 1 }) else {
            throw FormatError(.unsupported, "slices of a volume need three spatial axes; this one has dimensions \(dims)")
        }
        guard range.lowerBound >= 0, range.upperBound < spatial[2] else {
            throw FormatError(.malformed, "slices \(range.lowerBound)-\(range.upperBound) lie outside the \(spatial[2]) slices of a volume with dimensions \(dims)")
        }
        let plane = spatial[0] * spatial[1]
        var header = self.header
        header.dims = [spatial[0], spatial[1], range.count]
        let shift = Double(range.lowerBound), qform = header.qformAffine
        for row in 0..<3 {
            header.srow[row][3] += header.srow[row][2] * shift
            header.qoffset[row] += qform.rows[row][2] * shift
        }
        return try NIfTIVolume(header: header, values: Array(values[(range.lowerBound * plane)..<((range.upperBound + 1) * plane)]))
    }
}
