#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import TensorEngine

/// Draws training patches from cases the way nnU-Net's data loader does: uniform crops, plus
/// a share of crops centred on a random foreground voxel, zero padding where a crop leaves the
/// image, and spatial augmentation (rotation, scaling, mirroring) applied while sampling.
public struct PatchSampler: Sendable {
    /// Patch extent along (z, y, x); z is 1 for 2D training on slices.
    public let patchSize: [Int]
    /// Fraction of each batch forced to contain foreground (nnU-Net: 0.33).
    public let foregroundFraction: Double
    public let augmentation: AugmentationConfiguration

    public init(patchSize: [Int], foregroundFraction: Double = 0.33, augmentation: AugmentationConfiguration = .nnUNetDefault) {
        precondition(patchSize.count == 3, "patch size is (z, y, x)")
        self.patchSize = patchSize
        self.foregroundFraction = foregroundFraction
        self.augmentation = augmentation
    }

    /// Whether sample `index` of a batch of `batchSize` must be centred on foreground: the last
    /// ⌈fraction · batch⌉ samples, so every batch holds at least that share.
    public func forcesForeground(index: Int, batchSize: Int) -> Bool {
        index >= batchSize - Int((foregroundFraction * Double(batchSize)).rounded(.up))
    }

    /// One batch of `size` patches, each from a case drawn at random, the last ⌈fraction · size⌉
    /// centred on foreground (`forcesForeground`): images [B, C, (pz,) py, px] and labels
    /// [B, 1, (pz,) py, px], where `spatialRank` 2 drops the z axis of (1, py, px) patches.
    public func batch(from cases: [SegmentationCase], size: Int, spatialRank: Int, using rng: inout SeededGenerator) -> TrainingBatch {
        let channels = cases[0].channels
        let patchVoxels = patchSize.reduce(1, *)
        let spatial = spatialRank == 2 ? Array(patchSize.suffix(2)) : patchSize
        let images = Tensor.zeros(Shape([size, channels] + spatial))
        let labels = Tensor.zeros(Shape([size, 1] + spatial))
        for b in 0..<size {
            let item = cases[Int(rng.next() % UInt64(cases.count))]
            let (image, label) = sample(from: item, forceForeground: forcesForeground(index: b, batchSize: size), using: &rng)
            for i in 0..<image.count { images.pointer[b * channels * patchVoxels + i] = image[i] }
            for i in 0..<label.count { labels.pointer[b * patchVoxels + i] = Float(label[i]) }
        }
        return TrainingBatch(images: images, labels: labels)
    }

    /// Samples one augmented patch: image [channels, pz, py, px] and label [pz, py, px].
    public func sample(from item: SegmentationCase, forceForeground: Bool,
                       using rng: inout SeededGenerator) -> (image: [Float], label: [UInt8]) {
        let center = chooseCenter(item, forceForeground: forceForeground, using: &rng)
        let transform = augmentation.drawSpatial(using: &rng, threeD: patchSize[0] > 1)
        var (image, label) = extract(item, center: center, transform: transform)
        augmentation.applyIntensity(&image, channels: item.channels, using: &rng)
        return (image, label)
    }

    /// The voxel (z, y, x) the patch is centred on.
    private func chooseCenter(_ item: SegmentationCase, forceForeground: Bool, using rng: inout SeededGenerator) -> [Double] {
        if forceForeground, let label = item.label, let voxel = randomForegroundVoxel(label, using: &rng) {
            let z = voxel / (item.shape[1] * item.shape[2]), y = (voxel / item.shape[2]) % item.shape[1], x = voxel % item.shape[2]
            return [Double(z), Double(y), Double(x)]
        }
        return (0..<3).map { axis in
            // A centre whose patch lies inside the image; along an axis where the image is
            // smaller than the patch, any centre whose patch covers the whole image.
            let extent = item.shape[axis], half = Double(patchSize[axis]) / 2
            let low = min(half, Double(extent) - half), high = max(half, Double(extent) - half)
            let centre = low + (high - low) * rng.nextUnitDouble() - 0.5
            return patchSize[axis] == 1 ? centre.rounded() : centre
        }
    }

    /// A uniformly chosen foreground voxel index, or nil when there is none.
    private func randomForegroundVoxel(_ label: [UInt8], using rng: inout SeededGenerator) -> Int? {
        let count = label.reduce(0) { $0 + ($1 > 0 ? 1 : 0) }
        guard count > 0 else { return nil }
        var target = Int(rng.next() % UInt64(count))
        for (i, value) in label.enumerated() where value > 0 {
            if target == 0 { return i }
            target -= 1
        }
        return nil
    }

    /// Resamples the patch around `center` through the spatial transform: bilinear (in-plane;
    /// trilinear in 3D) for the image, nearest neighbour for the label, zero outside the image.
    private func extract(_ item: SegmentationCase, center: [Double], transform: SpatialTransform) -> ([Float], [UInt8]) {
        let (pz, py, px) = (patchSize[0], patchSize[1], patchSize[2])
        let (sz, sy, sx) = (item.shape[0], item.shape[1], item.shape[2])
        let plane = sy * sx, voxels = item.voxelCount
        var image = [Float](repeating: 0, count: item.channels * pz * py * px)
        var label = [UInt8](repeating: 0, count: pz * py * px)
        let identity = transform.isIdentity
        for z in 0..<pz {
            for y in 0..<py {
                for x in 0..<px {
                    let out = (z * py + y) * px + x
                    let offset = SIMD3<Double>(Double(z) - Double(pz - 1) / 2, Double(y) - Double(py - 1) / 2,
                                               Double(x) - Double(px - 1) / 2)
                    let source = transform.map(offset)
                    let cz = center[0] + source.x, cy = center[1] + source.y, cx = center[2] + source.z
                    if let labels = item.label {
                        let nz = Int(cz.rounded()), ny = Int(cy.rounded()), nx = Int(cx.rounded())
                        if nz >= 0, nz < sz, ny >= 0, ny < sy, nx >= 0, nx < sx { label[out] = labels[nz * plane + ny * sx + nx] }
                    }
                    for c in 0..<item.channels {
                        let base = c * voxels
                        image[c * pz * py * px + out] = identity
                            ? nearest(item.image, base, cz, cy, cx, sz, sy, sx)
                            : interpolate(item.image, base, cz, cy, cx, sz, sy, sx)
                    }
                }
            }
        }
        transform.mirror(&image, channels: item.channels, size: patchSize)
        transform.mirror(&label, channels: 1, size: patchSize)
        return (image, label)
    }

    private func nearest(_ v: [Float], _ base: Int, _ z: Double, _ y: Double, _ x: Double, _ sz: Int, _ sy: Int, _ sx: Int) -> Float {
        let nz = Int(z.rounded()), ny = Int(y.rounded()), nx = Int(x.rounded())
        guard nz >= 0, nz < sz, ny >= 0, ny < sy, nx >= 0, nx < sx else { return 0 }
        return v[base + (nz * sy + ny) * sx + nx]
    }

    /// Linear interpolation along every axis with extent > 1, zero outside.
    private func interpolate(_ v: [Float], _ base: Int, _ z: Double, _ y: Double, _ x: Double, _ sz: Int, _ sy: Int, _ sx: Int) -> Float {
        let z0 = Int(floor(z)), y0 = Int(floor(y)), x0 = Int(floor(x))
        let fz = Float(z - Double(z0)), fy = Float(y - Double(y0)), fx = Float(x - Double(x0))
        func at(_ a: Int, _ b: Int, _ c: Int) -> Float {
            guard a >= 0, a < sz, b >= 0, b < sy, c >= 0, c < sx else { return 0 }
            return v[base + (a * sy + b) * sx + c]
        }
        func plane(_ a: Int) -> Float {
            let top = at(a, y0, x0) * (1 - fx) + at(a, y0, x0 + 1) * fx
            let bottom = at(a, y0 + 1, x0) * (1 - fx) + at(a, y0 + 1, x0 + 1) * fx
            return top * (1 - fy) + bottom * fy
        }
        return fz == 0 ? plane(z0) : plane(z0) * (1 - fz) + plane(z0 + 1) * fz
    }
}
