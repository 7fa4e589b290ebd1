import Foundation
import Segmentation
import TensorEngine

/// The frozen part's output (`PlainConvUNet.headInput`) for every input a partial zoo's
/// evaluator passes through a network: its cases and sliding windows are the same for every
/// checkpoint, and so is the frozen part, so each input's head input is computed once and every
/// later checkpoint runs its head alone. Inputs are keyed by shape and a 64-bit hash of their
/// values. Shared by the build's workers.
final class HeadInputCache: @unchecked Sendable {
    private struct Key: Hashable {
        let shape: [Int]
        let hash: UInt64
    }

    private var inputs: [Key: Tensor] = [:]
    private let lock = NSLock()

    /// Whether `network` is one this cache serves: some parameters train, all of them in the
    /// head (the frozen rest is the zoo's base). Other networks go through whole.
    static func serves(_ network: PlainConvUNet) -> Bool {
        network.onlyHeadTrains && network.parameters().contains(where: \.requiresGrad)
    }

    /// `network`'s logits for `x`, running only its head when the head input of `x` is known.
    func logits(_ network: PlainConvUNet, _ x: Tensor) throws -> Tensor {
        let key = Key(shape: x.shape.dims, hash: Self.hash(x))
        lock.lock()
        let known = inputs[key]
        lock.unlock()
        let input = try known ?? GradMode.withNoGrad { try network.headInput(x) }
        if known == nil {
            lock.lock()
            inputs[key] = input
            lock.unlock()
        }
        return try network.head(input)
    }

    /// FNV-1a over the values' bit patterns.
    private static func hash(_ x: Tensor) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for i in 0..<x.count {
            h = (h ^ UInt64(x.pointer[i].bitPattern)) &* 0x100_0000_01B3
        }
        return h
    }
}
