import Foundation
import Formats
import Segmentation

/// The report's pictures for one task: a test image with the reference outline and the
/// prediction of the unseen initialisation, of the network generated from it, and of the best
/// zoo checkpoint, written as PNGs into the report folder.
enum OverlayFigures {
    static func write(_ context: TaskContext, generated: [Float], folder: URL) throws -> [Overlay] {
        let networks: [(name: String, caption: String, values: [Float])] = [
            ("initialisation", "unseen initialisation (seed \(context.unseenSeeds[0]))", context.unseenStarts[0]),
            ("generated", "generated in one step from that initialisation", generated),
            ("best", "best zoo checkpoint (run \(context.best.run.runIndex), iteration \(context.best.record.iteration))", context.best.values),
        ]
        let subfolder = folder.appendingPathComponent("overlays")
        try FileManager.default.createDirectory(at: subfolder, withIntermediateDirectories: true)
        var overlays: [Overlay] = []
        var chosen: String?
        for network in networks {
            let predictions = try context.evaluator.testPredictions(try context.generator.network(from: network.values))
            // The same test case for every network: the first one with foreground in its reference.
            let index = predictions.firstIndex { chosen == nil ? ($0.item.foregroundCount > 0) : $0.item.identifier == chosen } ?? 0
            let (item, prediction) = predictions[index]
            chosen = item.identifier
            let reference = item.label ?? [UInt8](repeating: 0, count: prediction.count)
            // Volumes: the slice (along the first axis, as 2D networks see them) with the most reference foreground.
            let (height, width) = (item.shape[item.shape.count - 2], item.shape[item.shape.count - 1])
            let plane = height * width, slices = prediction.count / plane
            let foreground = (0..<slices).map { s in reference[(s * plane)..<((s + 1) * plane)].reduce(0) { $0 + ($1 > 0 ? 1 : 0) } }
            let slice = foreground.indices.max { foreground[$0] < foreground[$1] } ?? 0
            let window = (slice * plane)..<((slice + 1) * plane)
            let picture = try SegmentationOverlay.render(image: Array(item.image[window]), truth: Array(reference[window]),
                                                         prediction: Array(prediction[window]), width: width, height: height, scale: 4)
            let file = "overlays/\(context.task)-\(network.name).png"
            try AtomicWrite.write(try PNGEncoder.encode(picture), to: folder.appendingPathComponent(file))
            let counts = OverlapCounts(prediction: prediction, reference: reference, label: 1)
            let place = slices > 1 ? " slice \(slice)" : ""
            overlays.append(Overlay(file: file, caption: "\(context.task), test case \(item.identifier)\(place): \(network.caption); "
                                        + "green = reference, magenta = prediction, yellow = both", dice: counts.dice))
        }
        return overlays
    }
}
