/// nnU-Net's "remove all but the largest component" post-processing: structures such as the
/// spinal cord are one connected piece, so smaller islands of a label are false positives.
public enum ConnectedComponents {
    /// Face-connected (6-neighbour in 3D, 4 in 2D) components of the voxels where `inside` is
    /// true on a (z, y, x) row-major grid of `shape`: a component index per voxel (-1 outside)
    /// and each component's size.
    public static func label(shape: [Int], inside: (Int) -> Bool) -> (labels: [Int32], sizes: [Int]) {
        precondition(shape.count == 3, "ConnectedComponents expects a (z, y, x) shape")
        let (depth, height, width) = (shape[0], shape[1], shape[2])
        let count = depth * height * width
        var labels = [Int32](repeating: -1, count: count)
        var sizes: [Int] = []
        var stack: [Int] = []
        for seed in 0..<count where labels[seed] < 0 && inside(seed) {
            let component = Int32(sizes.count)
            labels[seed] = component
            stack.append(seed)
            var size = 0
            while let index = stack.popLast() {
                size += 1
                let x = index % width, y = (index / width) % height, z = index / (width * height)
                func visit(_ neighbour: Int) {
                    if labels[neighbour] < 0 && inside(neighbour) {
                        labels[neighbour] = component
                        stack.append(neighbour)
                    }
                }
                if x > 0 { visit(index - 1) }
                if x + 1 < width { visit(index + 1) }
                if y > 0 { visit(index - width) }
                if y + 1 < height { visit(index + width) }
                if z > 0 { visit(index - width * height) }
                if z + 1 < depth { visit(index + width * height) }
            }
            sizes.append(size)
        }
        return (labels, sizes)
    }

    /// `mask` with every foreground label reduced to its largest connected component; voxels
    /// of smaller components become background (0).
    public static func keepingLargest(_ mask: [UInt8], shape: [Int]) -> [UInt8] {
        var result = mask
        for value in Set(mask) where value > 0 {
            let (labels, sizes) = label(shape: shape) { mask[$0] == value }
            guard let largest = sizes.indices.max(by: { sizes[$0] < sizes[$1] }) else { continue }
            for index in result.indices where labels[index] >= 0 && labels[index] != Int32(largest) { result[index] = 0 }
        }
        return result
    }
}
