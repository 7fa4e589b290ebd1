import Foundation
import Formats
import Segmentation
import XCTest

/// Bad cases are refused with an error that names the case and the problem.
final class DatasetLoadingTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("weightgen-loading-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    private func write(_ name: String, dims: [Int], values: [Float], spacing: [Double] = [1, 1, 1]) throws -> URL {
        let url = folder.appendingPathComponent(name)
        try NIfTIWriter.write(try NIfTIVolume(dims: dims, affine: .scaling(spacing), values: values), to: url)
        return url
    }

    private func assertRefused(_ image: URL, _ label: URL, mentions text: String, file: StaticString = #filePath, line: UInt = #line) {
        let item = NNUNetCase(identifier: "CASE_042", images: [image], label: label)
        XCTAssertThrowsError(try SegmentationCase.load(item, classes: 2), file: file, line: line) { error in
            let message = String(describing: error)
            XCTAssertTrue(message.contains("CASE_042") && message.contains(text), message, file: file, line: line)
        }
    }

    func testGoodCaseLoadsInZYXOrder() throws {
        let image = try write("img.nii.gz", dims: [3, 2, 1], values: [1, 2, 3, 4, 5, 6], spacing: [0.5, 0.7, 2])
        let label = try write("lbl.nii.gz", dims: [3, 2, 1], values: [0, 1, 0, 0, 1, 1], spacing: [0.5, 0.7, 2])
        let loaded = try SegmentationCase.load(NNUNetCase(identifier: "CASE_001", images: [image], label: label), classes: 2)
        XCTAssertEqual(loaded.shape, [1, 2, 3])
        XCTAssertEqual(loaded.spacing[1], 0.7, accuracy: 1e-6, "pixdim is stored as float32")
        XCTAssertEqual([loaded.spacing[0], loaded.spacing[2]], [2, 0.5])
        XCTAssertEqual(loaded.label, [0, 1, 0, 0, 1, 1])
    }

    func testShapeMismatch() throws {
        assertRefused(try write("a.nii.gz", dims: [2, 2, 1], values: [1, 2, 3, 4]),
                      try write("b.nii.gz", dims: [4, 1, 1], values: [0, 1, 0, 0]), mentions: "shape")
    }

    func testGeometryMismatch() throws {
        assertRefused(try write("a.nii.gz", dims: [2, 2, 1], values: [1, 2, 3, 4]),
                      try write("b.nii.gz", dims: [2, 2, 1], values: [0, 1, 0, 0], spacing: [2, 2, 2]), mentions: "geometry")
    }

    func testEmptyLabel() throws {
        assertRefused(try write("a.nii.gz", dims: [2, 2, 1], values: [1, 2, 3, 4]),
                      try write("b.nii.gz", dims: [2, 2, 1], values: [0, 0, 0, 0]), mentions: "empty")
    }

    func testNaNVoxel() throws {
        assertRefused(try write("a.nii.gz", dims: [2, 2, 1], values: [1, .nan, 3, 4]),
                      try write("b.nii.gz", dims: [2, 2, 1], values: [0, 1, 0, 0]), mentions: "NaN")
    }

    func testFourDimensionalImage() throws {
        assertRefused(try write("a.nii.gz", dims: [2, 2, 1, 2], values: [1, 2, 3, 4, 5, 6, 7, 8]),
                      try write("b.nii.gz", dims: [2, 2, 1], values: [0, 1, 0, 0]), mentions: "4D")
    }

    func testLabelOutsideClasses() throws {
        assertRefused(try write("a.nii.gz", dims: [2, 2, 1], values: [1, 2, 3, 4]),
                      try write("b.nii.gz", dims: [2, 2, 1], values: [0, 3, 0, 0]), mentions: "not a class")
    }

    func testReorientationKeepsWorldPositionsAndRestores() throws {
        // Voxel axis 0 runs along −y, axis 1 along +z, axis 2 along +x (as sct_testing_data's t2).
        let affine = Affine(rows: [[0, 0, 1, -3], [-1, 0, 0, 5], [0, 2, 0, 7], [0, 0, 0, 1]])
        let values = (0..<24).map(Float.init)
        let volume = try NIfTIVolume(dims: [2, 3, 4], affine: affine, values: values)
        let orientation = Reorientation(affine: affine)
        let canonical = try orientation.apply(volume)
        XCTAssertEqual(canonical.dims, [4, 2, 3])
        func world(_ a: Affine, _ i: Int, _ j: Int, _ k: Int) -> [Double] {
            (0..<3).map { a.rows[$0][0] * Double(i) + a.rows[$0][1] * Double(j) + a.rows[$0][2] * Double(k) + a.rows[$0][3] }
        }
        for k in 0..<3 { for j in 0..<2 { for i in 0..<4 {
            let value = canonical.values[i + 4 * (j + 2 * k)]
            let old = Int(value), oi = old % 2, oj = (old / 2) % 3, ok = old / 6
            XCTAssertEqual(world(canonical.affine, i, j, k), world(affine, oi, oj, ok), "voxel keeps its world position")
        } } }
        for row in 0..<3 { XCTAssertGreaterThan(canonical.affine.rows[row][row], 0, "diagonal, positive") }
        XCTAssertEqual(orientation.restore(canonical.values, originalDims: [2, 3, 4]), values)
    }
}
