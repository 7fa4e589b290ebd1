import Segmentation
import TensorEngine
import Zoo

/// A U-Net's parameters as the edges of a graph whose nodes are channels (as in graph
/// metanetworks): every parameter lies on the channel its tensor's first axis indexes and, in
/// tensors of two axes or more, on the one its second axis indexes. Channels that permute together
/// (a `UNetPermutation` group: a convolution's outputs, its norm and the inputs of the layers
/// reading them) are one node, so a parameter reads the parameters of the layer before and after
/// through the channel they share. Channels outside every group (the frozen base's, the classes)
/// are nodes of their tensor alone. Permuting a group's channels permutes the nodes and nothing
/// else, so whatever is computed per node and read back per parameter is permutation-equivariant.
public struct ChannelGraph: Sendable {
    /// Nodes of one network, the last an empty node read by parameters without a second axis.
    public let nodeCount: Int
    /// Per parameter: the node of its first axis's channel, and of its second axis's (the empty node in one-axis tensors).
    public let firstAxisNode: [Int]
    public let secondAxisNode: [Int]
    /// The parameters lying on each node, as (parameter, node) pairs: every parameter on its
    /// first axis's node, those with a second axis also on that one's.
    let memberParameters: [Int]
    let memberNodes: [Int]

    public init(architecture: PlainConvUNetConfiguration, layout: ParameterLayout) throws {
        let permutation = try UNetPermutation(configuration: architecture, layout: layout)
        // Tensor name → its grouped channel blocks: (axis, the block's first node, its offset on the axis, size).
        var grouped: [String: [(axis: Int, node: Int, offset: Int, size: Int)]] = [:]
        var nodes = 0
        for group in permutation.groups {
            for member in group.members { grouped[member.name, default: []].append((member.axis, nodes, member.offset, group.size)) }
            nodes += group.size
        }
        var firstAxisNode: [Int] = [], secondAxisNode: [Int] = []
        firstAxisNode.reserveCapacity(layout.parameterCount)
        secondAxisNode.reserveCapacity(layout.parameterCount)
        struct TensorChannel: Hashable { let tensor: Int, axis: Int, channel: Int }
        var privateNodes: [TensorChannel: Int] = [:]
        for (tensor, entry) in layout.entries.enumerated() {
            // A channel's node: its group's, or outside every group a node of this tensor's axis alone, made on first use.
            func node(axis: Int, channel: Int) -> Int {
                if let block = grouped[entry.name]?.first(where: { $0.axis == axis && ($0.offset..<($0.offset + $0.size)).contains(channel) }) {
                    return block.node + channel - block.offset
                }
                let key = TensorChannel(tensor: tensor, axis: axis, channel: channel)
                if let known = privateNodes[key] { return known }
                privateNodes[key] = nodes
                nodes += 1
                return nodes - 1
            }
            let dims = entry.shape, strides = Shape(dims).strides
            let firstNodes = (0..<dims[0]).map { node(axis: 0, channel: $0) }
            let secondNodes = dims.count > 1 ? (0..<dims[1]).map { node(axis: 1, channel: $0) } : []
            for i in 0..<entry.count {
                firstAxisNode.append(firstNodes[i / strides[0]])
                secondAxisNode.append(dims.count > 1 ? secondNodes[(i / strides[1]) % dims[1]] : -1)
            }
        }
        let empty = nodes
        nodeCount = nodes + 1
        self.firstAxisNode = firstAxisNode
        self.secondAxisNode = secondAxisNode.map { $0 < 0 ? empty : $0 }
        let withSecond = secondAxisNode.indices.filter { secondAxisNode[$0] >= 0 }
        memberParameters = Array(firstAxisNode.indices) + withSecond
        memberNodes = firstAxisNode + withSecond.map { secondAxisNode[$0] }
    }

    /// The indices that take `networks` networks' rows (network after network) to their nodes and back.
    public func batch(networks: Int) throws -> Batch {
        let parameters = firstAxisNode.count
        func repeated(_ values: [Int], stride: Int) -> [Int] {
            (0..<networks).flatMap { n in values.map { $0 + n * stride } }
        }
        let members = try RowIndex(repeated(memberNodes, stride: nodeCount), rows: networks * nodeCount)
        let inverseCounts = members.counts.map { $0 > 0 ? 1 / Float($0) : 0 }
        return Batch(memberParameters: try RowIndex(repeated(memberParameters, stride: parameters), rows: networks * parameters),
                     memberNodes: members,
                     inverseCounts: try Tensor(shape: [networks * nodeCount, 1], values: inverseCounts),
                     firstAxisNode: try RowIndex(repeated(firstAxisNode, stride: nodeCount), rows: networks * nodeCount),
                     secondAxisNode: try RowIndex(repeated(secondAxisNode, stride: nodeCount), rows: networks * nodeCount))
    }

    /// The graph of several networks at once, as row indices.
    public struct Batch {
        /// Gathers each (parameter, node) pair's parameter row, then sums the pairs into their nodes.
        let memberParameters: RowIndex
        let memberNodes: RowIndex
        /// 1 / the parameters on each node (0 for the empty node): sums become means.
        let inverseCounts: Tensor
        /// Reads each parameter's nodes back.
        let firstAxisNode: RowIndex
        let secondAxisNode: RowIndex

        /// The mean of `rows` [parameters, width] over each node, read back at each parameter's
        /// two nodes: [parameters, 2 × width].
        func nodeMeans(_ rows: Tensor) throws -> Tensor {
            let means = try rows.indexSelect(memberParameters).indexAdd(memberNodes) * inverseCounts
            return try Tensor.concatenate([try means.indexSelect(firstAxisNode), try means.indexSelect(secondAxisNode)], axis: 1)
        }
    }
}
