import Foundation
import TensorEngine

extension MemorisationAuditor {
    /// Noise levels of the noise baseline, in per-tensor standard deviations.
    public static let noiseLevels = [0.01, 0.05, 0.1, 0.2]
    /// Checkpoints averaged by the average baseline.
    public static let averageSizes = [2, 4, 16]
    /// Positions on the line between two good runs.
    public static let interpolationFractions: [Float] = [0.25, 0.5, 0.75]
    /// The fewest networks per setting of the random families (noise, Gaussian); with more
    /// unseen starts audited they draw as many, so each baseline's interval rests on as many
    /// samples as the generator's.
    public static let minimumNetworksPerSetting = 8
    /// Pairs of good runs the interpolation baseline draws its lines between.
    public static let interpolationPairs = 8

    /// The baseline families on (test Dice, novelty), built from the best checkpoint (by
    /// validation Dice) of each learned run, best run first, aligned to the best: noise on the
    /// top 4 (as many draws each); averages of the top k; draws of a per-parameter Gaussian fitted
    /// to the top 16 (as many draws per random setting as `initialisations`, at least 8); points on the lines between the 8 best pairs of the top 5 (smallest rank
    /// sum first: every pair of the top 4, then the 1st and 2nd with the 5th); and
    /// `initialisations`. The samples come from the same best runs as a smaller baseline would
    /// use, so the baseline is not weakened to be sampled more; fewer runs give fewer networks.
    public func baselines(initialisations: [[Float]], seed: UInt64) throws -> MemorisationFrontier {
        let ranked = learned.runs.indices.sorted { learned.bestValidationDice[$0] > learned.bestValidationDice[$1] }
        let top = ranked.map { learned.runs[$0][learned.bestCheckpoint[$0]] }
        let aligned = [top[0]] + top.dropFirst().map { distance.permutation.align($0, to: top[0]) }
        var rng = SeededGenerator(seed: seed)
        let draws = max(Self.minimumNetworksPerSetting, initialisations.count)
        var settings: [(family: BaselineFamily, setting: String, networks: [[Float]])] = []
        for sigma in Self.noiseLevels {
            let drawn = (0..<draws).map { top[$0 % min(4, top.count)] }
            settings.append((.noise, String(format: "σ %.2f", sigma), drawn.map { distance.perturbed($0, sigma: sigma, rng: &rng) }))
        }
        var sizes = Self.averageSizes.filter { $0 < aligned.count }
        if sizes.count < Self.averageSizes.count { sizes.append(aligned.count) }
        for k in sizes { settings.append((.average, "k = \(k)", [parameterwiseMean(Array(aligned.prefix(k)))])) }
        settings.append((.gaussian, "fitted to k = \(min(16, aligned.count))",
                         gaussianDraws(Array(aligned.prefix(16)), count: draws, rng: &rng)))
        let ranks = aligned.indices.prefix(5)
        let bestPairs = ranks.flatMap { i in ranks.filter { $0 > i }.map { (i, $0) } }.sorted { ($0.0 + $0.1, $0.0) < ($1.0 + $1.1, $1.0) }
        let pairs = bestPairs.prefix(Self.interpolationPairs).map { (aligned[$0.0], aligned[$0.1]) }
        for t in Self.interpolationFractions {
            settings.append((.interpolation, String(format: "t = %.2f", t), pairs.map { a, b in zip(a, b).map { $0 + t * ($1 - $0) } }))
        }
        settings.append((.initialisation, "the unseen starts", initialisations))
        let networks = settings.flatMap(\.networks)
        let measured = try parallelMap(networks.count) { (dice: try testDice(networks[$0]), novelty: novelty(networks[$0])) }
        var position = 0
        let points = settings.map { setting -> BaselinePoint in
            let slice = measured[position..<(position + setting.networks.count)]
            position += setting.networks.count
            return BaselinePoint(family: setting.family, setting: setting.setting, dice: Estimate(slice.map(\.dice)),
                                 novelty: Estimate(slice.map(\.novelty)))
        }
        return MemorisationFrontier(points: points)
    }

    /// Independent draws of a Gaussian with each parameter's mean and standard deviation over `members`.
    func gaussianDraws(_ members: [[Float]], count: Int, rng: inout SeededGenerator) -> [[Float]] {
        let mean = parameterwiseMean(members)
        let deviation = mean.indices.map { i in
            (members.map { ($0[i] - mean[i]) * ($0[i] - mean[i]) }.reduce(0, +) / Float(members.count)).squareRoot()
        }
        return (0..<count).map { _ in mean.indices.map { mean[$0] + deviation[$0] * rng.nextNormal() } }
    }
}
