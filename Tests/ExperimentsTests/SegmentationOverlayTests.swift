import XCTest
@testable import Experiments

final class SegmentationOverlayTests: XCTestCase {
    /// 8×8 slice, truth = square [2, 5]², prediction = the same square shifted right by one.
    private func squares() -> (truth: [UInt8], prediction: [UInt8]) {
        var truth = [UInt8](repeating: 0, count: 64)
        var prediction = truth
        for y in 2...5 {
            for x in 2...5 {
                truth[y * 8 + x] = 1
                prediction[y * 8 + x + 1] = 1
            }
        }
        return (truth, prediction)
    }

    private func isGrey(_ colour: (UInt8, UInt8, UInt8)) -> Bool { colour.0 == colour.1 && colour.1 == colour.2 }

    func testBoundariesAreDrawnWhereExpected() throws {
        let (truth, prediction) = squares()
        let image = (0..<64).map { Float($0) }
        let overlay = try SegmentationOverlay.render(image: image, truth: truth, prediction: prediction, width: 8, height: 8, scale: 1)
        XCTAssertEqual(overlay.width, 8)
        XCTAssertEqual(overlay.height, 8)
        XCTAssertTrue(overlay[2, 3] == SegmentationOverlay.truthColour, "left edge of truth only")
        XCTAssertTrue(overlay[6, 3] == SegmentationOverlay.predictionColour, "right edge of prediction only")
        XCTAssertTrue(overlay[3, 2] == SegmentationOverlay.bothColour, "top edge shared by both squares")
        XCTAssertTrue(overlay[5, 3] == SegmentationOverlay.truthColour, "right edge of truth, inside the prediction")
        XCTAssertTrue(isGrey(overlay[4, 4]), "interior of both squares is image")
        XCTAssertTrue(isGrey(overlay[0, 0]), "background is image")
    }

    func testMaskTouchingTheImageEdgeIsOutlinedThere() throws {
        let mask = [UInt8](repeating: 1, count: 9)
        let overlay = try SegmentationOverlay.render(image: [Float](repeating: 0, count: 9), truth: mask,
                                                     prediction: [UInt8](repeating: 0, count: 9), width: 3, height: 3, scale: 1)
        XCTAssertTrue(overlay[0, 0] == SegmentationOverlay.truthColour)
        XCTAssertTrue(isGrey(overlay[1, 1]), "the centre has all four neighbours inside")
    }

    /// Windowing maps the 1st percentile to black and the 99th to white; outliers saturate, NaN is black.
    func testPercentileWindow() {
        var image = (0..<101).map { Float($0) }
        image[100] = 1e6
        image[50] = .nan
        let grey = SegmentationOverlay.window(image)
        XCTAssertEqual(grey[0], 0)
        XCTAssertEqual(grey[1], 0)
        XCTAssertEqual(grey[99], 255)
        XCTAssertEqual(grey[100], 255)
        XCTAssertEqual(grey[50], 0)
        XCTAssertGreaterThan(grey[60], grey[40])
        XCTAssertEqual(SegmentationOverlay.window([3, 3, 3]), [128, 128, 128], "a constant slice is mid grey")
    }

    func testUpscalingRepeatsEachPixel() throws {
        let (truth, prediction) = squares()
        let small = try SegmentationOverlay.render(image: (0..<64).map { Float($0) }, truth: truth, prediction: prediction,
                                                   width: 8, height: 8, scale: 1)
        let large = try SegmentationOverlay.render(image: (0..<64).map { Float($0) }, truth: truth, prediction: prediction,
                                                   width: 8, height: 8, scale: 4)
        XCTAssertEqual(large.width, 32)
        XCTAssertEqual(large.height, 32)
        for y in 0..<32 {
            for x in 0..<32 {
                XCTAssertTrue(large[x, y] == small[x / 4, y / 4], "(\(x), \(y))")
            }
        }
    }

    func testMismatchedSizesThrow() {
        XCTAssertThrowsError(try SegmentationOverlay.render(image: [0, 1], truth: [0], prediction: [0, 1], width: 2, height: 1))
        XCTAssertThrowsError(try SegmentationOverlay.render(image: [0], truth: [0], prediction: [0], width: 1, height: 1, scale: 0))
    }
}
