import TensorEngine

extension StoredTensor {
    /// A float32 copy of `tensor`.
    public convenience init(_ tensor: Tensor) throws {
        try self.init(float32: tensor.scalars, shape: tensor.shape.dims)
    }

    /// The values as an engine `Tensor` (converted to Float32).
    public func makeTensor() throws -> Tensor {
        try Tensor(shape: Shape(shape), values: floatValues())
    }
}
