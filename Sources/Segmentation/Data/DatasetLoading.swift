import Foundation
import Formats

extension SegmentationCase {
    /// Reads one case of an nnU-Net raw dataset: every channel and the label, checked to share
    /// one 3D grid and affine, the label to hold only the dataset's classes and some
    /// foreground. The grid is (z, y, x), NIfTI's axes reversed, as nnU-Net reads it. With
    /// `reorient`, volumes are first brought to the closest canonical (RAS+) orientation, so
    /// z is the inferior–superior axis and 2D slices are axial. An empty label is refused unless
    /// `allowEmptyLabel` (tasks such as lesions, where a case may lack the structure).
    public static func load(_ item: NNUNetCase, classes: Int, reorient: Bool = false,
                            allowEmptyLabel: Bool = false) throws -> SegmentationCase {
        let name = item.identifier
        var channels = try item.images.map { url -> NIfTIVolume in
            do { return try NIfTIReader.read(url) } catch { throw SegmentationDataError.invalidCase(name, "\(url.lastPathComponent): \(error)") }
        }
        guard let original = channels.first else { throw SegmentationDataError.invalidCase(name, "no image channels") }
        _ = try spatialGrid(original, name: name, what: "image")
        let orientation = reorient ? Reorientation(affine: original.affine) : nil
        if let orientation { channels = try channels.map { try orientation.apply($0) } }
        let first = channels[0]
        let grid = try spatialGrid(first, name: name, what: "image")
        for (index, channel) in channels.enumerated().dropFirst() where channel.dims != first.dims {
            throw SegmentationDataError.invalidCase(name, "channel \(index) has shape \(channel.dims), channel 0 has \(first.dims)")
        }
        var label: [UInt8]?
        if let url = item.label {
            var volume: NIfTIVolume
            do { volume = try NIfTIReader.read(url) } catch { throw SegmentationDataError.invalidCase(name, "\(url.lastPathComponent): \(error)") }
            guard volume.dims == original.dims else {
                throw SegmentationDataError.invalidCase(name, "label shape \(volume.dims) differs from image shape \(original.dims)")
            }
            if let orientation { volume = try orientation.apply(volume) }
            guard try spatialGrid(volume, name: name, what: "label") == grid else {
                throw SegmentationDataError.invalidCase(name, "label shape \(volume.dims) differs from image shape \(first.dims)")
            }
            let difference = volume.affine.maximumDifference(from: first.affine)
            guard difference <= 1e-3 else {
                throw SegmentationDataError.invalidCase(name, "label geometry differs from the image's (affines differ by up to \(difference))")
            }
            var values = [UInt8](repeating: 0, count: volume.values.count)
            for (i, value) in volume.values.enumerated() {
                guard value >= 0, value < Float(classes), value == value.rounded() else {
                    throw SegmentationDataError.invalidCase(name, "label voxel \(i) is \(value), not a class in 0..<\(classes)")
                }
                values[i] = UInt8(value)
            }
            guard allowEmptyLabel || values.contains(where: { $0 > 0 }) else {
                throw SegmentationDataError.invalidCase(name, "label is empty (no foreground voxel); "
                    + "allow empty labels for tasks where a case may lack the structure, such as lesions")
            }
            label = values
        }
        return try SegmentationCase(identifier: name, image: channels.flatMap(\.values), label: label, channels: channels.count,
                                    shape: grid, spacing: spatialSpacing(first))
    }

    /// The voxel size along (z, y, x), 1 mm for axes the volume lacks.
    static func spatialSpacing(_ volume: NIfTIVolume) -> [Double] {
        Array((volume.spacing + [1, 1, 1]).prefix(3).reversed())
    }

    /// The (z, y, x) grid of a volume, refusing 4D data.
    static func spatialGrid(_ volume: NIfTIVolume, name: String, what: String) throws -> [Int] {
        guard volume.dims.count <= 3 || volume.dims.dropFirst(3).allSatisfy({ $0 == 1 }) else {
            throw SegmentationDataError.invalidCase(name, "\(what) is \(volume.dims.count)D \(volume.dims); a 3D volume is expected")
        }
        let dims = Array(volume.dims.prefix(3)) + [Int](repeating: 1, count: max(0, 3 - volume.dims.count))
        return Array(dims.reversed())
    }
}

/// Opens a raw dataset for training: `url` is a `DatasetNNN_Name` folder, or a folder holding
/// several, one per task, chosen by `task` (matched against the end of the folder name).
public func openTrainingDataset(_ url: URL, task: String?) throws -> NNUNetRawDataset {
    if FileManager.default.fileExists(atPath: url.appendingPathComponent("dataset.json").path) {
        return try NNUNetRawDataset.open(url)
    }
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
    let datasets = entries.filter { $0.hasPrefix("Dataset") }.sorted()
    guard let task else {
        throw SegmentationDataError.invalidCase(url.lastPathComponent, "no dataset.json here; name a task among \(datasets)")
    }
    guard let match = datasets.first(where: { $0.lowercased().hasSuffix(task.lowercased()) }) else {
        throw SegmentationDataError.invalidCase(url.lastPathComponent, "no dataset for task \(task) among \(datasets)")
    }
    return try NNUNetRawDataset.open(url.appendingPathComponent(match))
}
