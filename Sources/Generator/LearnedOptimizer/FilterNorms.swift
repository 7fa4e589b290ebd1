import Zoo

/// Whether a call may change the norm of a convolution filter whose output an instance norm
/// divides by its spread (`NetworkAssembly.scaledAwayByNorm`): the network does not depend on it,
/// but Adam's moves, near orthogonal to such a filter, lengthen it, and a longer filter turns by a
/// smaller angle under the same move (the slowdown AdamP, Heo et al. 2021, removes).
public enum FilterNorms: String, Codable, Sendable, CaseIterable {
    /// Every parameter moves as the call says.
    case free
    /// After every call each such filter (one output channel's weights) is scaled back to the
    /// norm it had before the call: the filters stay on their spheres.
    case held

    /// `moved` with, under `.held`, every filter of the tensors `assembly` marks scaled away by
    /// their norm rescaled to its norm in `before` (a filter at zero stays as moved).
    func apply(_ moved: [Float], before: [Float], assembly: NetworkAssembly) -> [Float] {
        guard self == .held else { return moved }
        var held = moved
        for (entry, scaledAway) in zip(assembly.layout.entries, assembly.scaledAwayByNorm) where scaledAway {
            let size = entry.count / entry.shape[0]
            for channel in 0..<entry.shape[0] {
                let filter = (entry.offset + channel * size)..<(entry.offset + (channel + 1) * size)
                let from = filter.map { before[$0] * before[$0] }.reduce(0, +).squareRoot()
                let to = filter.map { moved[$0] * moved[$0] }.reduce(0, +).squareRoot()
                guard to > 0 else { continue }
                for i in filter { held[i] = moved[i] * (from / to) }
            }
        }
        return held
    }
}
