#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// One recorded step of the tape: which tensors an op read, and how to turn the gradient of
/// its output into gradients of those inputs.
final class TapeNode {
    let op: String
    let inputs: [Tensor]
    /// Receives d(loss)/d(output) and returns d(loss)/d(input) per input (nil when not needed).
    let backward: (Tensor) -> [Tensor?]

    init(op: String, inputs: [Tensor], backward: @escaping (Tensor) -> [Tensor?]) {
        self.op = op
        self.inputs = inputs
        self.backward = backward
    }
}

/// Controls whether ops record themselves on the tape (per thread).
public enum GradMode {
    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    /// True unless the current thread is inside `withNoGrad`.
    public static var isEnabled: Bool { pthread_getspecific(key) == nil }

    /// Runs `body` without recording: for inference and optimiser updates.
    public static func withNoGrad<T>(_ body: () throws -> T) rethrows -> T {
        let previous = pthread_getspecific(key)
        pthread_setspecific(key, UnsafeRawPointer(bitPattern: 1))
        defer { pthread_setspecific(key, previous) }
        return try body()
    }
}

/// Runs `body` without recording on the tape.
public func withNoGrad<T>(_ body: () throws -> T) rethrows -> T { try GradMode.withNoGrad(body) }

extension Tensor {
    /// Wraps an op's result, recording `backward` on the tape when grad mode is on and any
    /// input requires a gradient.
    static func record(_ storage: Storage, _ shape: Shape, op: String, inputs: [Tensor],
                       backward: @escaping (Tensor) -> [Tensor?]) -> Tensor {
        let result = Tensor(storage: storage, shape: shape)
        if GradMode.isEnabled && inputs.contains(where: { $0.requiresGrad }) {
            result.requiresGrad = true
            result.node = TapeNode(op: op, inputs: inputs, backward: backward)
        }
        return result
    }

    /// Reverse-mode differentiation from this tensor.
    ///
    /// `seed` is d(loss)/d(self); it defaults to 1 for a one-element tensor. Gradients are
    /// added to the `grad` of every leaf that requires one (they accumulate until
    /// `zeroGrad()`). The recorded graph is released afterwards, as PyTorch does.
    public func backward(seed: Tensor? = nil) throws {
        guard requiresGrad else {
            throw TensorError.invalidArgument(op: "backward", reason: "tensor does not require a gradient")
        }
        let start: Tensor
        if let seed {
            guard seed.shape == shape else {
                throw TensorError.shapeMismatch(op: "backward", lhs: shape, rhs: seed.shape, reason: "seed must match the tensor")
            }
            start = seed
        } else {
            guard count == 1 else {
                throw TensorError.invalidShape(op: "backward", shape: shape, reason: "a seed gradient is needed for a non-scalar tensor")
            }
            start = Tensor.ones(shape)
        }
        try withNoGrad { try Tensor.backpropagate(from: [(self, start)]) }
    }

    /// Reverse-mode differentiation from several outputs of one graph at once, each with its
    /// seed d(loss)/d(output): for a loss computed outside the graph, as a data-parallel step
    /// does when each shard's graph ends in logits and the loss is taken over the whole batch.
    public static func backward(_ outputs: [Tensor], seeds: [Tensor]) throws {
        guard outputs.count == seeds.count else {
            throw TensorError.invalidArgument(op: "backward", reason: "\(outputs.count) outputs but \(seeds.count) seeds")
        }
        for (output, seed) in zip(outputs, seeds) {
            guard output.requiresGrad else {
                throw TensorError.invalidArgument(op: "backward", reason: "an output does not require a gradient")
            }
            guard seed.shape == output.shape else {
                throw TensorError.shapeMismatch(op: "backward", lhs: output.shape, rhs: seed.shape, reason: "seed must match the tensor")
            }
        }
        try withNoGrad { try backpropagate(from: Array(zip(outputs, seeds))) }
    }

    private static func backpropagate(from roots: [(tensor: Tensor, seed: Tensor)]) throws {
        let order = topologicalOrder(roots.map(\.tensor))
        var pending: [ObjectIdentifier: Tensor] = [:]
        var owned: Set<ObjectIdentifier> = []
        for root in roots {
            let id = ObjectIdentifier(root.tensor)
            if let existing = pending[id] {
                let sum = existing.copy()
                addInPlace(sum, root.seed)
                pending[id] = sum
                owned.insert(id)
            } else {
                pending[id] = root.seed
            }
        }
        for tensor in order.reversed() {
            let id = ObjectIdentifier(tensor)
            guard let gradient = pending.removeValue(forKey: id) else { continue }
            guard let node = tensor.node else {
                tensor.accumulate(gradient)
                continue
            }
            if tensor.retainsGrad { tensor.accumulate(gradient) }
            let inputGrads = node.backward(gradient)
            for (input, inputGrad) in zip(node.inputs, inputGrads) {
                guard input.requiresGrad, let inputGrad else { continue }
                let inputID = ObjectIdentifier(input)
                if let existing = pending[inputID] {
                    if owned.contains(inputID) {
                        addInPlace(existing, inputGrad)
                    } else {
                        let sum = existing.copy()
                        addInPlace(sum, inputGrad)
                        pending[inputID] = sum
                        owned.insert(inputID)
                    }
                } else {
                    pending[inputID] = inputGrad
                }
            }
            tensor.node = nil
        }
    }

    private func accumulate(_ gradient: Tensor) {
        if let grad {
            addInPlace(grad, gradient)
        } else {
            grad = gradient.copy()
        }
    }

    /// Tensors reachable from `roots` through recorded nodes, inputs before the ops that read them.
    private static func topologicalOrder(_ roots: [Tensor]) -> [Tensor] {
        var order: [Tensor] = []
        var visited: Set<ObjectIdentifier> = []
        var stack: [(Tensor, Bool)] = roots.reversed().map { ($0, false) }
        while let (tensor, expanded) = stack.popLast() {
            let id = ObjectIdentifier(tensor)
            if expanded {
                order.append(tensor)
                continue
            }
            guard !visited.contains(id) else { continue }
            visited.insert(id)
            stack.append((tensor, true))
            for input in tensor.node?.inputs ?? [] where input.requiresGrad && !visited.contains(ObjectIdentifier(input)) {
                stack.append((input, false))
            }
        }
        return order
    }
}

/// target += source, elementwise, same shape; outside the tape (for gradient bookkeeping,
/// such as summing the gradients of a network's copies).
public func addInPlace(_ target: Tensor, _ source: Tensor) {
    let t = target.pointer, s = source.pointer
    parallelFor(target.count, grain: 1 << 15) { range in
        for i in range { t[i] += s[i] }
    }
}
