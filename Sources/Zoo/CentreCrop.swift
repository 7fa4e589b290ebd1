import Segmentation
import TensorEngine

/// The largest centred crop of a case that a network takes whole: every spatial extent it
/// convolves cut down to a multiple of its total downsampling (a 2D network convolves y and x
/// and reads z as the batch; a 3D one convolves all three).
struct CentreCrop {
    /// Kept extent and first kept index along (z, y, x).
    let extent: [Int]
    let start: [Int]
    let spatialRank: Int

    /// Refuses a case smaller than the network's downsampling, naming it.
    init(_ item: SegmentationCase, network: PlainConvUNet) throws {
        let rank = network.configuration.spatialRank
        let factor = network.configuration.strides.reduce([Int](repeating: 1, count: rank)) { zip($0, $1).map(*) }
        let divisors = [Int](repeating: 1, count: 3 - rank) + factor
        extent = zip(item.shape, divisors).map { $0 - $0 % $1 }
        guard extent.allSatisfy({ $0 > 0 }) else {
            throw ZooError.incompatible("case \(item.identifier) (\(item.shape)) is smaller than the network's downsampling \(factor)")
        }
        start = zip(item.shape, extent).map { ($0 - $1) / 2 }
        spatialRank = rank
    }

    /// The cropped image and label as the network's input and target: [z, channels, y, x] and
    /// [z, y, x] for a 2D network, [1, channels, z, y, x] and [1, z, y, x] for a 3D one.
    func tensors(_ item: SegmentationCase) throws -> (image: Tensor, target: Tensor) {
        let (d, h, w) = (extent[0], extent[1], extent[2]), c = item.channels
        let (sh, sw) = (item.shape[1], item.shape[2])
        var image = [Float](repeating: 0, count: c * d * h * w), target = [Float](repeating: 0, count: d * h * w)
        for z in 0..<d {
            for y in 0..<h {
                let row = ((start[0] + z) * sh + start[1] + y) * sw + start[2]
                for x in 0..<w {
                    target[(z * h + y) * w + x] = Float(item.label?[row + x] ?? 0)
                    for channel in 0..<c {
                        // A 2D network reads slices as the batch: [z, c, y, x]; a 3D one [c, z, y, x].
                        let to = spatialRank == 2 ? ((z * c + channel) * h + y) * w + x : ((channel * d + z) * h + y) * w + x
                        image[to] = item.image[channel * item.voxelCount + row + x]
                    }
                }
            }
        }
        let batch = spatialRank == 2 ? [d, c, h, w] : [1, c, d, h, w]
        let labels = spatialRank == 2 ? [d, h, w] : [1, d, h, w]
        return (try Tensor(shape: Shape(batch), values: image), try Tensor(shape: Shape(labels), values: target))
    }
}
