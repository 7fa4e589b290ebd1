import Foundation

/// Does a generator invent networks or retrieve them? The measures of Zeng et al. (2025,
/// "Generative Modeling of Weights: Generalization or Memorization?") for one task and one
/// kind of start, each over the generated networks with its 95% interval.
public struct StartKindAudit: Codable, Sendable {
    /// Aligned distance to the nearest network the generator learned from, over the zoo's
    /// reference distance: 1 = as new as another training run, near 0 = a copy.
    public var novelty: Estimate
    /// The largest Dice overlap of the network's error voxels (validation cases) with any
    /// learned network's: near 1 = it makes a learned network's mistakes.
    public var behaviouralOverlap: Estimate
    /// Aligned distance between networks generated from different starts at the same prompt,
    /// over the reference distance: 0 = the start is ignored.
    public var startDependence: Estimate
    /// (a) Distance from the generated network to the network trained from the same start,
    /// over the start's own distance to it: < 1 = moved towards its own trained network; the
    /// start itself scores 1. Nil when no start was trained.
    public var fidelityToStart: Estimate?
    /// (b) The same distance over the distance to the nearest network trained from another
    /// start: < 1 = nearer its own than any other. Met by returning the start, so read with (a).
    public var fidelityAgainstOthers: Estimate?
    /// (a) and (b) of the starts trained once more with the recipe on another order of the data
    /// (nil where they were not): what training itself scores, the scale for a generator that
    /// cannot know the recipe's batches.
    public var retrainedFidelityToStart: Estimate?
    public var retrainedFidelityAgainstOthers: Estimate?
    /// (a) and (b) of the recipe's own trainings stopped at their best validation Dice (nil where
    /// not measured): the scale for a generator that answers its prompt with its best
    /// validation network, where the recipe goes on past that point.
    public var earlyStoppedFidelityToStart: Estimate?
    public var earlyStoppedFidelityAgainstOthers: Estimate?
    /// (a) and (b) of the generated networks against the recipe's own answers to the same prompt
    /// (its first network reaching the prompt, else its best by validation; nil where not
    /// measured): how near a generator comes to the network the recipe would answer with. A
    /// generator that followed the recipe exactly scores 0 here and the early-stopped figure above.
    public var fidelityToRecipeAnswer: Estimate?
    public var fidelityAgainstOtherRecipeAnswers: Estimate?
    /// Test Dice and novelty of the recipe's own answers to the prompt (nil where not measured):
    /// what training itself delivers from the same starts, on the audit's two axes.
    public var recipeAnswerDice: Estimate?
    public var recipeAnswerNovelty: Estimate?
    /// The generated networks' test Dice minus the recipe's answers', start by start (nil where
    /// not measured): near 0 = as good as training from each start, failing only where it fails.
    public var diceOverRecipeAnswer: Estimate?
    /// Start fidelity (a) and (b) and test Dice of the mean of several recipe reruns from each
    /// start on other data orders (nil where not measured): how near the network a start leads to
    /// whatever the data comes to the one its recipe training reached, the nearest a generator
    /// that does not know the recipe's batches can be expected to land.
    public var rerunMean: RerunMeanAudit?
    /// Test Dice of the generated networks (the y axis of the accuracy-vs-novelty plot).
    public var dice: Estimate
}

/// The audit's measures of the mean of several recipe reruns from each start (`RerunMean`).
public struct RerunMeanAudit: Codable, Sendable {
    /// How many reruns each mean averages.
    public var reruns: Int
    public var fidelityToStart: Estimate?
    public var fidelityAgainstOthers: Estimate?
    /// Test Dice of the mean networks: whether averaging the reruns keeps a trained network.
    public var dice: Estimate
}

/// The memorisation audit of one task.
public struct MemorisationAudit: Codable, Sendable {
    public var task: String
    /// The zoo's reference distance (median over the reference runs, at most 256 of the learned
    /// runs, of a final's aligned distance to the nearest network of another run), in per-tensor
    /// standard deviations.
    public var referenceDistance: Double
    /// The largest error overlap of each reference run's final with any other run's networks:
    /// what behavioural overlap looks like between independent training runs.
    public var zooBehaviouralOverlap: Estimate
    public var unseen: StartKindAudit
    public var seen: StartKindAudit
    /// The baselines on the same axes and their upper envelope.
    public var frontier: MemorisationFrontier
    /// Where the generated networks from unseen starts sit against the frontier.
    public var position: FrontierPosition
    /// Where the recipe's own answers from the same unseen starts sit against it (nil where not
    /// measured): the verdict training itself earns from these starts. A start the recipe cannot
    /// train pulls both Dice intervals down; read the generator's verdict beside this one.
    public var recipeAnswerPosition: FrontierPosition?
    /// One line stating that, with the numbers it rests on.
    public var conclusion: String
}

/// A generator's place against the memorisation frontier at its own novelty.
public enum FrontierPosition: String, Codable, Sendable {
    /// Its Dice interval lies wholly above the best trivial method at that novelty.
    case above
    /// The intervals overlap: a trivial method does as well at that novelty.
    case on
    /// Its Dice interval lies wholly below.
    case below
}

/// The voxels a network gets wrong on the validation cases, one bit each, with their count:
/// the audit compares every generated network's errors with those of every learned network
/// (hundreds of thousands of masks at 10,000 runs), a word-wise AND and a popcount each.
public struct ErrorMask: Sendable, Equatable {
    /// The voxels the mask covers.
    public let voxels: Int
    private let words: [UInt64]
    /// How many voxels are wrong.
    public let count: Int

    public init(_ wrong: [Bool]) {
        voxels = wrong.count
        var words = [UInt64](repeating: 0, count: (wrong.count + 63) / 64)
        for (i, isWrong) in wrong.enumerated() where isWrong { words[i >> 6] |= 1 << UInt64(i & 63) }
        self.words = words
        count = words.reduce(0) { $0 + $1.nonzeroBitCount }
    }

    /// The error overlap of two networks: Dice between the sets of voxels each gets wrong.
    /// Two networks with no errors at all overlap fully (1).
    public func overlap(with other: ErrorMask) -> Double {
        precondition(voxels == other.voxels, "error masks of different cases")
        var both = 0
        for i in words.indices { both += (words[i] & other.words[i]).nonzeroBitCount }
        let total = count + other.count
        return total > 0 ? Double(2 * both) / Double(total) : 1
    }
}
