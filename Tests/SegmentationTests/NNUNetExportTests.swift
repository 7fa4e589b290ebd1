import Foundation
import Formats
import TensorEngine
import XCTest
@testable import Segmentation

/// A network exported as an nnU-Net model folder loads back, through nnU-Net's plans and
/// checkpoint, as the same function.
final class NNUNetExportTests: XCTestCase {
    func testExportedFolderLoadsBackAsTheSameNetwork() throws {
        for rank in [2, 3] {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("export-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: folder) }
            let network = try PlainConvUNet(UNetPreset.tiny.configuration(spatialRank: rank), seed: 3)
            try NNUNetExport.write(network, patchSize: rank == 2 ? [1, 48, 48] : [16, 32, 32], spacing: [2, 0.8, 0.8],
                                   labels: ["background", "cord"], to: folder)
            let model = try NNUNetModel(url: folder)
            XCTAssertEqual(model.configurationName, rank == 2 ? "2d" : "3d_fullres")
            XCTAssertEqual(model.configuration.spacing, rank == 2 ? [0.8, 0.8] : [2, 0.8, 0.8])
            XCTAssertEqual(model.network.configuration, network.configuration)
            let x = Tensor.normal(Shape([1, 1] + (rank == 2 ? [16, 16] : [8, 16, 16])), seed: 1)
            let (a, b) = try withNoGrad { (try network(x), try model.network(x)) }
            XCTAssertEqual(a.scalars, b.scalars)
        }
    }
}
