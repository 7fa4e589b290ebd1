import Formats
import Foundation

extension PhantomCase {
    /// The nnU-Net case identifier, e.g. `CASE_0007`.
    public var identifier: String {
        let digits = String(index)
        return "CASE_" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// The image as a float32 NIfTI volume of shape [width, height, 1] (x fastest) with the case's
    /// spacing, `sliceThickness` and the origin at the image centre.
    public func imageVolume() throws -> NIfTIVolume {
        try volume(image)
    }

    /// The mask of `task` as a NIfTI volume with the image's geometry (written as uint8).
    public func labelVolume(_ task: PhantomTask) throws -> NIfTIVolume {
        try volume(label(task).map(Float.init))
    }

    private func volume(_ values: [Float]) throws -> NIfTIVolume {
        let origin = [-Double(width) * spacing[0] / 2, -Double(height) * spacing[1] / 2, 0]
        return try NIfTIVolume(dims: [width, height, 1],
                               affine: .scaling(spacing + [PhantomCase.sliceThickness], origin: origin), values: values)
    }
}

/// Writes the phantom as nnU-Net v2 raw datasets, one per task, sharing the same images:
/// `DIR/Dataset101_PhantomCord`, `DIR/Dataset102_PhantomCanal`, `DIR/Dataset103_PhantomLesion`.
public enum PhantomDatasetWriter {
    /// Generates cases `0..<caseCount` and writes one dataset per task under `directory`
    /// (`dataset.json`, `imagesTr/CASE_XXXX_0000.nii.gz`, `labelsTr/CASE_XXXX.nii.gz`).
    /// `dataset.json` also records the phantom's configuration under `weightgen_phantom`.
    /// All cases are held in memory while writing (about 30 KB each at 64×64).
    /// Returns each task's dataset folder, checked by `NNUNetRawDataset.open`.
    @discardableResult
    public static func write(_ phantom: SpinalCordPhantom, caseCount: Int, to directory: URL,
                             tasks: [PhantomTask] = PhantomTask.allCases) throws -> [PhantomTask: URL] {
        guard caseCount >= 1 else { throw PhantomError.invalidParameter("cases is \(caseCount); at least 1 is needed") }
        let cases = phantom.makeCases(0..<caseCount)
        let images = try cases.map { try $0.imageVolume() }
        var folders: [PhantomTask: URL] = [:]
        for task in tasks {
            let folder = directory.appendingPathComponent(task.datasetName)
            let volumes = try zip(cases, images).map { item, image in
                NNUNetRawDataset.CaseVolumes(identifier: item.identifier, channels: [image], label: try item.labelVolume(task))
            }
            try NNUNetRawDataset.write(to: folder, description: try description(phantom.configuration, task: task,
                                                                                 caseCount: caseCount),
                                       training: volumes)
            folders[task] = folder
        }
        return folders
    }

    /// `dataset.json` for one task, with the phantom's provenance.
    static func description(_ configuration: PhantomConfiguration, task: PhantomTask,
                            caseCount: Int) throws -> NNUNetDatasetDescription {
        var description = try NNUNetDatasetDescription(channelNames: [configuration.contrast.channelName],
                                                       labels: ["background", task.rawValue], trainingCaseCount: caseCount)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let difficulty = try JSONValue(parsing: Array(try encoder.encode(configuration.difficulty)))
        // JSON integers here are signed 64-bit; larger seeds are recorded as decimal strings.
        let seed: JSONValue = Int(exactly: configuration.seed).map { .int($0) } ?? .string(String(configuration.seed))
        description.json["name"] = .string(task.datasetTitle)
        description.json["description"] = .string("weightgen spinal-cord phantom, \(task.rawValue) task")
        description.json["weightgen_phantom"] = .object(JSONObject([
            ("seed", seed), ("size", .int(configuration.size)), ("contrast", .string(configuration.contrast.rawValue)),
            ("difficulty", difficulty),
        ]))
        return description
    }
}
