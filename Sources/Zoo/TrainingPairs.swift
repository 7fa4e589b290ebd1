import Foundation
import TensorEngine

/// One checkpoint of a pair: its flat parameters and metrics.
public struct PairMember: Sendable {
    public let iteration: Int
    public let parameters: [Float]
    public let metrics: CheckpointMetrics
}

/// A generator training example: two checkpoints of one run (G.pt's θ and θ′ with their
/// losses and errors) and the task they were trained for.
public struct TrainingPair: Sendable {
    public let task: String
    public let runIndex: Int
    public let a: PairMember
    public let b: PairMember
}

/// Streams training pairs out of a zoo without loading it: runs are visited in a seeded
/// order and only the current run's checkpoints are in memory, so memory stays bounded by
/// one run whatever the zoo's size. Failed runs and other architectures are left out unless asked.
public struct TrainingPairs: Sequence {
    public let zoo: Zoo
    public let tasks: [String]
    public let includeFailed: Bool
    public let seed: UInt64
    /// Architecture whose runs are streamed; nil for the plan's preset.
    public let architectureID: Int64?

    public init(zoo: Zoo, tasks: [String]? = nil, includeFailed: Bool = false, seed: UInt64 = 0, architectureID: Int64? = nil) {
        self.zoo = zoo
        self.tasks = tasks ?? zoo.plan.tasks
        self.includeFailed = includeFailed
        self.seed = seed
        self.architectureID = architectureID
    }

    public func makeIterator() -> Iterator {
        Iterator(self)
    }

    /// Yields every ordered pair (a, b), a ≠ b, of each run in turn.
    public struct Iterator: IteratorProtocol {
        private let source: TrainingPairs
        private var runs: [(task: String, run: RunRecord)] = []
        private var runPosition = 0
        private var members: [PairMember] = []
        private var current: (task: String, run: RunRecord)?
        private var first = 0, second = 0
        /// The error that ended the stream early, if any (a missing or corrupt run file).
        public private(set) var error: Error?

        init(_ source: TrainingPairs) {
            self.source = source
            do {
                let architecture = try source.architectureID ?? source.zoo.planArchitectureID()
                var listed: [(String, RunRecord)] = []
                for task in source.tasks {
                    for run in try source.zoo.runs(task: task) where run.architectureId == architecture
                        && (source.includeFailed || run.status == .done) {
                        listed.append((task, run))
                    }
                }
                var rng = SeededGenerator(seed: source.seed)
                for i in stride(from: listed.count - 1, to: 0, by: -1) { listed.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
                runs = listed
            } catch {
                self.error = error
            }
        }

        public mutating func next() -> TrainingPair? {
            while true {
                if let current, first < members.count {
                    if second == first { second += 1 }
                    if second < members.count {
                        defer { second += 1 }
                        return TrainingPair(task: current.task, runIndex: current.run.runIndex, a: members[first], b: members[second])
                    }
                    first += 1
                    second = 0
                    continue
                }
                guard error == nil, runPosition < runs.count else { return nil }
                let entry = runs[runPosition]
                runPosition += 1
                do {
                    members = try source.zoo.parameters(of: entry.run).map {
                        PairMember(iteration: $0.record.iteration, parameters: $0.values, metrics: $0.record.metrics)
                    }
                } catch {
                    self.error = error
                    return nil
                }
                current = entry
                first = 0
                second = 0
            }
        }
    }
}

extension CheckpointRecord {
    /// The record's metrics.
    public var metrics: CheckpointMetrics {
        CheckpointMetrics(trainLoss: trainLoss, validationLoss: validationLoss, validationDice: validationDice,
                          testLoss: testLoss, testDice: testDice)
    }
}

extension Zoo {
    /// The architecture row of the plan's preset (nil before the first run is trained).
    public func planArchitectureID() throws -> Int64 {
        let name = plan.architectureName
        guard let id = try database.queue.read({
            try Int64.fetchOne($0, sql: "SELECT id FROM architectures WHERE name = ? ORDER BY id LIMIT 1", arguments: [name])
        }) else { throw ZooError.incompatible("the zoo at \(folder.path) holds no \(name) runs yet") }
        return id
    }
}
