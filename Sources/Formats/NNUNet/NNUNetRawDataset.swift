import Foundation

/// One case of a raw dataset: its channel images (channel order) and, for training cases, its label.
public struct NNUNetCase: Equatable, Sendable {
    /// e.g. `CASE_001`.
    public var identifier: String
    /// `imagesTr/<id>_0000<ending>`, `_0001`, ...
    public var images: [URL]
    /// `labelsTr/<id><ending>`, nil for test cases.
    public var label: URL?

    /// Names a case's files.
    public init(identifier: String, images: [URL], label: URL?) {
        self.identifier = identifier
        self.images = images
        self.label = label
    }
}

/// An nnU-Net v2 raw dataset folder `DatasetNNN_Name/` with `dataset.json`, `imagesTr/`,
/// `labelsTr/` and optionally `imagesTs/`.
public struct NNUNetRawDataset: Sendable {
    /// The dataset folder.
    public var url: URL
    /// Its `dataset.json`.
    public var description: NNUNetDatasetDescription
    /// Training cases, sorted by identifier.
    public var trainingCases: [NNUNetCase]
    /// Test cases (`imagesTs/`), sorted by identifier.
    public var testCases: [NNUNetCase]

    /// Opens a dataset and checks its file layout: every case has every channel and a label, no
    /// file is missing or extra, and `numTraining` matches. All problems are reported together,
    /// each naming its case or file.
    public static func open(_ url: URL) throws -> NNUNetRawDataset {
        let description = try NNUNetDatasetDescription.read(url.appendingPathComponent("dataset.json"))
        var problems: [String] = []
        let training = try layout(url, folder: "imagesTr", labels: "labelsTr", description, &problems)
        let testFolder = url.appendingPathComponent("imagesTs")
        let test = FileManager.default.fileExists(atPath: testFolder.path)
            ? try layout(url, folder: "imagesTs", labels: nil, description, &problems) : []
        if training.count != description.trainingCaseCount {
            problems.append("dataset.json says numTraining \(description.trainingCaseCount) but imagesTr holds \(training.count) cases")
        }
        try report(problems, url)
        return NNUNetRawDataset(url: url, description: description, trainingCases: training, testCases: test)
    }

    /// Checks every case's contents: channels and label share shape and affine, and label voxels
    /// hold only the labels of `dataset.json`. All problems are reported together, each naming its case.
    public func validate() throws {
        var problems: [String] = []
        let allowed = Set(description.labels.map { Float($0.value) })
        for item in trainingCases + testCases {
            do {
                let headers = try item.images.map(NIfTIReader.readHeader)
                for (channel, header) in headers.enumerated().dropFirst() {
                    problems += geometryProblems(header, headers[0], "case \(item.identifier): channel \(channel)", "channel 0")
                }
                guard let labelURL = item.label else { continue }
                let label = try NIfTIReader.read(labelURL)
                problems += geometryProblems(label.header, headers[0], "case \(item.identifier): label", "image")
                let unexpected = Set(label.values).subtracting(allowed).sorted()
                if !unexpected.isEmpty {
                    problems.append("case \(item.identifier): label holds values \(unexpected.prefix(5)) that dataset.json "
                        + "does not declare (labels are \(allowed.sorted().map { Int($0) }))")
                }
            } catch {
                problems.append("case \(item.identifier): \(error)")
            }
        }
        try NNUNetRawDataset.report(problems, url)
    }

    private func geometryProblems(_ header: NIfTIHeader, _ reference: NIfTIHeader, _ subject: String,
                                  _ referenceName: String) -> [String] {
        var problems: [String] = []
        if header.dims != reference.dims {
            problems.append("\(subject) has shape \(header.dims) but \(referenceName) has \(reference.dims)")
        }
        let difference = header.affine.maximumDifference(from: reference.affine)
        if difference > 1e-4 {
            problems.append("\(subject) affine differs from \(referenceName)'s by up to \(difference)")
        }
        return problems
    }

    private static func layout(_ root: URL, folder: String, labels: String?, _ description: NNUNetDatasetDescription,
                               _ problems: inout [String]) throws -> [NNUNetCase] {
        let ending = description.fileEnding
        let channelCount = description.channelNames.count
        var channels: [String: Set<Int>] = [:]
        for name in try listing(root.appendingPathComponent(folder)) {
            guard name.hasSuffix(ending), name.count > ending.count + 5 else {
                problems.append("\(folder)/\(name): unexpected file (images are named CASE_XXXX\(ending))")
                continue
            }
            let stem = name.dropLast(ending.count)
            let suffix = stem.suffix(5)
            guard suffix.first == "_", let channel = Int(suffix.dropFirst()), suffix.dropFirst().allSatisfy(\.isNumber) else {
                problems.append("\(folder)/\(name): unexpected file (no _XXXX channel suffix)")
                continue
            }
            let identifier = String(stem.dropLast(5))
            guard channel < channelCount else {
                problems.append("case \(identifier): \(folder)/\(name) is channel \(channel) but dataset.json declares "
                    + "\(channelCount) channel(s)")
                continue
            }
            channels[identifier, default: []].insert(channel)
        }
        var labelFiles = Set<String>()
        if let labels {
            for name in try listing(root.appendingPathComponent(labels)) {
                guard name.hasSuffix(ending) else {
                    problems.append("\(labels)/\(name): unexpected file (labels are named CASE\(ending))")
                    continue
                }
                labelFiles.insert(String(name.dropLast(ending.count)))
            }
            for orphan in labelFiles.subtracting(channels.keys).sorted() {
                problems.append("case \(orphan): \(labels)/\(orphan)\(ending) has no images in \(folder)")
            }
        }
        return channels.keys.sorted().map { identifier in
            let present = channels[identifier]!
            for missing in (0..<channelCount).filter({ !present.contains($0) }) {
                problems.append("case \(identifier): missing \(folder)/\(identifier)_\(channelSuffix(missing))\(ending)")
            }
            if let labels, !labelFiles.contains(identifier) {
                problems.append("case \(identifier): missing \(labels)/\(identifier)\(ending)")
            }
            let images = (0..<channelCount).map {
                root.appendingPathComponent(folder).appendingPathComponent("\(identifier)_\(channelSuffix($0))\(ending)")
            }
            let label = labels.map { root.appendingPathComponent($0).appendingPathComponent(identifier + ending) }
            return NNUNetCase(identifier: identifier, images: images, label: label)
        }
    }

    private static func listing(_ folder: URL) throws -> [String] {
        do {
            return try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { !$0.hasPrefix(".") }.sorted()
        } catch {
            throw FormatError(.invalidDataset, "the folder is missing or unreadable", path: folder.path)
        }
    }

    static func channelSuffix(_ channel: Int) -> String {
        let digits = String(channel)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    private static func report(_ problems: [String], _ url: URL) throws {
        guard !problems.isEmpty else { return }
        throw FormatError(.invalidDataset, "invalid nnU-Net dataset:\n  " + problems.joined(separator: "\n  "), path: url.path)
    }
}

extension NNUNetRawDataset {
    /// A case to write: one volume per channel and, for training cases, a label volume.
    public struct CaseVolumes {
        /// The case identifier.
        public var identifier: String
        /// Channel volumes, written as float32.
        public var channels: [NIfTIVolume]
        /// The label volume, written as uint8.
        public var label: NIfTIVolume?

        /// Groups a case's volumes.
        public init(identifier: String, channels: [NIfTIVolume], label: NIfTIVolume?) {
            self.identifier = identifier
            self.channels = channels
            self.label = label
        }
    }

    /// Writes a raw dataset folder: `dataset.json`, `imagesTr/`, `labelsTr/` and (when `test` is
    /// not empty) `imagesTs/`, then reopens it to check the layout.
    @discardableResult
    public static func write(to url: URL, description: NNUNetDatasetDescription, training: [CaseVolumes],
                             test: [CaseVolumes] = []) throws -> NNUNetRawDataset {
        let folders = ["imagesTr", "labelsTr"] + (test.isEmpty ? [] : ["imagesTs"])
        for folder in folders {
            do {
                try FileManager.default.createDirectory(at: url.appendingPathComponent(folder), withIntermediateDirectories: true)
            } catch {
                throw FormatError(.io, "cannot create the folder: \(error.localizedDescription)", path: url.path)
            }
        }
        try JSONFile.write(.object(description.json), to: url.appendingPathComponent("dataset.json"))
        for (folder, cases) in [("imagesTr", training), ("imagesTs", test)] {
            for item in cases {
                for (channel, volume) in item.channels.enumerated() {
                    let name = "\(item.identifier)_\(channelSuffix(channel))\(description.fileEnding)"
                    try NIfTIWriter.write(volume, to: url.appendingPathComponent(folder).appendingPathComponent(name))
                }
                if folder == "imagesTr", let label = item.label {
                    let name = item.identifier + description.fileEnding
                    try NIfTIWriter.write(label, to: url.appendingPathComponent("labelsTr").appendingPathComponent(name), as: .uint8)
                }
            }
        }
        return try open(url)
    }
}
