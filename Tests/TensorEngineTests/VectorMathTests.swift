#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
@testable import TensorEngine
import XCTest

/// The vectorisable exp and erf agree with libm over the ranges softmax and GELU feed them.
final class VectorMathTests: XCTestCase {
    func testExpAgreesWithLibm() {
        var worst: Float = 0
        for i in -870_000...880_000 {
            let x = Float(i) / 10_000
            let reference = expf(x)
            worst = max(worst, abs(vectorExp(x) - reference) / max(reference, .leastNormalMagnitude))
        }
        XCTAssertLessThan(worst, 3e-7, "largest relative error")
        XCTAssertEqual(vectorExp(0), 1)
        XCTAssertEqual(vectorExp(-.infinity), 0)
        XCTAssertEqual(vectorExp(-100), 0)
        XCTAssertTrue(vectorExp(.nan).isNaN)
        XCTAssertTrue(vectorExp(.infinity).isFinite, "clamped, not overflowing")
    }

    func testErfAgreesWithLibm() {
        var worst: Float = 0
        for i in -100_000...100_000 {
            let x = Float(i) / 10_000
            worst = max(worst, abs(vectorErf(x) - erff(x)))
        }
        XCTAssertLessThan(worst, 5e-7, "largest absolute error")
        XCTAssertEqual(vectorErf(0), 0, accuracy: 1e-7)
        XCTAssertEqual(vectorErf(-3), -erff(3), accuracy: 1e-7)
    }
}
