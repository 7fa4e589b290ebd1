import Formats
import Foundation
import Segmentation
import XCTest

/// The spinal-cord phantom: reproducibility, anatomy sanity (lesion ⊂ cord ⊂ canal, plausible
/// sizes), contrast, noise, and the nnU-Net datasets it writes.
final class PhantomTests: XCTestCase {
    private func phantom(seed: UInt64 = 11, contrast: PhantomContrastMode = .mixed,
                         difficulty: PhantomDifficulty = .default) throws -> SpinalCordPhantom {
        try SpinalCordPhantom(configuration: PhantomConfiguration(seed: seed, contrast: contrast, difficulty: difficulty))
    }

    private func foregroundCount(_ mask: [UInt8]) -> Int { mask.reduce(0) { $0 + Int($1) } }

    func testCaseDependsOnlyOnSeedAndIndex() throws {
        let generator = try phantom()
        let batch = generator.makeCases(0..<6)
        XCTAssertEqual(batch[4], generator.makeCase(index: 4), "case 4 is the same alone and in a batch")
        XCTAssertEqual(try phantom().makeCase(index: 4), batch[4], "a new phantom with the same seed repeats it")
        XCTAssertNotEqual(batch[3].image, batch[4].image)
        XCTAssertNotEqual(try phantom(seed: 12).makeCase(index: 4).image, batch[4].image, "another seed differs")
    }

    func testMasksAreNestedAndSizesArePlausible() throws {
        let cases = try phantom().makeCases(0..<60)
        var casesWithVisibleLesion = 0
        for item in cases {
            let cord = item.label(.cord), canal = item.label(.canal), lesion = item.label(.lesion)
            XCTAssertEqual(item.image.count, 64 * 64)
            XCTAssertTrue(item.image.allSatisfy { $0.isFinite && $0 >= 0 }, "case \(item.index): intensities finite")
            for voxel in cord.indices {
                XCTAssertLessThanOrEqual(lesion[voxel], cord[voxel], "case \(item.index): lesion ⊂ cord")
                XCTAssertLessThanOrEqual(cord[voxel], canal[voxel], "case \(item.index): cord ⊂ canal")
            }
            XCTAssertTrue(([cord, canal, lesion].joined()).allSatisfy { $0 <= 1 }, "masks are binary")
            let cordRadius = (Double(foregroundCount(cord)) / Double.pi).squareRoot()
            XCTAssertTrue((2.5...10).contains(cordRadius), "case \(item.index): cord radius \(cordRadius) voxels")
            let canalToCord = Double(foregroundCount(canal)) / Double(foregroundCount(cord))
            XCTAssertTrue((1.05...6).contains(canalToCord), "case \(item.index): canal/cord area \(canalToCord)")
            XCTAssertTrue((0.5...0.94).contains(item.spacing[0]), "case \(item.index): spacing \(item.spacing)")
            if !item.hasLesions { XCTAssertEqual(foregroundCount(lesion), 0, "case \(item.index): no lesions placed") }
            if foregroundCount(lesion) > 0 { casesWithVisibleLesion += 1 }
        }
        XCTAssertTrue((40...56).contains(casesWithVisibleLesion), "\(casesWithVisibleLesion) of 60 cases show lesions")
        let t1Count = cases.filter { $0.contrast == .t1 }.count
        XCTAssertTrue((8...32).contains(t1Count), "\(t1Count) of 60 mixed cases are T1-like")
    }

    /// Mean intensity of `image` over the voxels where `mask` holds.
    private func mean(_ image: [Float], where mask: [Bool]) -> Double {
        let values = zip(image, mask).filter(\.1).map { Double($0.0) }
        return values.reduce(0, +) / Double(values.count)
    }

    func testCSFIsBrightOnT2AndDarkOnT1() throws {
        for contrast in [PhantomContrastMode.t1, .t2] {
            for item in try phantom(contrast: contrast).makeCases(0..<10) {
                let cord = item.label(.cord), canal = item.label(.canal), lesion = item.label(.lesion)
                let cordInterior = mean(item.image, where: zip(cord, lesion).map { $0 == 1 && $1 == 0 })
                let csf = mean(item.image, where: zip(canal, cord).map { $0 == 1 && $1 == 0 })
                XCTAssertEqual(item.contrast.rawValue, contrast.rawValue)
                if contrast == .t2 {
                    XCTAssertGreaterThan(csf, 1.2 * cordInterior, "case \(item.index): T2 CSF brighter than cord")
                } else {
                    XCTAssertLessThan(csf, cordInterior, "case \(item.index): T1 CSF darker than cord")
                }
            }
        }
    }

    /// Intensity spread inside the cord (noise, texture and bias) relative to its mean.
    private func cordCoefficientOfVariation(_ item: PhantomCase) -> Double {
        let width = item.width
        let cord = item.label(.cord), lesion = item.label(.lesion)
        // Cord voxels whose 8 neighbours are cord too (no partial volume), away from lesions.
        let interior = cord.indices.map { voxel -> Bool in
            let row = voxel / width, column = voxel % width
            guard row > 0, row < item.height - 1, column > 0, column < width - 1, lesion[voxel] == 0 else { return false }
            return (-1...1).allSatisfy { dy in (-1...1).allSatisfy { dx in cord[voxel + dy * width + dx] == 1 } }
        }
        let values = zip(item.image, interior).filter(\.1).map { Double($0.0) }
        let average = values.reduce(0, +) / Double(values.count)
        let variance = values.map { ($0 - average) * ($0 - average) }.reduce(0, +) / Double(values.count)
        return variance.squareRoot() / average
    }

    func testDefaultIsNoisyAndNoiseKnobWorks() throws {
        // Without lesions, whose partial-volume edges would add to the spread.
        let noisy = try phantom(contrast: .t2, difficulty: PhantomDifficulty(lesionCaseFraction: 0))
            .makeCases(0..<12).map(cordCoefficientOfVariation)
        let clean = try phantom(contrast: .t2, difficulty: PhantomDifficulty(signalToNoise: 1000, blurSigma: 0,
                                                                              lesionCaseFraction: 0, biasFieldStrength: 0))
            .makeCases(0..<12).map(cordCoefficientOfVariation)
        let noisyMedian = noisy.sorted()[noisy.count / 2], cleanMedian = clean.sorted()[clean.count / 2]
        // Cord SNR 7–14 at the default plus 4 % texture: a spread of 7–20 % of the mean.
        XCTAssertTrue((0.07...0.2).contains(noisyMedian), "default cord spread \(noisyMedian)")
        XCTAssertLessThan(cleanMedian, 0.6 * noisyMedian, "without noise the cord is smoother: \(cleanMedian)")
    }

    func testKnobsOutOfRangeAreRefused() {
        XCTAssertThrowsError(try phantom(difficulty: PhantomDifficulty(signalToNoise: -1))) { error in
            XCTAssertTrue("\(error)".contains("signalToNoise"), "\(error)")
        }
        XCTAssertThrowsError(try SpinalCordPhantom(configuration: PhantomConfiguration(seed: 0, size: 4)))
        XCTAssertThrowsError(try PhantomDatasetWriter.write(try phantom(), caseCount: 0, to: temporaryFolder()))
    }

    private func temporaryFolder() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("phantom-tests-\(UUID().uuidString)")
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    func testWrittenDatasetsAreValidNNUNetDatasets() throws {
        let generator = try phantom()
        let folder = temporaryFolder()
        let written = try PhantomDatasetWriter.write(generator, caseCount: 5, to: folder)
        let expected = generator.makeCase(index: 3)
        for task in PhantomTask.allCases {
            XCTAssertEqual(written[task]?.lastPathComponent, task.datasetName)
            let dataset = try NNUNetRawDataset.open(folder.appendingPathComponent(task.datasetName))
            try dataset.validate()
            XCTAssertEqual(dataset.description.channelNames, ["MRI"])
            XCTAssertEqual(dataset.description.labels.map(\.name), ["background", task.rawValue])
            XCTAssertEqual(dataset.description.trainingCaseCount, 5)
            XCTAssertEqual(dataset.trainingCases.map(\.identifier), ["CASE_0000", "CASE_0001", "CASE_0002", "CASE_0003", "CASE_0004"])
            let image = try NIfTIReader.read(dataset.trainingCases[3].images[0])
            let label = try NIfTIReader.read(try XCTUnwrap(dataset.trainingCases[3].label))
            XCTAssertEqual(image.dims, [64, 64, 1])
            XCTAssertEqual(image.spacing[0], expected.spacing[0], accuracy: 1e-6)
            XCTAssertEqual(image.values, expected.image)
            XCTAssertEqual(label.datatype, .uint8)
            XCTAssertEqual(label.values, expected.label(task).map(Float.init))
        }
        XCTAssertEqual(PhantomTask.allCases.map(\.datasetName),
                       ["Dataset101_PhantomCord", "Dataset102_PhantomCanal", "Dataset103_PhantomLesion"])
    }

    func testSameSeedWritesIdenticalFiles() throws {
        let first = temporaryFolder(), second = temporaryFolder()
        try PhantomDatasetWriter.write(try phantom(), caseCount: 2, to: first, tasks: [.lesion])
        try PhantomDatasetWriter.write(try phantom(), caseCount: 2, to: second, tasks: [.lesion])
        for path in ["dataset.json", "imagesTr/CASE_0001_0000.nii.gz", "labelsTr/CASE_0001.nii.gz"] {
            let relative = "\(PhantomTask.lesion.datasetName)/\(path)"
            XCTAssertEqual(try Data(contentsOf: first.appendingPathComponent(relative)),
                           try Data(contentsOf: second.appendingPathComponent(relative)), relative)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: first.appendingPathComponent(PhantomTask.cord.datasetName).path))
    }
}
