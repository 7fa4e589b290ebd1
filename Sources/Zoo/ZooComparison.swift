import Foundation
import GRDB

/// One recorded checkpoint as two zoos are compared: where it sits and its content's CRC-32.
public struct CheckpointChecksum: Hashable, Sendable {
    public var task: String
    public var runIndex: Int
    public var iteration: Int
    public var crc32: Int64
}

/// What `Zoo.compare(with:)` found: checkpoints present in both with equal content, present in
/// both with different content, or present in one zoo only. Run identity is (task, run index).
public struct ZooComparison: Sendable {
    public var matching: Int
    /// (task, run, iteration) whose content differs.
    public var differing: [CheckpointChecksum]
    public var onlyInFirst: [CheckpointChecksum]
    public var onlyInSecond: [CheckpointChecksum]
    /// Runs with at least one checkpoint in either zoo.
    public var runs: Int

    /// Whether both zoos hold the same checkpoints, run by run, with the same contents.
    public var isIdentical: Bool { differing.isEmpty && onlyInFirst.isEmpty && onlyInSecond.isEmpty }
}

extension Zoo {
    /// Every recorded checkpoint's location and CRC-32, ordered by task, run and iteration.
    public func checkpointChecksums() throws -> [CheckpointChecksum] {
        try database.queue.read { db in
            try Row.fetchAll(db, sql: """
                SELECT t.name, r.run_index, c.iteration, c.crc32 FROM checkpoints c
                JOIN runs r ON r.id = c.run_id JOIN tasks t ON t.id = r.task_id
                ORDER BY t.name, r.run_index, c.iteration
                """).map { CheckpointChecksum(task: $0[0], runIndex: $0[1], iteration: $0[2], crc32: $0[3]) }
        }
    }

    /// Compares this zoo's checkpoints with `other`'s by location and CRC-32: two builds of one plan
    /// (one machine, shards, a resumed or requeued build) must agree exactly.
    public func compare(with other: Zoo) throws -> ZooComparison {
        struct Location: Hashable { var task: String, run: Int, iteration: Int }
        func index(_ checksums: [CheckpointChecksum]) -> [Location: CheckpointChecksum] {
            Dictionary(uniqueKeysWithValues: checksums.map { (Location(task: $0.task, run: $0.runIndex, iteration: $0.iteration), $0) })
        }
        let first = index(try checkpointChecksums()), second = index(try other.checkpointChecksums())
        var comparison = ZooComparison(matching: 0, differing: [], onlyInFirst: [], onlyInSecond: [],
                                       runs: Set((Array(first.keys) + Array(second.keys)).map { RunKey(task: $0.task, index: $0.run) }).count)
        for (location, checksum) in first {
            guard let counterpart = second[location] else { comparison.onlyInFirst.append(checksum); continue }
            if counterpart.crc32 == checksum.crc32 { comparison.matching += 1 } else { comparison.differing.append(checksum) }
        }
        comparison.onlyInSecond = second.filter { first[$0.key] == nil }.map(\.value)
        let order: (CheckpointChecksum, CheckpointChecksum) -> Bool = { ($0.task, $0.runIndex, $0.iteration) < ($1.task, $1.runIndex, $1.iteration) }
        comparison.differing.sort(by: order)
        comparison.onlyInFirst.sort(by: order)
        comparison.onlyInSecond.sort(by: order)
        return comparison
    }
}
