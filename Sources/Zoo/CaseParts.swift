import Segmentation

/// A case cut into the parts a validation check measures one after another. Under a 2D network
/// the sliding window treats every slice alone, so a part is a few of its slices stacked (their
/// logits are those of the whole case's), the slices with the most reference foreground first;
/// under a 3D network the case is one part.
struct CaseParts {
    /// Slices of a case (or the whole case): image [channels, z, y, x], reference label [z, y, x]
    /// (zeros for an unlabelled case) and its grid.
    struct Part {
        let image: [Float]
        let label: [UInt8]
        let shape: [Int]
    }

    let parts: [Part]

    /// `slicesPerPart` slices a part, most reference foreground first (ties in slice order); nil: the case whole.
    init(_ item: SegmentationCase, slicesPerPart: Int?) {
        let label = item.label ?? [UInt8](repeating: 0, count: item.voxelCount)
        guard let slicesPerPart, item.shape[0] > 1 else {
            parts = [Part(image: item.image, label: label, shape: item.shape)]
            return
        }
        let sliceVoxels = item.shape[1] * item.shape[2], caseVoxels = item.shape[0] * sliceVoxels
        let foreground = (0..<item.shape[0]).map { z in foregroundVoxels(label[(z * sliceVoxels)..<((z + 1) * sliceVoxels)]) }
        let order = foreground.indices.sorted { (foreground[$0], -$0) > (foreground[$1], -$1) }
        parts = stride(from: 0, to: order.count, by: max(1, slicesPerPart)).map { first -> Part in
            let slices = order[first..<min(order.count, first + max(1, slicesPerPart))]
            var image: [Float] = [], partLabel: [UInt8] = []
            for c in 0..<item.channels {
                for z in slices { image += item.image[(c * caseVoxels + z * sliceVoxels)..<(c * caseVoxels + (z + 1) * sliceVoxels)] }
            }
            for z in slices { partLabel += label[(z * sliceVoxels)..<((z + 1) * sliceVoxels)] }
            return Part(image: image, label: partLabel, shape: [slices.count, item.shape[1], item.shape[2]])
        }
    }
}

/// The foreground (label 1) voxels of a binary label.
func foregroundVoxels(_ label: some Sequence<UInt8>) -> Int {
    label.reduce(0) { $0 + ($1 == 1 ? 1 : 0) }
}
