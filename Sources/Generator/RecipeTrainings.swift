import Foundation
import Segmentation
import TensorEngine
import Zoo

/// A start trained with a zoo run's recipe: the network it really leads to and, for the
/// `trained` data order, how it got there.
public struct RecipeTraining: Sendable {
    public var final: [Float]
    /// The network at each iteration whose validation Dice beat every earlier one, in order
    /// (`trained` order only). The first network to reach any value is one of them, so they hold
    /// the recipe's answer to every prompt.
    public var records: [(iteration: Int, validationDice: Double, network: [Float])]
    /// (iteration, seconds of training alone, validation Dice) at every iteration from 0
    /// (`trained` order only): the time to a target is read at the iteration that reaches it.
    public var curve: [(iteration: Int, seconds: Double, validationDice: Double)]
    /// Test Dice at `RecipeTraining.testIterations(upTo:)` of the recipe (`trained` order only): the report's training curve.
    public var testDice: [Double]
    /// Seconds of training alone, measurements left out.
    public var seconds: Double

    /// The network at the first iteration with the best validation Dice (`trained` order only):
    /// the recipe stopped early by validation, what a generator that answers its prompt with the
    /// best validation network would return if it followed the recipe exactly.
    public var earlyStopped: [Float]? { records.last?.network }

    /// The recipe's own answer to `prompt`, by the rule a learned optimiser answers by under
    /// `GenerationAnswer.best`: its first network whose validation Dice reaches the prompt, else
    /// its best (`trained` order only).
    public func answer(prompt: Double) -> [Float]? {
        (records.first { $0.validationDice >= prompt } ?? records.last)?.network
    }

    /// Seconds of training until the validation Dice first reached `target` (nil: never).
    public func secondsToReach(_ target: Double) -> Double? { firstReaching(target)?.seconds }

    /// The first iteration whose validation Dice reached `target` (nil: never).
    public func iterationsToReach(_ target: Double) -> Int? { firstReaching(target)?.iteration }

    private func firstReaching(_ target: Double) -> (iteration: Int, seconds: Double, validationDice: Double)? {
        curve.first { $0.validationDice >= target }
    }

    /// The iterations test Dice is measured at: 0, then doubling from 10, ending at `last`.
    public static func testIterations(upTo last: Int) -> [Int] {
        var points = [0], next = 10
        while next < last {
            points.append(next)
            next *= 2
        }
        return points + [last]
    }
}

/// Data orders of a start's recipe training: `trained` is the network start fidelity compares
/// with; `retrained` draws other batches, for the fidelity training itself scores; `rerun(j)`
/// (j = 0 ..< `RecipeDataOrder.reruns`) draws others again, and the mean of such reruns stands for
/// the network a start leads to whatever the data.
public enum RecipeDataOrder: Hashable, Sendable {
    case trained
    case retrained
    case rerun(Int)

    /// The most `rerun` orders: their seeds stay clear of every other order's and of the rate calibration's (8,000,000 + k).
    public static let reruns = 20

    /// The data seed of start `start`'s training: 7,100,000 + k (`trained`, as the experiment's
    /// training baseline), 7,300,000 + k (`retrained`), 7,500,000 + 10,000 j + k (`rerun(j)`), for
    /// k < 10,000 starts.
    public func seed(start: Int) -> UInt64 {
        precondition((0..<10_000).contains(start), "start \(start) out of the data orders' range")
        switch self {
        case .trained: return 7_100_000 + UInt64(start)
        case .retrained: return 7_300_000 + UInt64(start)
        case let .rerun(j):
            precondition((0..<Self.reruns).contains(j), "rerun \(j) out of range")
            return 7_500_000 + 10_000 * UInt64(j) + UInt64(start)
        }
    }
}

/// Starts trained with a zoo run's recipe on a task's training cases: the networks start
/// fidelity compares generated ones with, and the training a generator's time is measured
/// against. Kept once trained, so that every generator an experiment evaluates is judged against
/// the same trainings and none is repeated: one instance per experiment (or per evaluation).
public final class RecipeTrainings: @unchecked Sendable {
    private struct Key: Hashable {
        let task: String
        let start: [Float]
        let run: Int64?
        let dataSeed: UInt64
    }

    private var kept: [Key: RecipeTraining] = [:]
    private let lock = NSLock()

    public init() {}

    /// Start k of `starts` trained with `run`'s recipe (the zoo plan's `patchSize`) on
    /// `evaluator`'s training cases, batches drawn with `order`'s seed for start k; `trained`-order
    /// trainings are measured along the way (`RecipeTraining`). Trains only what this instance has
    /// not trained before, the starts side by side.
    public func train(_ starts: [[Float]], task: String, run: RunRecord, order: RecipeDataOrder, patchSize: [Int],
                      evaluator: TaskEvaluator, assembly: NetworkAssembly) throws -> [RecipeTraining] {
        let keys = starts.indices.map { Key(task: task, start: starts[$0], run: run.id, dataSeed: order.seed(start: $0)) }
        let missing = locked { keys.indices.filter { kept[keys[$0]] == nil } }
        let trained = try parallelMap(missing.count) { k in
            try Self.train(starts[missing[k]], recipe: run.hyperparameters, seed: keys[missing[k]].dataSeed, measured: order == .trained,
                           patchSize: patchSize, evaluator: evaluator, assembly: assembly)
        }
        return locked {
            for (index, training) in zip(missing, trained) { kept[keys[index]] = training }
            return keys.map { kept[$0]! }
        }
    }

    private func locked<T>(_ body: () -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body()
    }

    private static func train(_ start: [Float], recipe: RunHyperparameters, seed: UInt64, measured: Bool, patchSize: [Int],
                              evaluator: TaskEvaluator, assembly: NetworkAssembly) throws -> RecipeTraining {
        // Every iteration: a sparser curve would credit the training with the iterations up to the next check.
        let validated = measured ? Set(0...recipe.iterations) : []
        let tested = measured ? Set(RecipeTraining.testIterations(upTo: recipe.iterations)) : []
        var result = RecipeTraining(final: [], records: [], curve: [], testDice: [], seconds: 0)
        var bestDice = -Double.infinity
        let began = Date()
        var measuring = 0.0
        // On a lent network set to the start (see `NetworkAssembly.withNetwork`), as generations are timed.
        try assembly.withNetwork(start) { network in
            try evaluator.train(network, hyperparameters: recipe, patchSize: patchSize, seed: seed,
                                snapshotIterations: validated.union(tested).union([recipe.iterations])) { snapshot in
                let entered = Date()
                if validated.contains(snapshot.iteration) {
                    let dice = try evaluator.validationDice(snapshot.network)
                    result.curve.append((snapshot.iteration, entered.timeIntervalSince(began) - measuring, dice))
                    if dice > bestDice {
                        bestDice = dice
                        result.records.append((snapshot.iteration, dice, try assembly.layout.flatten(snapshot.network)))
                    }
                }
                if tested.contains(snapshot.iteration) { result.testDice.append(try evaluator.testDice(snapshot.network)) }
                if snapshot.iteration == recipe.iterations { result.final = try assembly.layout.flatten(snapshot.network) }
                measuring += Date().timeIntervalSince(entered)
            }
        }
        result.seconds = Date().timeIntervalSince(began) - measuring
        return result
    }
}
