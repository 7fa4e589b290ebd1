import Segmentation
import Zoo

/// What the calls of one generation read their gradients on.
public enum GenerationData: Sendable {
    /// Fresh draws of the optimiser's kind (`CallGradient`): call k reads draw k of stream
    /// `stream` (`LearnedOptimizer.draw(call:stream:)`), as in distillation; generations on
    /// different streams read different data, those on one stream the same.
    case freshDraws(stream: Int)
    /// Fresh draws, the first `calls` calls made apart by one fork per stream of `streams` (each
    /// from the start, on its own stream, with its own memory), then the forks' parameter-wise
    /// mean, with the mean of their memories, going on alone on the first stream: the mean of
    /// several generations taken early, where their data set them apart, at the cost of only
    /// their first calls. The forks' networks are not checked.
    case forkedDraws(streams: Range<Int>, calls: Int)
    /// The batches a run with this recipe and data seed trains on (`RecipeBatches`), spread over
    /// the generation's call budget as the calls' poly schedule spreads the run's: the network
    /// asked for is the one that run trains from the start, and this is the data it sees.
    case recipeBatches(RunHyperparameters, seed: UInt64)

    /// The run iterations call `call` of `calls` reads: ⌊k·N/C⌋ ..< ⌊(k+1)·N/C⌋ for a run of N
    /// iterations, N taken as C when shorter (then call k reads iteration k).
    static func iterations(call: Int, of calls: Int, runIterations: Int) -> Range<Int> {
        let spread = max(runIterations, calls)
        return (call * spread / calls)..<((call + 1) * spread / calls)
    }
}

/// The batch one call's gradient is read on.
public enum CallBatch {
    /// The call's own draw of fresh-draw stream `stream` (`LearnedOptimizer.draw(call:stream:)`).
    case draw(stream: Int)
    /// A batch chosen by the caller (a recipe's, for instance).
    case given(PatchBatch)
}

/// How an evaluation chooses each generation's `GenerationData`.
public enum EvaluationData: String, Codable, Sendable, CaseIterable {
    /// Every generation reads fresh draws.
    case freshDraws = "fresh-draws"
    /// Each generation reads the batches of the run its start fidelity is measured against: an
    /// unseen start the data order its recipe training draws (`RecipeDataOrder.trained`), a
    /// seen start its zoo run's.
    case recipeBatches = "recipe-batches"
}

/// Which fresh-draw streams the starts of an evaluation read.
public enum StreamSharing: String, Codable, Sendable, CaseIterable {
    /// Every start reads the same streams: start dependence is then measured under one sampling
    /// noise, but every figure averaged over starts is one data order's.
    case shared
    /// Each start reads streams of its own, so that figures averaged over starts average over
    /// data orders too; start dependence compares each start's network with its successor's
    /// generated on the same streams (one more generation per start).
    case perStart = "per-start"
}
