import Foundation

/// A trivial way to make networks from the zoo's, which a generator must beat.
public enum BaselineFamily: String, Codable, Sendable, CaseIterable {
    /// Top checkpoints plus Gaussian noise of σ per-tensor standard deviations (Zeng et al.'s main baseline).
    case noise
    /// The average of the k best checkpoints, aligned to the best.
    case average
    /// Samples of a per-parameter Gaussian fitted to the aligned top checkpoints.
    case gaussian
    /// Points on the line between two aligned good runs' best checkpoints.
    case interpolation
    /// The unseen initialisations themselves.
    case initialisation
}

/// One setting of a baseline family on the audit's two axes.
public struct BaselinePoint: Codable, Sendable {
    public var family: BaselineFamily
    /// The setting in words: "σ 0.05", "k = 4", "t = 0.25".
    public var setting: String
    /// Test Dice of its networks.
    public var dice: Estimate
    /// Their novelty (aligned distance to the nearest learned network over the reference distance).
    public var novelty: Estimate

    public init(family: BaselineFamily, setting: String, dice: Estimate, novelty: Estimate) {
        self.family = family
        self.setting = setting
        self.dice = dice
        self.novelty = novelty
    }
}

/// The baselines' points and their upper envelope: the best Dice a trivial method reaches at
/// a given novelty or beyond.
public struct MemorisationFrontier: Codable, Sendable {
    public var points: [BaselinePoint]

    public init(points: [BaselinePoint]) {
        self.points = points
    }

    /// The baseline that sets the frontier at `novelty`: the best mean Dice of any baseline at
    /// least that novel. Beyond the most novel baseline it is that baseline: being newer than
    /// every trivial method is no merit by itself (a fresh initialisation is newer still), so
    /// Dice is compared with it.
    public func frontierPoint(atNovelty novelty: Double) -> BaselinePoint? {
        if let best = points.filter({ $0.novelty.mean >= novelty && $0.dice.mean.isFinite }).max(by: { $0.dice.mean < $1.dice.mean }) {
            return best
        }
        return points.filter { $0.novelty.mean.isFinite }.max { $0.novelty.mean < $1.novelty.mean }
    }

    /// The best mean Dice of any baseline at least as novel as `novelty` (see `frontierPoint`).
    public func bestDice(atNovelty novelty: Double) -> Double {
        frontierPoint(atNovelty: novelty)?.dice.mean ?? 0
    }

    /// The envelope's corners, novelty ascending: where the best Dice at or beyond a novelty steps down.
    public var envelope: [(novelty: Double, dice: Double)] {
        let sorted = points.filter { $0.novelty.mean.isFinite && $0.dice.mean.isFinite }.sorted { $0.novelty.mean < $1.novelty.mean }
        return sorted.map { point in (point.novelty.mean, bestDice(atNovelty: point.novelty.mean)) }
    }

    /// Where networks of Dice `dice` at novelty `novelty` sit against the baseline that sets the
    /// frontier at the mean novelty: above when the two 95% intervals do not overlap and theirs is
    /// higher ("beats"), below when they do not overlap and theirs is lower, on otherwise.
    public func position(dice: Estimate, novelty: Estimate) -> FrontierPosition {
        guard let frontier = frontierPoint(atNovelty: novelty.mean) else { return .above }
        if dice.lower > frontier.dice.upper { return .above }
        if dice.upper < frontier.dice.lower { return .below }
        return .on
    }
}
