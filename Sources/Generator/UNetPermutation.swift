import Segmentation
import TensorEngine
import Zoo

/// The hidden-channel symmetries of a PlainConvUNet: permuting the output channels of any
/// convolution (with its bias and InstanceNorm affine parameters) and, consistently, the
/// input channels of every layer that reads them — the next convolution, the next stage, the
/// decoder's skip concatenation, the transposed convolution, the segmentation heads — leaves
/// the network's function unchanged. G.pt's permutation augmentation draws one such
/// permutation per training pair and applies it to start and target alike.
public struct UNetPermutation {
    /// One permutable channel group and every place its channels appear.
    struct Group {
        let size: Int
        /// (parameter name, axis, first channel on that axis)
        let members: [(name: String, axis: Int, offset: Int)]
    }

    let layout: ParameterLayout
    let groups: [Group]
    let entries: [String: ParameterLayout.Entry]

    public init(configuration c: PlainConvUNetConfiguration, layout: ParameterLayout) throws {
        self.layout = layout
        entries = Dictionary(uniqueKeysWithValues: layout.entries.map { ($0.name, $0) })
        let stages = c.stageCount
        var groups: [Group] = []
        func producer(_ prefix: String, bias: Bool) -> [(String, Int, Int)] {
            [("\(prefix).conv.weight", 0, 0), ("\(prefix).norm.weight", 0, 0), ("\(prefix).norm.bias", 0, 0)]
                + (bias ? [("\(prefix).conv.bias", 0, 0)] : [])
        }
        for s in 0..<stages {
            for j in 0..<c.convsPerStage[s] {
                var members = producer("encoder.stages.\(s).0.convs.\(j)", bias: c.convBias)
                if j + 1 < c.convsPerStage[s] {
                    members.append(("encoder.stages.\(s).0.convs.\(j + 1).conv.weight", 1, 0))
                } else {
                    if s + 1 < stages { members.append(("encoder.stages.\(s + 1).0.convs.0.conv.weight", 1, 0)) }
                    if s < stages - 1 {
                        members.append(("decoder.stages.\(stages - 2 - s).convs.0.conv.weight", 1, c.featuresPerStage[s]))
                    }
                    if s == stages - 1 { members.append(("decoder.transpconvs.0.weight", 0, 0)) }
                }
                groups.append(Group(size: c.featuresPerStage[s], members: members))
            }
        }
        for d in 0..<(stages - 1) {
            let features = c.featuresPerStage[stages - 2 - d]
            groups.append(Group(size: features, members: [("decoder.transpconvs.\(d).weight", 1, 0)]
                + (c.convBias ? [("decoder.transpconvs.\(d).bias", 0, 0)] : [])
                + [("decoder.stages.\(d).convs.0.conv.weight", 1, 0)]))
            for j in 0..<c.convsPerStageDecoder[d] {
                var members = producer("decoder.stages.\(d).convs.\(j)", bias: c.convBias)
                if j + 1 < c.convsPerStageDecoder[d] {
                    members.append(("decoder.stages.\(d).convs.\(j + 1).conv.weight", 1, 0))
                } else {
                    members.append(("decoder.seg_layers.\(d).weight", 1, 0))
                    if d + 1 < stages - 1 { members.append(("decoder.transpconvs.\(d + 1).weight", 0, 0)) }
                }
                groups.append(Group(size: features, members: members))
            }
        }
        // A partial layout (a subset of a base) keeps the groups whose channels appear only
        // inside the subset: permuting channels the frozen part also reads is no symmetry.
        // A whole layout has every member; a missing one means another architecture.
        let whole = layout.entries.count == ParameterLayout(try PlainConvUNet(c, seed: 0)).entries.count
        let present = Set(layout.entries.map(\.name))
        if !whole { groups = groups.filter { $0.members.allSatisfy { present.contains($0.name) } } }
        for group in groups {
            for member in group.members {
                guard let entry = entries[member.name], member.axis < entry.shape.count,
                      member.offset + group.size <= entry.shape[member.axis] else {
                    throw GeneratorError.incompatible("the layout has no channel block \(member.name)[axis \(member.axis), "
                        + "\(member.offset)..<\(member.offset + group.size)]; is it a PlainConvUNet of this configuration?")
                }
            }
        }
        self.groups = groups
    }

    /// One random permutation per channel group.
    public func sample(_ rng: inout SeededGenerator) -> [[Int]] {
        groups.map { group in
            var permutation = Array(0..<group.size)
            for i in stride(from: group.size - 1, to: 0, by: -1) { permutation.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
            return permutation
        }
    }

    /// `values` (a flat vector of the layout) with every group's channels reordered:
    /// new channel i is old channel permutation[i]. Reorderings of one tensor along different
    /// axes (its outputs and its inputs) compose, so each reads the tensor as left by the last.
    public func apply(_ permutations: [[Int]], to values: [Float]) -> [Float] {
        reordered(permutations, values)
    }

    /// Where `apply(permutations, to: values)` reads each parameter: its element i is
    /// `values[sources[i]]`. One index map serves every network of a run (they share its
    /// channel order), so comparing many networks need not copy each one.
    public func sources(_ permutations: [[Int]]) -> [Int] {
        reordered(permutations, Array(0..<layout.parameterCount))
    }

    private func reordered<T>(_ permutations: [[Int]], _ values: [T]) -> [T] {
        var result = values
        for (group, permutation) in zip(groups, permutations) {
            for member in group.members {
                let entry = entries[member.name]!
                let current = Array(result[entry.offset..<(entry.offset + entry.count)])
                let axisLength = entry.shape[member.axis]
                let outer = entry.shape[..<member.axis].reduce(1, *), inner = entry.shape[(member.axis + 1)...].reduce(1, *)
                for o in 0..<outer {
                    for (i, source) in permutation.enumerated() {
                        let to = (o * axisLength + member.offset + i) * inner
                        let from = (o * axisLength + member.offset + source) * inner
                        for k in 0..<inner { result[entry.offset + to + k] = current[from + k] }
                    }
                }
            }
        }
        return result
    }
}
