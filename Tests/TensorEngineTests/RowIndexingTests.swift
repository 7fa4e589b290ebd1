import Foundation
import TensorEngine
import TestSupport
import XCTest

/// `indexSelect` and `indexAdd` reproduce PyTorch's `index_select` and `index_add_` with their
/// gradients (`Tests/Fixtures/torch_ops`, written by scripts/parity/make_index_fixtures.py),
/// agree with finite differences, are each other's adjoint, and refuse indices out of range.
final class RowIndexingTests: XCTestCase {
    private func fixture(_ name: String) throws -> [String: Any] {
        let url = SharedFixtures.repositoryRoot.appendingPathComponent("Tests/Fixtures/torch_ops/\(name).json")
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    /// Runs `op` on the fixture's float input `input` and its index, backpropagates its `grad_output` and compares.
    private func check(_ name: String, input: String, _ op: (Tensor, [Int]) throws -> Tensor) throws {
        let fixture = try fixture(name)
        let inputs = try XCTUnwrap(fixture["inputs"] as? [String: Any])
        let x = try SharedFixtures.tensor(inputs[input])
        x.requiresGrad = true
        let index = try SharedFixtures.tensor(inputs["index"]).scalars.map { Int($0) }
        let output = try op(x, index)
        assertClose(output, try SharedFixtures.tensor(fixture["output"]), "\(name) output")
        try output.backward(seed: try SharedFixtures.tensor(fixture["grad_output"]))
        let grads = try XCTUnwrap(fixture["grads"] as? [String: Any])
        assertClose(try XCTUnwrap(x.grad), try SharedFixtures.tensor(grads[input]), "\(name) grad \(input)")
    }

    func testTheyReproducePyTorch() throws {
        try check("index_select", input: "x") { x, index in try x.indexSelect(try RowIndex(index, rows: x.shape[0])) }
        try check("index_add", input: "source") { source, index in try source.indexAdd(try RowIndex(index, rows: 6)) }
    }

    func testTheirGradientsMatchFiniteDifferences() throws {
        let index = try RowIndex([4, 1, 1, 0, 4, 4, 2], rows: 6)
        try assertGradientsMatchFiniteDifferences([Tensor.normal([6, 3, 2], std: 1, seed: 1)], "indexSelect") { try $0[0].indexSelect(index) }
        try assertGradientsMatchFiniteDifferences([Tensor.normal([7, 5], std: 1, seed: 2)], "indexAdd") { try $0[0].indexAdd(index) }
        // Composed, as a message-passing layer uses them: rows gathered, summed per target, gathered back, squared.
        let back = try RowIndex([0, 1, 2, 3, 4, 5, 5, 0], rows: 6)
        try assertGradientsMatchFiniteDifferences([Tensor.normal([6, 4], std: 1, seed: 3)], "select, add, select") {
            let messages = try $0[0].indexSelect(index).indexAdd(index).indexSelect(back)
            return try messages * messages
        }
    }

    /// ⟨select(x), y⟩ = ⟨x, add(y)⟩ for the same index, to within rounding of the sums.
    func testEachIsTheOthersAdjoint() throws {
        var rng = SeededGenerator(seed: 4)
        let index = try RowIndex((0..<500).map { _ in Int(rng.next() % 97) }, rows: 97)
        let x = Tensor.normal([97, 8], std: 1, seed: 5), y = Tensor.normal([500, 8], std: 1, seed: 6)
        let left = try (x.indexSelect(index) * y).sum().item, right = try (x * y.indexAdd(index)).sum().item
        let scale = try (x * x).sum().item.squareRoot() * (y * y).sum().item.squareRoot()
        XCTAssertEqual(left, right, accuracy: 1e-5 * scale)
        XCTAssertEqual(index.counts.reduce(0, +), 500)
    }

    func testTheSumsAreTheSameWhateverTheThreadCount() throws {
        var rng = SeededGenerator(seed: 8)
        let index = try RowIndex((0..<20_000).map { _ in Int(rng.next() % 300) }, rows: 300)
        let x = Tensor.normal([20_000, 16], std: 1, seed: 9)
        let saved = Engine.threadCount
        defer { Engine.threadCount = saved }
        Engine.threadCount = 4
        let threaded = try x.indexAdd(index).scalars
        Engine.threadCount = 1
        XCTAssertEqual(try x.indexAdd(index).scalars, threaded)
    }

    func testBadIndicesAndShapesAreRefused() throws {
        XCTAssertThrowsError(try RowIndex([0, 3], rows: 3)) { XCTAssertTrue("\($0)".contains("index 3 is outside 0..<3"), "\($0)") }
        XCTAssertThrowsError(try RowIndex([-1], rows: 3))
        let index = try RowIndex([0, 2], rows: 3)
        XCTAssertThrowsError(try Tensor.zeros([4, 2]).indexSelect(index), "the tensor has 4 rows, the index addresses 3")
        XCTAssertThrowsError(try Tensor.zeros([3, 2]).indexAdd(index), "the tensor has 3 rows, the index 2 entries")
        XCTAssertThrowsError(try Tensor.zeros([]).indexSelect(index), "a scalar has no rows")
        // No entries: an empty selection, and a sum of none, which is zero.
        let none = try RowIndex([], rows: 3)
        XCTAssertEqual(try Tensor.ones([3, 2]).indexSelect(none).shape, [0, 2])
        XCTAssertEqual(try Tensor.zeros([0, 2]).indexAdd(none).scalars, [Float](repeating: 0, count: 6))
    }
}
