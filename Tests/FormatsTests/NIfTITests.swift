import Formats
import Foundation
import TestSupport
import XCTest

/// Reads every volume of ../shared/data/sct_testing_data and round-trips NIfTI writes.
final class NIfTITests: XCTestCase {
    struct ExpectedVolume {
        let path: String
        let dims: [Int]
        let datatype: NIfTIDatatype
        let foreground: Int
        let sum: Double
        /// The first three rows of nibabel's affine, row-major.
        let affine: [Double]
    }

    /// Values from nibabel 5 (`img.shape`, `header.get_data_dtype()`, `get_fdata()`, `img.affine`).
    static let volumes: [ExpectedVolume] = [
        ExpectedVolume(path: "mt/label/template/PAM50_cord.nii.gz", dims: [40, 40, 5], datatype: .float64, foreground: 217, sum: 217.0,
                       affine: [-0.8433794379234314, -7.216049624503285e-08, -0.5037564039230347, 10.726137161254883, -0.001874238601885736, 0.8413762450218201, 1.2737404108047485, -17.24128532409668, -0.024932267144322395, -0.06324651092290878, 16.944726943969727, -25.065204620361328]),
        ExpectedVolume(path: "mt/label/template/PAM50_csf.nii.gz", dims: [40, 40, 5], datatype: .float64, foreground: 327, sum: 327.0,
                       affine: [-0.8433794379234314, -7.216049624503285e-08, -0.5037564039230347, 10.726137161254883, -0.001874238601885736, 0.8413762450218201, 1.2737404108047485, -17.24128532409668, -0.024932267144322395, -0.06324651092290878, 16.944726943969727, -25.065204620361328]),
        ExpectedVolume(path: "mt/mt0.nii.gz", dims: [40, 40, 5], datatype: .int16, foreground: 8000, sum: 2493172.0,
                       affine: [-0.8433793783187866, 0.0, -0.5038068890571594, 10.726152420043945, -0.0018743108958005905, 0.8413761854171753, 1.273740291595459, -17.241294860839844, -0.02493477612733841, -0.06324651092290878, 16.944726943969727, -25.065404891967773]),
        ExpectedVolume(path: "mt/mt0_seg.nii.gz", dims: [40, 40, 5], datatype: .uint8, foreground: 502, sum: 502.0,
                       affine: [-0.8433794379234314, -7.216049624503285e-08, -0.5037564039230347, 10.726137161254883, -0.001874238601885736, 0.8413762450218201, 1.2737404108047485, -17.24128532409668, -0.024932267144322395, -0.06324651092290878, 16.944726943969727, -25.065204620361328]),
        ExpectedVolume(path: "mt/mt1.nii.gz", dims: [40, 40, 5], datatype: .int16, foreground: 8000, sum: 1950247.0,
                       affine: [-0.8433793783187866, 0.0, -0.5038068890571594, 10.726152420043945, -0.0018743108958005905, 0.8413761854171753, 1.273740291595459, -17.241294860839844, -0.02493477612733841, -0.06324651092290878, 16.944726943969727, -25.065404891967773]),
        ExpectedVolume(path: "mt/mt1_gmseg_goldstandard.nii.gz", dims: [40, 40, 5], datatype: .float32, foreground: 99, sum: 99.0,
                       affine: [-0.8433794975280762, -1.402628413416096e-07, -0.5037561058998108, 10.726137161254883, -0.0018743056571111083, 0.8413762450218201, 1.273740530014038, -17.24128532409668, -0.024932248517870903, -0.06324651837348938, 16.94472885131836, -25.065204620361328]),
        ExpectedVolume(path: "mt/mt1_seg.nii.gz", dims: [40, 40, 5], datatype: .uint8, foreground: 520, sum: 520.0,
                       affine: [-0.8433794379234314, -7.216049624503285e-08, -0.5037564039230347, 10.726137161254883, -0.001874238601885736, 0.8413762450218201, 1.2737404108047485, -17.24128532409668, -0.024932267144322395, -0.06324651092290878, 16.944726943969727, -25.065204620361328]),
        ExpectedVolume(path: "t1/t1w.nii.gz", dims: [42, 76, 77], datatype: .int16, foreground: 245779, sum: 72918166.0,
                       affine: [1.0, 0.0, 0.0, -31.219284057617188, 0.0, 1.0, 0.0, -36.21339416503906, 0.0, 0.0, 1.0, -21.321670532226562]),
        ExpectedVolume(path: "t1/t1w_seg-manual.nii.gz", dims: [42, 76, 77], datatype: .uint8, foreground: 5437, sum: 5437.0,
                       affine: [1.0, 0.0, 0.0, -31.219284057617188, 0.0, 1.0, 0.0, -36.21339416503906, 0.0, 0.0, 1.0, -21.321670532226562]),
        ExpectedVolume(path: "t2/labels.nii.gz", dims: [60, 55, 52], datatype: .int16, foreground: 2, sum: 8.0,
                       affine: [0.0, 0.0, 1.0, -32.21928405761719, -1.0, 0.0, 0.0, 31.786605834960938, 0.0, 1.0, 0.0, -19.321670532226562]),
        ExpectedVolume(path: "t2/t2.nii.gz", dims: [60, 55, 52], datatype: .int16, foreground: 168795, sum: 22473922.0,
                       affine: [0.0, 0.0, 1.0, -32.21928405761719, -1.0, 0.0, 0.0, 31.786605834960938, 0.0, 1.0, 0.0, -19.321670532226562]),
        ExpectedVolume(path: "t2/t2_fake_lesion.nii.gz", dims: [99, 99, 29], datatype: .int16, foreground: 275762, sum: 145912476.0,
                       affine: [0.0, 0.0, 0.8000011444091797, -14.000053405761719, -0.800000011920929, 3.9176001852270215e-12, 0.0, 2.9186978340148926, 3.9176001852270215e-12, 0.800000011920929, 0.0, -206.61782836914062]),
        ExpectedVolume(path: "t2/t2_fake_lesion_lesion_seg.nii.gz", dims: [99, 99, 29], datatype: .uint8, foreground: 163, sum: 163.0,
                       affine: [0.0, 0.0, 0.8000011444091797, -14.000053405761719, -0.800000011920929, 3.9176001852270215e-12, 0.0, 2.918700695037842, 3.9176001852270215e-12, 0.800000011920929, 0.0, -206.61782836914062]),
        ExpectedVolume(path: "t2/t2_fake_lesion_sc_seg.nii.gz", dims: [99, 99, 29], datatype: .uint8, foreground: 7335, sum: 7335.0,
                       affine: [0.0, 0.0, 0.8000011444091797, -14.000053405761719, -0.800000011920929, 3.9176001852270215e-12, 0.0, 2.918700695037842, 3.9176001852270215e-12, 0.800000011920929, 0.0, -206.61782836914062]),
        ExpectedVolume(path: "t2/t2_seg-manual.nii.gz", dims: [60, 55, 52], datatype: .uint8, foreground: 4275, sum: 4275.0,
                       affine: [0.0, 0.0, 1.0, -32.21928405761719, -1.0, 0.0, 0.0, 31.786605834960938, 0.0, 1.0, 0.0, -19.321670532226562]),
        ExpectedVolume(path: "t2s/t2s.nii.gz", dims: [49, 54, 9], datatype: .float32, foreground: 23814, sum: 7068263.416488647,
                       affine: [-0.4999968707561493, -8.495162262533995e-08, 0.026536772027611732, 9.424601554870605, -3.100670437561348e-05, 0.49992361664772034, -0.13108888268470764, -13.220688819885254, 0.0017688466468825936, 0.00873931497335434, 7.498806476593018, 2.5802221298217773]),
        ExpectedVolume(path: "t2s/t2s_gmseg_manual.nii.gz", dims: [49, 54, 9], datatype: .int16, foreground: 519, sum: 519.0,
                       affine: [-0.4999968707561493, -8.495162262533995e-08, 0.026536772027611732, 9.424601554870605, -3.100670437561348e-05, 0.49992361664772034, -0.13108888268470764, -13.220688819885254, 0.0017688466468825936, 0.00873931497335434, 7.498806476593018, 2.5802221298217773]),
        ExpectedVolume(path: "t2s/t2s_seg.nii.gz", dims: [49, 54, 9], datatype: .uint8, foreground: 2885, sum: 2885.0,
                       affine: [-0.4999968707561493, -8.495162262533995e-08, 0.026536772027611732, 9.424601554870605, -3.100670437561348e-05, 0.49992361664772034, -0.13108888268470764, -13.220688819885254, 0.0017688466468825936, 0.00873931497335434, 7.498806476593018, 2.5802221298217773]),
        ExpectedVolume(path: "t2s/t2s_uncropped.nii.gz", dims: [320, 320, 11], datatype: .uint8, foreground: 1112329, sum: 39846411.0,
                       affine: [-0.4999995231628418, -1.6535442455278826e-06, 0.01044720783829689, 76.90499114990234, 5.050466279499233e-05, 0.4985962212085724, 0.5616117119789124, -82.22578430175781, 0.0006946487119421363, -0.03744080290198326, 7.478938102722168, -12.545191764831543]),
        ExpectedVolume(path: "t2s/t2s_uncropped_gmseg_manual.nii.gz", dims: [320, 320, 11], datatype: .int16, foreground: 697, sum: 697.0,
                       affine: [-0.4999995231628418, -1.6535442455278826e-06, 0.01044720783829689, 76.90499114990234, 5.050466279499233e-05, 0.4985962212085724, 0.5616117715835571, -82.22578430175781, 0.0006946487119421363, -0.03744080290198326, 7.478938579559326, -12.54518985748291]),
    ]

    func testReadsEverySCTVolumeLikeNibabel() throws {
        let root = try SharedFixtures.url("data/sct_testing_data")
        let found = FileManager.default.enumerator(atPath: root.path)!.compactMap { $0 as? String }
            .filter { $0.hasSuffix(".nii.gz") }.sorted()
        XCTAssertEqual(found, NIfTITests.volumes.map(\.path), "every volume of the folder is in the table")
        for expected in NIfTITests.volumes {
            let volume = try NIfTIReader.read(root.appendingPathComponent(expected.path))
            XCTAssertEqual(volume.dims, expected.dims, expected.path)
            XCTAssertEqual(volume.datatype, expected.datatype, expected.path)
            XCTAssertEqual(volume.values.filter { $0 > 0 }.count, expected.foreground, expected.path)
            let sum = volume.values.reduce(0.0) { $0 + Double($1) }
            XCTAssertEqual(sum, expected.sum, accuracy: abs(expected.sum) * 1e-9, expected.path)
            let affine = Array(volume.affine.rows.prefix(3).joined())
            for (actual, wanted) in zip(affine, expected.affine) {
                XCTAssertEqual(actual, wanted, accuracy: 1e-12, expected.path)
            }
            XCTAssertEqual(volume.affine.rows[3], [0, 0, 0, 1])
        }
    }

    func testManualSpinalCordMaskHas4275ForegroundVoxels() throws {
        let volume = try NIfTIReader.read(try SharedFixtures.url("data/sct_testing_data/t2/t2_seg-manual.nii.gz"))
        XCTAssertEqual(volume.values.filter { $0 != 0 }.count, 4275)
        XCTAssertEqual(volume.header.spatialUnit, "unknown", "xyzt_units is 0 in this file, as nibabel reports")
        XCTAssertEqual(try volume.makeTensor().shape.dims, [52, 55, 60])
    }

    /// A slab keeps its voxels and their world positions, as nibabel's `img.slicer[:, :, 3:6]`
    /// of the same file (its affine, qform and voxel sum below), through a write and a read.
    func testASlabOfSlicesKeepsItsVoxelsWorldPositionsLikeNibabel() throws {
        let volume = try NIfTIReader.read(try SharedFixtures.url("data/sct_testing_data/t2s/t2s.nii.gz"))
        let slab = try NIfTIReader.read(bytes: try NIfTIWriter.encode(try volume.slices(3...5)))
        XCTAssertEqual(slab.dims, [49, 54, 3])
        let nibabelAffine = [-0.4999968707561493, -8.495162262533995e-08, 0.026536772027611732, 9.50421187095344,
                             -3.100670437561348e-05, 0.49992361664772034, -0.13108888268470764, -13.613955467939377,
                             0.0017688466468825936, 0.00873931497335434, 7.498806476593018, 25.07664155960083]
        let nibabelQform = [-0.49999687021045447, -8.495130312095213e-08, 0.02653677190291116, 9.50421142578125,
                            -3.100670429013995e-05, 0.4999236185322864, -0.13108888918550865, -13.6139554977417,
                            0.001768846611280117, 0.008739315395255902, 7.498806384869211, 25.076641082763672]
        // Millimetres, against a field of view of tens of millimetres; the header stores float32.
        for (actual, wanted) in zip(Array(slab.affine.rows.prefix(3).joined()), nibabelAffine) { XCTAssertEqual(actual, wanted, accuracy: 1e-5) }
        for (actual, wanted) in zip(Array(slab.header.qformAffine.rows.prefix(3).joined()), nibabelQform) { XCTAssertEqual(actual, wanted, accuracy: 1e-5) }
        XCTAssertEqual(slab.values.reduce(0.0) { $0 + Double($1) }, 2_359_607.8603458405, accuracy: 2_359_607.86 * 1e-9)
        let plane = 49 * 54
        XCTAssertEqual(slab.values, Array(volume.values[(3 * plane)..<(6 * plane)]))
        for (i, j, k) in [(0, 0, 0), (48, 53, 2), (20, 7, 1)] {
            let inSlab = slab.affine.rows.prefix(3).map { $0[0] * Double(i) + $0[1] * Double(j) + $0[2] * Double(k) + $0[3] }
            let inVolume = volume.affine.rows.prefix(3).map { $0[0] * Double(i) + $0[1] * Double(j) + $0[2] * Double(k + 3) + $0[3] }
            for (a, b) in zip(inSlab, inVolume) { XCTAssertEqual(a, b, accuracy: 1e-4, "voxel (\(i), \(j), \(k))") }
        }
        XCTAssertThrowsError(try volume.slices(7...9)) { error in
            XCTAssertTrue("\(error)".contains("slices 7-9 lie outside the 9 slices"), "\(error)")
        }
        XCTAssertThrowsError(try volume.slices(-1...2))
        let flat = try NIfTIVolume(dims: [4, 5], affine: .identity, values: [Float](repeating: 0, count: 20))
        XCTAssertThrowsError(try flat.slices(0...0)) { error in XCTAssertTrue("\(error)".contains("three spatial axes"), "\(error)") }
    }

    func testRoundTripsFloatAndMaskVolumesExactly() throws {
        let folder = try temporaryFolder()
        let image = try NIfTIReader.read(try SharedFixtures.url("data/sct_testing_data/t2s/t2s.nii.gz"))
        let mask = try NIfTIReader.read(try SharedFixtures.url("data/sct_testing_data/t2/t2_seg-manual.nii.gz"))
        for name in ["image.nii", "image.nii.gz"] {
            let url = folder.appendingPathComponent(name)
            try NIfTIWriter.write(image, to: url)
            let back = try NIfTIReader.read(url)
            XCTAssertEqual(back.values, image.values, name)
            XCTAssertEqual(back.affine, image.affine, name)
            XCTAssertEqual(back.dims, image.dims, name)
            XCTAssertEqual(back.spacing, image.spacing, name)
            XCTAssertEqual(back.datatype, .float32)
        }
        let maskURL = folder.appendingPathComponent("mask.nii.gz")
        try NIfTIWriter.write(mask, to: maskURL, as: .uint8)
        let maskBack = try NIfTIReader.read(maskURL)
        XCTAssertEqual(maskBack.values, mask.values)
        XCTAssertEqual(maskBack.affine, mask.affine)
        XCTAssertEqual(maskBack.datatype, .uint8)
    }

    func testNewVolumeStoresAffineAsSformAndQform() throws {
        let affine = Affine(rows: [[0, 0, 1.5, -10], [-0.75, 0, 0, 20], [0, 0.75, 0, -5], [0, 0, 0, 1]])
        let volume = try NIfTIVolume(dims: [2, 3, 4], affine: affine, values: (0..<24).map(Float.init))
        let decoded = try NIfTIReader.read(bytes: try NIfTIWriter.encode(volume))
        XCTAssertEqual(decoded.affine.maximumDifference(from: affine), 0, accuracy: 1e-6)
        XCTAssertEqual(decoded.header.qformCode, 2)
        XCTAssertEqual(decoded.header.qformAffine.maximumDifference(from: affine), 0, accuracy: 1e-6)
        XCTAssertEqual(decoded.spacing, [0.75, 0.75, 1.5])
    }

    func testQformAndPixdimFallbacksFollowNibabel() throws {
        var header = NIfTIHeader()
        header.dims = [3, 5, 7]
        header.pixdim = [1, 3, 2, 1, 1, 1, 1, 1]
        // nibabel's AnalyzeHeader docstring example: x flipped, origin at the centre.
        XCTAssertEqual(header.affine, Affine(rows: [[-3, 0, 0, 3], [0, 2, 0, -4], [0, 0, 1, -3], [0, 0, 0, 1]]))
        header.qformCode = 1
        header.quaternion = [0, 0, 1]  // 180° about z
        header.qoffset = [1, 2, 3]
        header.pixdim[0] = -1
        XCTAssertEqual(header.affine.maximumDifference(
            from: Affine(rows: [[-3, 0, 0, 1], [0, -2, 0, 2], [0, 0, -1, 3], [0, 0, 0, 1]])), 0, accuracy: 1e-12)
    }

    func testReadsBigEndianAndScaledVoxels() throws {
        var header = NIfTIHeader()
        header.dims = [2, 2]
        header.datatype = .int16
        header.sclSlope = 0.5
        header.sclInter = 2
        var bytes = try bigEndianHeader(header)
        for value: Int16 in [1, -2, 300, 4] { bytes += withUnsafeBytes(of: value.bigEndian) { Array($0) } }
        let volume = try NIfTIReader.read(bytes: bytes)
        XCTAssertEqual(volume.values, [2.5, 1, 152, 4])
        XCTAssertTrue(volume.header.isBigEndian)
    }

    func testRefusesHugeTruncatedAndForeignFilesWithClearErrors() throws {
        var header = NIfTIHeader()
        header.dims = [30_000, 30_000, 1_200]  // over 10^12 voxels
        var huge = NIfTIWriter.encodedHeaderForTesting(header)
        XCTAssertThrowsError(try NIfTIReader.read(bytes: huge)) { error in
            XCTAssertEqual((error as? FormatError)?.kind, .tooLarge, "\(error)")
        }
        header.dims = [4, 4, 4]
        huge = NIfTIWriter.encodedHeaderForTesting(header) + [UInt8](repeating: 0, count: 10)
        XCTAssertThrowsError(try NIfTIReader.read(bytes: huge)) { error in
            XCTAssertEqual((error as? FormatError)?.kind, .truncated, "\(error)")
        }
        XCTAssertThrowsError(try NIfTIReader.read(bytes: Array("not a nifti file at all".utf8))) { error in
            XCTAssertTrue("\(error)".contains("NIfTI"), "\(error)")
        }
        let missing = try temporaryFolder().appendingPathComponent("absent.nii.gz")
        XCTAssertThrowsError(try NIfTIReader.read(missing)) { error in
            XCTAssertTrue("\(error)".contains("absent.nii.gz"), "\(error)")
        }
    }

    func testRefusesNonIntegerMaskValues() throws {
        let volume = try NIfTIVolume(dims: [2], affine: .identity, values: [0, 0.5])
        XCTAssertThrowsError(try NIfTIWriter.encode(volume, as: .uint8))
    }

    private func bigEndianHeader(_ header: NIfTIHeader) throws -> [UInt8] {
        let little = NIfTIWriter.encodedHeaderForTesting(header)
        var big = little
        func swap(_ offset: Int, _ width: Int) { big.replaceSubrange(offset..<offset + width, with: little[offset..<offset + width].reversed()) }
        swap(0, 4)
        for offset in stride(from: 40, to: 56, by: 2) { swap(offset, 2) }
        for offset in stride(from: 56, to: 68, by: 4) { swap(offset, 4) }
        for offset in stride(from: 68, to: 76, by: 2) { swap(offset, 2) }
        for offset in stride(from: 76, to: 148, by: 4) where offset != 120 { swap(offset, 4) }
        swap(120, 2)
        for offset in [252, 254] { swap(offset, 2) }
        for offset in stride(from: 256, to: 328, by: 4) { swap(offset, 4) }
        return big
    }
}

extension NIfTIWriter {
    /// The 352 header bytes a write would produce for `header`'s geometry (data type float32 unless set).
    static func encodedHeaderForTesting(_ header: NIfTIHeader) -> [UInt8] {
        var bytes = try! NIfTIWriter.encode(try! NIfTIVolume(header: { var h = header; h.dims = [1]; return h }(), values: [0]))
        bytes.removeLast(4)
        // Patch dims and datatype, which `encode` normalises.
        var dim = [Int16(header.dims.count)] + header.dims.map { Int16(clamping: $0) }
        dim += Array(repeating: 1, count: 8 - dim.count)
        for (i, value) in dim.enumerated() {
            bytes.replaceSubrange(40 + 2 * i..<42 + 2 * i, with: withUnsafeBytes(of: value.littleEndian) { Array($0) })
        }
        bytes.replaceSubrange(70..<72, with: withUnsafeBytes(of: header.datatype.rawValue.littleEndian) { Array($0) })
        bytes.replaceSubrange(112..<120, with: withUnsafeBytes(of: Float(header.sclSlope).bitPattern.littleEndian) { Array($0) }
            + withUnsafeBytes(of: Float(header.sclInter).bitPattern.littleEndian) { Array($0) })
        return bytes
    }
}
