import Foundation
import TensorEngine
import XCTest

/// Locates `../shared` beside the repository and loads the PyTorch reference fixtures.
public enum SharedFixtures {
    /// The repository root (two levels above this file's folder).
    public static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `../shared` next to the repository, or nil when it is absent.
    public static var sharedRoot: URL? {
        let url = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared")
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }

    /// A file under `../shared`; skips the calling test with a clear message when it is absent.
    public static func url(_ relativePath: String) throws -> URL {
        guard let root = sharedRoot else {
            throw XCTSkip("../shared is absent: skipping the test that needs \(relativePath)")
        }
        let url = root.appendingPathComponent(relativePath)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw XCTSkip("../shared/\(relativePath) is absent")
        }
        return url
    }

    /// Parses a JSON fixture under `../shared/fixtures/torch/ops/`.
    public static func op(_ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: try url("fixtures/torch/ops/\(name).json"))
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw FixtureError.malformed(name)
        }
        return object
    }

    /// Converts a fixture tensor `{"shape": [...], "data": [...]}` (integer data allowed).
    public static func tensor(_ value: Any?) throws -> Tensor {
        guard let dict = value as? [String: Any], let shape = dict["shape"] as? [Int] else {
            throw FixtureError.malformed("tensor")
        }
        let values = flatten(dict["data"]).map { Float($0) }
        return try Tensor(shape: Shape(shape), values: values)
    }

    private static func flatten(_ value: Any?) -> [Double] {
        if let number = value as? NSNumber { return [number.doubleValue] }
        if let array = value as? [Any] { return array.flatMap { flatten($0) } }
        return []
    }
}

/// A fixture file that does not have the expected layout.
public enum FixtureError: Error { case malformed(String) }

/// Asserts that `actual` matches `expected` elementwise within `rtol` · scale + `atol`, where
/// scale is the magnitude of the whole quantity: `scale` when given (for example the largest
/// gradient of a whole network), else the largest |expected| of the tensor. Float32 rounding
/// of sums and products grows with the quantity's scale and differs between BLAS kernels and
/// thread counts, so an element that is near zero only by cancellation carries rounding noise
/// of the quantity's size; a tolerance relative to that element alone would test the kernel,
/// not the code. `atol` only covers an all-zero quantity.
public func assertClose(_ actual: Tensor, _ expected: Tensor, rtol: Float = 1e-4, atol: Float = 1e-6, scale: Float? = nil,
                        _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(actual.shape, expected.shape, "shape \(message)", file: file, line: line)
    guard actual.shape == expected.shape else { return }
    let tolerance = atol + rtol * (scale ?? maximumMagnitude(expected))
    var worst = 0 as Float, worstIndex = -1
    for i in 0..<actual.count {
        let excess = abs(actual.pointer[i] - expected.pointer[i]) - tolerance
        if !(excess <= 0) && (worstIndex < 0 || excess > worst || excess.isNaN) { worst = excess; worstIndex = i }
    }
    if worstIndex >= 0 {
        XCTFail("\(message): element \(worstIndex) is \(actual.pointer[worstIndex]), expected \(expected.pointer[worstIndex]) "
                + "(tolerance \(tolerance))", file: file, line: line)
    }
}

/// The largest absolute value of a tensor (0 for an empty one).
public func maximumMagnitude(_ tensor: Tensor) -> Float {
    var largest: Float = 0
    for i in 0..<tensor.count { largest = max(largest, abs(tensor.pointer[i])) }
    return largest
}
