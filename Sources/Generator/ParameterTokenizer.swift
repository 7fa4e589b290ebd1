import Zoo

/// Cuts a flat parameter vector into tokens of `chunkSize` values, layer by layer (G.pt's
/// tokenisation): a tensor of at least `chunkSize` values starts its own tokens and fills as
/// many as it needs, the last one zero-padded; smaller tensors (biases, norm parameters,
/// small kernels) are packed together into shared tokens so the sequence stays short. The
/// inverse is exact: every parameter has exactly one slot.
public struct ParameterTokenizer: Codable, Sendable, Equatable {
    /// A run of parameters `start..<start+count` of the flat vector placed at `slot` of a token.
    public struct Segment: Codable, Sendable, Equatable {
        public let start: Int
        public let count: Int
        public let slot: Int
    }

    public let chunkSize: Int
    public let parameterCount: Int
    /// The segments of each token.
    public let tokens: [[Segment]]

    public var tokenCount: Int { tokens.count }

    public init(layout: ParameterLayout, chunkSize: Int) {
        precondition(chunkSize > 0, "chunk size must be positive")
        self.chunkSize = chunkSize
        parameterCount = layout.parameterCount
        var tokens: [[Segment]] = []
        var packed: [Segment] = [], packedFill = 0
        func flushPacked() {
            if !packed.isEmpty { tokens.append(packed) }
            packed = []
            packedFill = 0
        }
        for entry in layout.entries {
            if entry.count >= chunkSize {
                for start in stride(from: 0, to: entry.count, by: chunkSize) {
                    tokens.append([Segment(start: entry.offset + start, count: min(chunkSize, entry.count - start), slot: 0)])
                }
            } else {
                if packedFill + entry.count > chunkSize { flushPacked() }
                packed.append(Segment(start: entry.offset, count: entry.count, slot: packedFill))
                packedFill += entry.count
            }
        }
        flushPacked()
        self.tokens = tokens
    }

    /// `values` (one flat vector) as tokenCount × chunkSize values, padding zero.
    public func tokenize(_ values: [Float]) -> [Float] {
        precondition(values.count == parameterCount, "expected \(parameterCount) parameters, got \(values.count)")
        var result = [Float](repeating: 0, count: tokenCount * chunkSize)
        for (index, segments) in tokens.enumerated() {
            for segment in segments {
                for i in 0..<segment.count { result[index * chunkSize + segment.slot + i] = values[segment.start + i] }
            }
        }
        return result
    }

    /// The flat vector back from tokenCount × chunkSize values (padding ignored).
    public func detokenize(_ values: [Float]) -> [Float] {
        precondition(values.count == tokenCount * chunkSize, "expected \(tokenCount * chunkSize) token values, got \(values.count)")
        var result = [Float](repeating: 0, count: parameterCount)
        for (index, segments) in tokens.enumerated() {
            for segment in segments {
                for i in 0..<segment.count { result[segment.start + i] = values[index * chunkSize + segment.slot + i] }
            }
        }
        return result
    }

    /// 1 for token slots that hold a parameter, 0 for padding.
    public var mask: [Float] {
        var result = [Float](repeating: 0, count: tokenCount * chunkSize)
        for (index, segments) in tokens.enumerated() {
            for segment in segments {
                for i in 0..<segment.count { result[index * chunkSize + segment.slot + i] = 1 }
            }
        }
        return result
    }
}
