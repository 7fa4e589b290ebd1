#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import TensorEngine

/// nnU-Net's sliding-window inference: windows of the patch size at half-patch steps over a
/// zero-padded (z, y, x) grid, logits of each window weighted by a Gaussian importance map
/// (σ = patch / 8), optionally averaged over mirrored inputs, then normalised by the summed
/// weights. A 2D network slides over the slices of the first axis.
public struct SlidingWindowPredictor {
    /// Window extent (z, y, x); z is 1 for a 2D network.
    public let patchSize: [Int]
    /// Window step as a fraction of the patch (nnU-Net: 0.5).
    public let stepFraction: Double
    /// Axes (of z, y, x: 0, 1, 2) whose mirrored predictions are averaged in; empty for none.
    public let mirrorAxes: [Int]
    /// Windows run through the network together.
    public let windowsPerForward: Int
    /// The network: [B, C, (pz,) py, px] → logits [B, K, (pz,) py, px].
    private let network: (Tensor) throws -> Tensor

    public init(patchSize: [Int], stepFraction: Double = 0.5, mirrorAxes: [Int] = [], windowsPerForward: Int = 4,
                network: @escaping (Tensor) throws -> Tensor) {
        precondition(patchSize.count == 3, "patch size is (z, y, x)")
        self.patchSize = patchSize
        self.stepFraction = stepFraction
        self.mirrorAxes = mirrorAxes
        self.windowsPerForward = max(1, windowsPerForward)
        self.network = network
    }

    private var is2D: Bool { patchSize[0] == 1 }

    /// Averaged logits [classes, z, y, x] for a normalised image [channels, z, y, x] of `shape`.
    public func logits(image: [Float], channels: Int, shape: [Int]) throws -> (values: [Float], classes: Int) {
        let padded = zip(shape, patchSize).map { max($0, $1) }
        let offset = zip(padded, shape).map { ($0 - $1) / 2 }
        let input = pad(image, channels: channels, shape: shape, to: padded, offset: offset)
        let starts = (0..<3).map { windowStarts(size: padded[$0], patch: patchSize[$0]) }
        var windows: [[Int]] = []
        for z in starts[0] { for y in starts[1] { for x in starts[2] { windows.append([z, y, x]) } } }
        let weights = gaussianImportance()
        let patchVoxels = patchSize.reduce(1, *), paddedVoxels = padded.reduce(1, *)
        var accumulated: [Float] = [], weightSum = [Float](repeating: 0, count: paddedVoxels)
        var classes = 0
        for batchStart in stride(from: 0, to: windows.count, by: windowsPerForward) {
            let batch = Array(windows[batchStart..<min(windows.count, batchStart + windowsPerForward)])
            let crops = Tensor.zeros(Shape([batch.count, channels] + spatial(patchSize)))
            for (b, start) in batch.enumerated() {
                copyWindow(from: input, channels: channels, shape: padded, start: start,
                           into: crops.pointer + b * channels * patchVoxels)
            }
            let output = try mirroredLogits(crops)
            if classes == 0 {
                classes = output.shape[1]
                accumulated = [Float](repeating: 0, count: classes * paddedVoxels)
            }
            for (b, start) in batch.enumerated() {
                addWindow(output.pointer + b * classes * patchVoxels, classes: classes, weights: weights,
                          shape: padded, start: start, into: &accumulated, weightSum: &weightSum)
            }
        }
        accumulated.withUnsafeMutableBufferPointer { sums in
            weightSum.withUnsafeBufferPointer { weightSum in
                for k in 0..<classes {
                    for i in 0..<paddedVoxels { sums[k * paddedVoxels + i] /= max(weightSum[i], 1e-12) }
                }
            }
        }
        return (crop(accumulated, channels: classes, shape: padded, to: shape, offset: offset), classes)
    }

    /// The class with the largest logit per voxel, [z, y, x].
    public func segmentation(image: [Float], channels: Int, shape: [Int]) throws -> [UInt8] {
        let (values, classes) = try logits(image: image, channels: channels, shape: shape)
        return argmax(values, classes: classes)
    }

    /// Runs the network on `crops` and, with mirroring, on every mirrored copy, averaging the
    /// logits mapped back to the original orientation.
    private func mirroredLogits(_ crops: Tensor) throws -> Tensor {
        var total = try withNoGrad { try network(crops) }
        let axes = mirrorAxes.filter { !(is2D && $0 == 0) }.map { is2D ? $0 + 1 : $0 + 2 }
        guard !axes.isEmpty else { return total }
        var combinations = 1
        for mask in 1..<(1 << axes.count) {
            let chosen = axes.indices.filter { mask & (1 << $0) != 0 }.map { axes[$0] }
            let mirrored = try withNoGrad { try network(flipped(crops, axes: chosen)) }
            total = try total + flipped(mirrored, axes: chosen)
            combinations += 1
        }
        return total * (1 / Float(combinations))
    }

    private func spatial(_ size: [Int]) -> [Int] { is2D ? Array(size.suffix(2)) : size }

    /// Window start positions along one axis, as nnU-Net's `compute_steps_for_sliding_window`.
    func windowStarts(size: Int, patch: Int) -> [Int] {
        let step = Double(patch) * stepFraction
        let count = Int(ceil(Double(size - patch) / max(step, 1))) + 1
        guard count > 1 else { return [0] }
        let actual = Double(size - patch) / Double(count - 1)
        return (0..<count).map { Int((actual * Double($0)).rounded(.toNearestOrEven)) }
    }

    /// exp(−d²/2σ²) per axis with σ = patch/8 about the centre voxel, scaled to a maximum of 1,
    /// zeros (beyond 4σ) raised to the smallest positive value as nnU-Net does.
    func gaussianImportance() -> [Float] {
        let axes = (0..<3).map { axis -> [Double] in
            let n = patchSize[axis], centre = Double(n / 2), sigma = Double(n) / 8
            return (0..<n).map { i in
                let d = Double(i) - centre
                return n == 1 ? 1 : (abs(d) > 4 * sigma ? 0 : exp(-d * d / (2 * sigma * sigma)))
            }
        }
        var map: [Float] = []
        map.reserveCapacity(patchSize.reduce(1, *))
        for z in axes[0] { for y in axes[1] { for x in axes[2] { map.append(Float(z * y * x)) } } }
        let peak = map.max() ?? 1
        let smallest = map.filter { $0 > 0 }.min() ?? 1
        return map.map { $0 > 0 ? $0 / peak : smallest / peak }
    }

    private func copyWindow(from input: [Float], channels: Int, shape: [Int], start: [Int], into dst: UnsafeMutablePointer<Float>) {
        let (pz, py, px) = (patchSize[0], patchSize[1], patchSize[2])
        let voxels = shape.reduce(1, *)
        for c in 0..<channels {
            for z in 0..<pz {
                for y in 0..<py {
                    let src = c * voxels + ((start[0] + z) * shape[1] + start[1] + y) * shape[2] + start[2]
                    let out = dst + ((c * pz + z) * py + y) * px
                    input.withUnsafeBufferPointer { out.update(from: $0.baseAddress! + src, count: px) }
                }
            }
        }
    }

    private func addWindow(_ logits: UnsafePointer<Float>, classes: Int, weights: [Float], shape: [Int], start: [Int],
                           into accumulated: inout [Float], weightSum: inout [Float]) {
        let (pz, py, px) = (patchSize[0], patchSize[1], patchSize[2])
        let voxels = shape.reduce(1, *), patchVoxels = pz * py * px
        // On buffers: this runs for every voxel of every window, where array indexing checks bounds.
        accumulated.withUnsafeMutableBufferPointer { sums in
            weightSum.withUnsafeMutableBufferPointer { weightSum in
                weights.withUnsafeBufferPointer { weights in
                    for z in 0..<pz {
                        for y in 0..<py {
                            let local = (z * py + y) * px, global = ((start[0] + z) * shape[1] + start[1] + y) * shape[2] + start[2]
                            for x in 0..<px {
                                let w = weights[local + x]
                                weightSum[global + x] += w
                                for k in 0..<classes { sums[k * voxels + global + x] += w * logits[k * patchVoxels + local + x] }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Reverses the order of elements along each of `axes` (outside the tape).
func flipped(_ tensor: Tensor, axes: [Int]) -> Tensor {
    let dims = tensor.shape.dims, strides = tensor.shape.strides
    let result = Tensor.zeros(tensor.shape)
    let flip = Set(axes)
    for i in 0..<tensor.count {
        var rem = i, source = 0
        for axis in stride(from: dims.count - 1, through: 0, by: -1) {
            let index = rem % dims[axis]
            rem /= dims[axis]
            source += (flip.contains(axis) ? dims[axis] - 1 - index : index) * strides[axis]
        }
        result.pointer[i] = tensor.pointer[source]
    }
    return result
}

/// The index of the largest value per voxel of [classes, voxels...] data.
public func argmax(_ values: [Float], classes: Int) -> [UInt8] {
    let voxels = values.count / max(classes, 1)
    return (0..<voxels).map { v in
        var best = 0
        for k in 1..<max(classes, 1) where values[k * voxels + v] > values[best * voxels + v] { best = k }
        return UInt8(best)
    }
}

/// Places [channels, shape] data at `offset` inside a zero grid of `padded`.
func pad(_ values: [Float], channels: Int, shape: [Int], to padded: [Int], offset: [Int]) -> [Float] {
    guard padded != shape else { return values }
    var result = [Float](repeating: 0, count: channels * padded.reduce(1, *))
    copyRegion(values, shape, at: [0, 0, 0], into: &result, padded, at: offset, extent: shape, channels: channels)
    return result
}

/// The inverse of `pad`: the `shape` region at `offset` of [channels, padded] data.
func crop(_ values: [Float], channels: Int, shape padded: [Int], to shape: [Int], offset: [Int]) -> [Float] {
    guard padded != shape else { return values }
    var result = [Float](repeating: 0, count: channels * shape.reduce(1, *))
    copyRegion(values, padded, at: offset, into: &result, shape, at: [0, 0, 0], extent: shape, channels: channels)
    return result
}

/// Copies an `extent` box of every channel from `source` (a [channels, sourceShape] grid, box at
/// `sourceStart`) into `target` (a [channels, targetShape] grid, box at `targetStart`).
private func copyRegion(_ source: [Float], _ sourceShape: [Int], at sourceStart: [Int], into target: inout [Float],
                        _ targetShape: [Int], at targetStart: [Int], extent: [Int], channels: Int) {
    let sourceVoxels = sourceShape.reduce(1, *), targetVoxels = targetShape.reduce(1, *)
    for c in 0..<channels {
        for z in 0..<extent[0] {
            for y in 0..<extent[1] {
                let from = c * sourceVoxels + ((z + sourceStart[0]) * sourceShape[1] + y + sourceStart[1]) * sourceShape[2] + sourceStart[2]
                let to = c * targetVoxels + ((z + targetStart[0]) * targetShape[1] + y + targetStart[1]) * targetShape[2] + targetStart[2]
                for x in 0..<extent[2] { target[to + x] = source[from + x] }
            }
        }
    }
}
