import XCTest
@testable import Segmentation

/// Largest-component post-processing: face connectivity, per label, ties and empty masks.
final class ConnectedComponentsTests: XCTestCase {
    func testLabelsFaceConnectedComponents() {
        // (z, y, x) = (2, 3, 3): a 3-voxel bar in z = 0, a voxel touching it only diagonally,
        // and a voxel in z = 1 face-connected to the bar.
        var mask = [UInt8](repeating: 0, count: 18)
        for index in [0, 1, 2] { mask[index] = 1 }
        mask[7] = 1
        mask[9 + 2] = 1
        let (labels, sizes) = ConnectedComponents.label(shape: [2, 3, 3]) { mask[$0] > 0 }
        XCTAssertEqual(sizes.sorted(), [1, 4])
        XCTAssertEqual(labels[0], labels[11], "z-neighbours are connected")
        XCTAssertNotEqual(labels[0], labels[7], "diagonal neighbours are not")
        XCTAssertEqual(labels[4], -1)
    }

    func testKeepsTheLargestComponentOfEachLabel() {
        // One row of 8: label 1 at 0–2 and 6, label 2 at 4 alone.
        let mask: [UInt8] = [1, 1, 1, 0, 2, 0, 1, 0]
        XCTAssertEqual(ConnectedComponents.keepingLargest(mask, shape: [1, 1, 8]), [1, 1, 1, 0, 2, 0, 0, 0])
        XCTAssertEqual(ConnectedComponents.keepingLargest([0, 0, 0], shape: [1, 1, 3]), [0, 0, 0])
    }
}
