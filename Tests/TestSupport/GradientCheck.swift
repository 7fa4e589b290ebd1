import TensorEngine
import XCTest

/// Finite-difference gradient check: compares the tape's gradient of
/// L = Σ f(inputs) · R (R a fixed random projection) with central differences, for every
/// element of every input (inputs are kept small).
public func assertGradientsMatchFiniteDifferences(
    _ inputs: [Tensor], step: Float = 1e-2, rtol: Float = 3e-2, atol: Float = 2e-3, seed: UInt64 = 7,
    _ message: String = "", file: StaticString = #filePath, line: UInt = #line,
    _ f: ([Tensor]) throws -> Tensor
) throws {
    for input in inputs { input.requiresGrad = true; input.zeroGrad() }
    let output = try f(inputs)
    let projection = Tensor.uniform(output.shape, low: -1, high: 1, seed: seed)
    let loss = try (output * projection).sum()
    try loss.backward()
    let analytic = inputs.map { $0.grad?.copy() ?? Tensor.zeros($0.shape) }
    func evaluate() throws -> Double {
        try withNoGrad {
            let out = try f(inputs)
            var total = 0.0
            for i in 0..<out.count { total += Double(out.pointer[i]) * Double(projection.pointer[i]) }
            return total
        }
    }
    for (index, input) in inputs.enumerated() {
        for i in 0..<input.count {
            let original = input.pointer[i]
            input.pointer[i] = original + step
            let plus = try evaluate()
            input.pointer[i] = original - step
            let minus = try evaluate()
            input.pointer[i] = original
            let numeric = Float((plus - minus) / (2 * Double(step)))
            let exact = analytic[index].pointer[i]
            if abs(numeric - exact) > atol + rtol * max(abs(numeric), abs(exact)) {
                XCTFail("\(message) input \(index) element \(i): tape gradient \(exact), finite difference \(numeric)",
                        file: file, line: line)
                return
            }
        }
    }
}

/// Checks the middle entry of each named tensor of a flat `gradient` at `values` (`layout`:
/// each tensor's name, offset and count) against central differences of `loss` (a function of
/// the whole flat vector), within 5% of the numeric slope plus 2e-3: for losses measured by a
/// pipeline rather than one op (a network's recorded training loss).
public func assertGradientMatchesCentralDifferences(_ gradient: [Float], at values: [Float], tensors names: [String],
                                                    layout: [(name: String, offset: Int, count: Int)], step: Float = 1e-2,
                                                    loss: ([Float]) throws -> Double,
                                                    file: StaticString = #filePath, line: UInt = #line) throws {
    var probe = values
    for name in names {
        guard let entry = layout.first(where: { $0.name == name }) else {
            XCTFail("no tensor \(name) in the layout", file: file, line: line)
            continue
        }
        let index = entry.offset + entry.count / 2
        probe[index] = values[index] + step
        let up = try loss(probe)
        probe[index] = values[index] - step
        let down = try loss(probe)
        probe[index] = values[index]
        let numeric = (up - down) / Double(2 * step)
        XCTAssertEqual(Double(gradient[index]), numeric, accuracy: 0.05 * abs(numeric) + 2e-3, name, file: file, line: line)
    }
}
