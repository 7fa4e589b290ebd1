import TensorEngine

extension NIfTIVolume {
    /// The voxels as a tensor of shape `dims.reversed()` (e.g. (z, y, x)), the array layout
    /// SimpleITK and nnU-Net use; no reordering is needed since the first NIfTI axis varies fastest.
    public func makeTensor() throws -> Tensor {
        try Tensor(shape: Shape(dims.reversed()), values: values)
    }

    /// A float32 volume from a tensor of shape (..., z, y, x) and its voxel-to-world affine.
    public init(tensor: Tensor, affine: Affine) throws {
        try self.init(dims: tensor.shape.dims.reversed(), affine: affine, values: tensor.scalars)
    }
}
