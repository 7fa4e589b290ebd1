import Formats

/// nnU-Net's `resample_data_or_seg_to_shape` for images and logits: per channel, either one
/// scikit-image resize of the whole grid, or — when either spacing is anisotropic (largest over
/// smallest above 3) with one low-resolution axis — a resize of every slice across that axis
/// with `order`, then that axis alone with `orderZ` (no clipping). Computed in double precision,
/// returned as float32 (nnU-Net keeps the input's dtype).
public struct NNUNetResampling: Equatable, Sendable {
    /// In-plane (or whole-grid) interpolation.
    public var order: SplineResize.Order
    /// Interpolation along the separate low-resolution axis.
    public var orderZ: SplineResize.Order
    /// nil decides from the spacings; true or false forces separate-axis resampling on or off.
    public var forceSeparateZ: Bool?

    /// nnU-Net's `ANISO_THRESHOLD`.
    public static let anisotropyThreshold = 3.0

    public init(order: SplineResize.Order, orderZ: SplineResize.Order, forceSeparateZ: Bool? = nil) {
        self.order = order
        self.orderZ = orderZ
        self.forceSeparateZ = forceSeparateZ
    }

    /// Reads a plans entry such as `resampling_fn_data` with its `..._kwargs`.
    public init(configuration: NNUNetConfiguration, function: String) throws {
        let context = "configuration \(configuration.name)"
        guard let name = configuration.json[function]?.stringValue else {
            throw FormatError(.malformed, "\(context) lacks \"\(function)\"")
        }
        guard name.hasSuffix("resample_data_or_seg_to_shape") else {
            throw FormatError(.unsupported, "\(context): \(function) is \(name); weightgen implements resample_data_or_seg_to_shape")
        }
        let kwargs = configuration.json[function + "_kwargs"]?.objectValue
        func order(_ key: String, _ fallback: Int) throws -> SplineResize.Order {
            let value = kwargs?[key]?.intValue ?? fallback
            guard let order = SplineResize.Order(rawValue: value) else {
                throw FormatError(.unsupported, "\(context): \(function)_kwargs \(key) \(value); weightgen implements orders 0, 1 and 3")
            }
            return order
        }
        self.init(order: try order("order", 3), orderZ: try order("order_z", 0),
                  forceSeparateZ: kwargs?["force_separate_z"]?.boolValue)
    }

    /// The axis resampled on its own between `current` and `new` spacings, or nil
    /// (`determine_do_sep_z_and_axis`): none when two or three axes share the coarsest spacing.
    public func separateAxis(current: [Double], new: [Double]) -> Int? {
        func anisotropic(_ s: [Double]) -> Bool { (s.max() ?? 1) / (s.min() ?? 1) > Self.anisotropyThreshold }
        func lowResolutionAxes(_ s: [Double]) -> [Int] { s.indices.filter { s[$0] == s.max() } }
        let axes: [Int]
        switch forceSeparateZ {
        case .some(true): axes = lowResolutionAxes(current)
        case .some(false): axes = []
        case .none: axes = anisotropic(current) ? lowResolutionAxes(current) : anisotropic(new) ? lowResolutionAxes(new) : []
        }
        return axes.count == 1 ? axes[0] : nil
    }

    /// Resamples [channels, shape] values to [channels, target]; unchanged when the shapes agree.
    public func resample(_ values: [Float], channels: Int, from shape: [Int], to target: [Int],
                         currentSpacing: [Double], newSpacing: [Double]) -> [Float] {
        guard shape != target else { return values }
        let voxels = shape.reduce(1, *)
        let axis = separateAxis(current: currentSpacing, new: newSpacing)
        var result: [Float] = []
        result.reserveCapacity(channels * target.reduce(1, *))
        for c in 0..<channels {
            let channel = values[(c * voxels)..<((c + 1) * voxels)].map(Double.init)
            let resampled = axis.map { resampleSeparately(channel, shape: shape, to: target, axis: $0) }
                ?? SplineResize.resize(channel, shape: shape, to: target, order: order)
            result += resampled.map(Float.init)
        }
        return result
    }

    /// Every slice across `axis` resized in-plane (each clipped to its own range), then `axis` alone.
    private func resampleSeparately(_ values: [Double], shape: [Int], to target: [Int], axis: Int) -> [Double] {
        let planeShape = shape.indices.filter { $0 != axis }.map { shape[$0] }
        let planeTarget = target.indices.filter { $0 != axis }.map { target[$0] }
        var intermediateShape = target
        intermediateShape[axis] = shape[axis]
        var intermediate = [Double](repeating: 0, count: intermediateShape.reduce(1, *))
        for slice in 0..<shape[axis] {
            let plane = SplineResize.resize(sliceValues(values, shape: shape, axis: axis, index: slice),
                                            shape: planeShape, to: planeTarget, order: order)
            setSlice(&intermediate, shape: intermediateShape, axis: axis, index: slice, plane)
        }
        guard shape[axis] != target[axis] else { return intermediate }
        return SplineResize.zoomAxis(intermediate, shape: intermediateShape, axis: axis, size: target[axis], order: orderZ)
    }

    private func sliceValues(_ values: [Double], shape: [Int], axis: Int, index: Int) -> [Double] {
        let outer = shape[..<axis].reduce(1, *), inner = shape[(axis + 1)...].reduce(1, *)
        var plane: [Double] = []
        plane.reserveCapacity(outer * inner)
        for o in 0..<outer { plane += values[((o * shape[axis] + index) * inner)..<((o * shape[axis] + index) * inner + inner)] }
        return plane
    }

    private func setSlice(_ values: inout [Double], shape: [Int], axis: Int, index: Int, _ plane: [Double]) {
        let outer = shape[..<axis].reduce(1, *), inner = shape[(axis + 1)...].reduce(1, *)
        for o in 0..<outer {
            for j in 0..<inner { values[(o * shape[axis] + index) * inner + j] = plane[o * inner + j] }
        }
    }
}
