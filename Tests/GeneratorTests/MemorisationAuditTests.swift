import Segmentation
import TensorEngine
import XCTest
import Zoo
@testable import Generator

/// The audit's measures on networks whose answers are known: copies, noisy copies, the starts
/// themselves and the networks "trained" from them (here a fixed move away from each start).
final class MemorisationAuditTests: XCTestCase {
    private let configuration = UNetPreset.tiny.configuration(spatialRank: 2)

    private func network(seed: UInt64) throws -> [Float] {
        try ParameterLayout(try PlainConvUNet(configuration, seed: 0)).flatten(try PlainConvUNet(configuration, seed: seed))
    }

    /// Four runs of three networks: a start, halfway, and the start moved by a second random network.
    private func auditor() throws -> MemorisationAuditor {
        let layout = ParameterLayout(try PlainConvUNet(configuration, seed: 0))
        let runs = try (0..<4).map { run -> [[Float]] in
            let start = try network(seed: 100 + UInt64(run)), move = try network(seed: 200 + UInt64(run))
            return [start, zip(start, move).map { $0 + 0.5 * $1 }, zip(start, move).map { $0 + $1 }]
        }
        let learned = LearnedNetworks(runs: runs, bestCheckpoint: [2, 2, 2, 2], bestValidationDice: [0.8, 0.9, 0.7, 0.6],
                                      final: [2, 2, 2, 2])
        let distance = AlignedDistance(normalizer: ParameterNormalizer(layout: layout, checkpoints: runs.flatMap { $0 }),
                                       permutation: try UNetPermutation(configuration: configuration, layout: layout))
        // Errors: where the first thousand parameters are positive; Dice: the mean of the first ten.
        return try MemorisationAuditor(task: "cord", learned: learned, distance: distance,
                                       errors: { Array($0.prefix(1000).map { $0 > 0 }) },
                                       testDice: { Double($0.prefix(10).reduce(0, +)) / 10 })
    }

    func testACopyOfALearnedNetworkHasNoveltyZeroAndIgnoresItsStart() throws {
        let auditor = try auditor()
        XCTAssertGreaterThan(auditor.reference.median, 0.1, "independent runs lie apart")
        let copy = auditor.learned.runs[1][2]
        var rng = SeededGenerator(seed: 5)
        let permutation = auditor.distance.permutation
        let reordered = permutation.apply(permutation.sample(&rng), to: copy)
        let starts = try (0..<3).map { try network(seed: 300 + UInt64($0)) }
        let audit = try auditor.measure(AuditedStarts(starts: starts, generated: [copy, reordered, copy], dice: [0.9, 0.9, 0.9]))
        XCTAssertEqual(audit.novelty.mean, 0, accuracy: 1e-6, "a copy, in any channel order, is no distance from the zoo")
        XCTAssertEqual(audit.startDependence.mean, 0, accuracy: 1e-6, "the same network from every start ignores the start")
        XCTAssertEqual(audit.behaviouralOverlap.values[0], 1, "a copy makes exactly the learned network's mistakes")
    }

    /// A generator that ignores its start but draws its own noise per start gives different
    /// networks from different starts; under one noise (the successor generated with each
    /// start's noise) they are the same, and start dependence is 0. A generator that moves
    /// each start keeps its dependence either way.
    func testStartDependenceHoldsTheSamplingNoiseFixed() throws {
        let auditor = try auditor()
        let starts = try (0..<4).map { try network(seed: 600 + UInt64($0)) }
        let noises = try (0..<4).map { try network(seed: 700 + UInt64($0)) }
        let answer = auditor.learned.runs[0][2]
        // Ignores the start: the network for noise k is the answer plus noise k, whichever start it came with.
        let ignoring = noises.map { noise in zip(answer, noise).map { $0 + 0.3 * $1 } }
        let noiseOnly = try auditor.measure(AuditedStarts(starts: starts, generated: ignoring, dice: [0, 0, 0, 0]))
        XCTAssertGreaterThan(noiseOnly.startDependence.mean, 0.1, "without the successor under one noise, noise reads as dependence")
        let heldFixed = try auditor.measure(AuditedStarts(starts: starts, generated: ignoring, dice: [0, 0, 0, 0], fromNextStart: ignoring))
        XCTAssertEqual(heldFixed.startDependence.mean, 0, accuracy: 1e-9)
        // Reads the start: start + noise; the successor under this noise is the next start + this noise.
        let reading = zip(starts, noises).map { start, noise in zip(start, noise).map { $0 + 0.1 * $1 } }
        let successors = zip(nextInRing(starts), noises).map { start, noise in zip(start, noise).map { $0 + 0.1 * $1 } }
        let dependent = try auditor.measure(AuditedStarts(starts: starts, generated: reading, dice: [0, 0, 0, 0], fromNextStart: successors))
        XCTAssertGreaterThan(dependent.startDependence.mean, 0.5)
        XCTAssertEqual(nextInRing([1, 2, 3]), [2, 3, 1])
    }

    /// The packed masks' overlap is Dice between the error sets, counted voxel by voxel, for
    /// lengths that do not fill their last word; no errors on either side overlap fully.
    func testErrorMaskOverlapIsDiceOfTheErrorSets() {
        var rng = SeededGenerator(seed: 21)
        for voxels in [1, 63, 64, 65, 1000] {
            for density in [0.0, 0.1, 0.5] {
                let a = (0..<voxels).map { _ in Double(rng.next() % 1000) / 1000 < density }
                let b = (0..<voxels).map { i in i % 3 == 0 ? a[i] : Double(rng.next() % 1000) / 1000 < density }
                let both = zip(a, b).filter { $0 && $1 }.count, total = a.filter { $0 }.count + b.filter { $0 }.count
                let expected = total == 0 ? 1 : Double(2 * both) / Double(total)
                XCTAssertEqual(ErrorMask(a).overlap(with: ErrorMask(b)), expected, accuracy: 1e-12, "\(voxels) voxels, density \(density)")
                XCTAssertEqual(ErrorMask(a).count, a.filter { $0 }.count)
            }
        }
        XCTAssertEqual(ErrorMask([true, false]).overlap(with: ErrorMask([false, false])), 0)
    }

    func testNoiseOfSigmaHasTheNoveltyOfSigma() throws {
        let auditor = try auditor()
        for sigma in [0.02, 0.05] {
            var rng = SeededGenerator(seed: 9)
            let noisy = auditor.distance.perturbed(auditor.learned.runs[0][2], sigma: sigma, rng: &rng)
            XCTAssertEqual(auditor.novelty(noisy) * auditor.reference.median, sigma, accuracy: 0.05 * sigma,
                           "noise of σ per-tensor deviations lies σ from the network it was added to")
        }
    }

    func testAStartThatTrainingLeavesWhereItIsHasNoFidelityA() throws {
        let auditor = try auditor()
        let starts = try (0..<3).map { try network(seed: 400 + UInt64($0)) }
        var answers = try starts.enumerated().map { index, start in zip(start, try network(seed: 500 + UInt64(index))).map { $0 + $1 } }
        let halfway = zip(starts, answers).map { start, end in zip(start, end).map { $0 + 0.5 * ($1 - $0) } }
        answers[1] = starts[1]  // the recipe never got past this start's validation Dice: its answer is the start
        let audit = try auditor.measure(AuditedStarts(starts: starts, generated: halfway, dice: [0, 0, 0], trained: answers, recipeAnswers: answers))
        let others = [0, 2]
        let withoutIt = try auditor.measure(AuditedStarts(starts: others.map { starts[$0] }, generated: others.map { halfway[$0] }, dice: [0, 0],
                                                          trained: others.map { answers[$0] }))
        for estimate in [audit.fidelityToStart, audit.fidelityToRecipeAnswer] {
            let fidelity = try XCTUnwrap(estimate)
            XCTAssertEqual(fidelity.values.count, 2, "the start whose answer is itself is left out, not counted as 0/0")
            XCTAssertEqual(fidelity.mean, try XCTUnwrap(withoutIt.fidelityToStart).mean, accuracy: 1e-9, "the other two starts' (a)")
        }
        XCTAssertEqual(try XCTUnwrap(audit.fidelityAgainstOtherRecipeAnswers).values.count, 3, "(b) still counts every start")
    }

    /// The recipe's own answers are measured on the audit's axes beside the generated networks,
    /// and the Dice difference pairs each start with its own answer: a generator that fails only
    /// where the recipe fails differs by 0 there, however low both means fall.
    func testTheRecipesAnswersAreScoredBesideTheGeneratedNetworksStartByStart() throws {
        let auditor = try auditor()
        let starts = try (0..<3).map { try network(seed: 400 + UInt64($0)) }
        let answers = [auditor.learned.runs[0][2], auditor.learned.runs[1][2], starts[2]]
        let generated = try (0..<3).map { try network(seed: 800 + UInt64($0)) }
        let dice = [0.9, 0.4, 0.05]
        let unseen = AuditedStarts(starts: starts, generated: generated, dice: dice, trained: answers, recipeAnswers: answers)
        let measured = try auditor.measure(unseen)
        let answerDice = try answers.map { try auditor.testDice($0) }
        XCTAssertEqual(try XCTUnwrap(measured.recipeAnswerDice).values, answerDice, "each answer's test Dice, as the auditor measures it")
        XCTAssertEqual(try XCTUnwrap(measured.recipeAnswerNovelty).values[0], 0, accuracy: 1e-6, "an answer that is a learned network is no distance from the zoo")
        let difference = try XCTUnwrap(measured.diceOverRecipeAnswer).values
        for k in 0..<3 { XCTAssertEqual(difference[k], dice[k] - answerDice[k], accuracy: 1e-12, "start \(k): generated minus its own answer") }
        XCTAssertNil(try auditor.measure(AuditedStarts(starts: starts, generated: generated, dice: dice, trained: answers)).recipeAnswerDice,
                     "no recipe answers, no figure for them")
        let audit = try auditor.audit(unseen: unseen, seen: AuditedStarts(starts: starts, generated: generated, dice: dice))
        let expected = audit.frontier.position(dice: try XCTUnwrap(audit.unseen.recipeAnswerDice), novelty: try XCTUnwrap(audit.unseen.recipeAnswerNovelty))
        XCTAssertEqual(audit.recipeAnswerPosition, expected, "the recipe's answers placed against the same frontier")
        XCTAssertTrue(audit.conclusion.contains("the recipe's own answers from the first 3 of these starts"), audit.conclusion)
        XCTAssertNil(try auditor.audit(unseen: AuditedStarts(starts: starts, generated: generated, dice: dice),
                                       seen: AuditedStarts(starts: starts, generated: generated, dice: dice)).recipeAnswerPosition)
    }

    /// The mean of reruns is scored as a generated network would be, and averages parameter by parameter.
    func testTheMeanOfRerunsIsScoredAsAGeneratedNetworkWouldBe() throws {
        let auditor = try auditor()
        let starts = try (0..<3).map { try network(seed: 400 + UInt64($0)) }
        let trained = try starts.enumerated().map { index, start in zip(start, try network(seed: 500 + UInt64(index))).map { $0 + $1 } }
        let reruns = try (0..<2).map { j in try (0..<3).map { try network(seed: 900 + 10 * UInt64(j) + UInt64($0)) } }
        let mean = RerunMean(of: reruns)
        XCTAssertEqual(mean.reruns, 2)
        for k in 0..<3 {
            for i in [0, 17, mean.networks[k].count - 1] {
                XCTAssertEqual(mean.networks[k][i], (reruns[0][k][i] + reruns[1][k][i]) / 2, accuracy: 1e-6, "start \(k), parameter \(i)")
            }
        }
        let audit = try auditor.measure(AuditedStarts(starts: starts, generated: starts, dice: [0, 0, 0], trained: trained, rerunMean: mean))
        let asGenerated = try auditor.measure(AuditedStarts(starts: starts, generated: mean.networks, dice: [0, 0, 0], trained: trained))
        let measured = try XCTUnwrap(audit.rerunMean)
        XCTAssertEqual(measured.reruns, 2)
        XCTAssertEqual(try XCTUnwrap(measured.fidelityToStart).values, try XCTUnwrap(asGenerated.fidelityToStart).values)
        XCTAssertEqual(try XCTUnwrap(measured.fidelityAgainstOthers).values, try XCTUnwrap(asGenerated.fidelityAgainstOthers).values)
        XCTAssertEqual(measured.dice.values, try mean.networks.map { try auditor.testDice($0) })
        XCTAssertEqual(audit.fidelityToStart?.mean ?? .nan, 1, accuracy: 1e-12, "the generated networks' own figure is unchanged")
        XCTAssertNil(asGenerated.rerunMean, "no reruns, no figure for them")
    }

    /// Every data order's seeds differ from every other's and stay below the rate calibration's 8,000,000.
    func testTheRecipesDataOrdersNeverShareASeed() {
        let orders = [RecipeDataOrder.trained, .retrained] + (0..<RecipeDataOrder.reruns).map { RecipeDataOrder.rerun($0) }
        let seeds = orders.flatMap { order in [0, 1, 31, 9_999].map { order.seed(start: $0) } }
        XCTAssertEqual(Set(seeds).count, seeds.count)
        XCTAssertTrue(seeds.allSatisfy { $0 >= 7_100_000 && $0 < 8_000_000 })
        XCTAssertEqual(RecipeDataOrder.trained.seed(start: 3), 7_100_003, "the experiment's training baseline keeps its seeds")
        XCTAssertEqual(RecipeDataOrder.retrained.seed(start: 3), 7_300_003)
    }

    func testStartFidelityScoresTheStartOneAndItsOwnTrainedNetworkZero() throws {
        let auditor = try auditor()
        let starts = try (0..<3).map { try network(seed: 400 + UInt64($0)) }
        let trained = try starts.enumerated().map { index, start in zip(start, try network(seed: 500 + UInt64(index))).map { $0 + $1 } }
        let returnsStart = try auditor.measure(AuditedStarts(starts: starts, generated: starts, dice: [0, 0, 0], trained: trained))
        XCTAssertEqual(returnsStart.fidelityToStart?.mean ?? .nan, 1, accuracy: 1e-12, "returning the start scores (a) = 1")
        let returnsTrained = try auditor.measure(AuditedStarts(starts: starts, generated: trained, dice: [0, 0, 0], trained: trained))
        XCTAssertEqual(returnsTrained.fidelityToStart?.mean ?? .nan, 0, accuracy: 1e-12, "its own trained network scores (a) = 0")
        XCTAssertLessThan(try XCTUnwrap(returnsTrained.fidelityAgainstOthers).upper, 1)
        // Most of the way from the start to its trained network: (a) well below 1, and nearer its own than any other.
        let mostly = zip(starts, trained).map { start, end in zip(start, end).map { $0 + 0.8 * ($1 - $0) } }
        let moved = try auditor.measure(AuditedStarts(starts: starts, generated: mostly, dice: [0, 0, 0], trained: trained))
        XCTAssertLessThan(try XCTUnwrap(moved.fidelityToStart).upper, 0.5)
        XCTAssertLessThan(try XCTUnwrap(moved.fidelityAgainstOthers).upper, 1)
        XCTAssertNil(moved.retrainedFidelityToStart, "no retrained networks, no figure for them")
        XCTAssertNil(moved.earlyStoppedFidelityToStart, "no early-stopped networks, no figure for them")
        // Retrained networks are scored as generated ones are, beside them: here the starts themselves (a) = 1 and the trained (a) = 0.
        let withFloor = try auditor.measure(AuditedStarts(starts: starts, generated: mostly, dice: [0, 0, 0], trained: trained, retrained: starts))
        XCTAssertEqual(withFloor.retrainedFidelityToStart?.mean ?? .nan, 1, accuracy: 1e-12)
        XCTAssertEqual(withFloor.fidelityToStart?.mean ?? .nan, moved.fidelityToStart?.mean ?? .nan, accuracy: 1e-12)
        let exact = try auditor.measure(AuditedStarts(starts: starts, generated: mostly, dice: [0, 0, 0], trained: trained, retrained: trained))
        XCTAssertEqual(exact.retrainedFidelityToStart?.mean ?? .nan, 0, accuracy: 1e-12)
        XCTAssertLessThan(try XCTUnwrap(exact.retrainedFidelityAgainstOthers).upper, 1)
        // Early-stopped networks are scored as generated ones are, each against its own start's trained network.
        let halfway = zip(starts, trained).map { start, end in zip(start, end).map { $0 + 0.5 * ($1 - $0) } }
        let stopped = try auditor.measure(AuditedStarts(starts: starts, generated: mostly, dice: [0, 0, 0], trained: trained, earlyStopped: halfway))
        let asGenerated = try auditor.measure(AuditedStarts(starts: starts, generated: halfway, dice: [0, 0, 0], trained: trained))
        XCTAssertEqual(stopped.earlyStoppedFidelityToStart?.mean ?? .nan, asGenerated.fidelityToStart?.mean ?? .nan, accuracy: 1e-12)
        XCTAssertEqual(stopped.earlyStoppedFidelityAgainstOthers?.mean ?? .nan, asGenerated.fidelityAgainstOthers?.mean ?? .nan, accuracy: 1e-12)
        XCTAssertLessThan(try XCTUnwrap(stopped.earlyStoppedFidelityToStart).upper, 0.75, "halfway there: well below the start's 1")
        XCTAssertEqual(stopped.fidelityToStart?.mean ?? .nan, moved.fidelityToStart?.mean ?? .nan, accuracy: 1e-12, "the generated networks' figure is unchanged")
        XCTAssertNil(stopped.fidelityToRecipeAnswer, "no recipe answers, no figure against them")
        // Against the recipe's own answers: a generation that returns them scores 0, the start 1, and (a) and (b) read as against the trained networks.
        let answering = try auditor.measure(AuditedStarts(starts: starts, generated: halfway, dice: [0, 0, 0], trained: trained, recipeAnswers: halfway))
        XCTAssertEqual(answering.fidelityToRecipeAnswer?.mean ?? .nan, 0, accuracy: 1e-12, "the recipe's own answers score (a) = 0")
        XCTAssertLessThan(try XCTUnwrap(answering.fidelityAgainstOtherRecipeAnswers).upper, 1)
        XCTAssertEqual(answering.fidelityToStart?.mean ?? .nan, asGenerated.fidelityToStart?.mean ?? .nan, accuracy: 1e-12, "against the trained networks, unchanged")
        let startsAgainstAnswers = try auditor.measure(AuditedStarts(starts: starts, generated: starts, dice: [0, 0, 0], trained: trained, recipeAnswers: halfway))
        XCTAssertEqual(startsAgainstAnswers.fidelityToRecipeAnswer?.mean ?? .nan, 1, accuracy: 1e-12, "the start scores (a) = 1 against its answer too")
        let mostlyAgainstAnswers = try auditor.measure(AuditedStarts(starts: starts, generated: mostly, dice: [0, 0, 0], trained: trained, recipeAnswers: trained))
        XCTAssertEqual(mostlyAgainstAnswers.fidelityToRecipeAnswer?.mean ?? .nan, moved.fidelityToStart?.mean ?? .nan, accuracy: 1e-12,
                       "answers that are the trained networks give (a) itself")
    }

    func testTheFrontierIsTheBestDiceAtOrBeyondANovelty() throws {
        let frontier = MemorisationFrontier(points: [
            BaselinePoint(family: .noise, setting: "σ 0.01", dice: Estimate([0.9]), novelty: Estimate([0.05])),
            BaselinePoint(family: .noise, setting: "σ 0.2", dice: Estimate([0.6]), novelty: Estimate([0.5])),
            BaselinePoint(family: .initialisation, setting: "starts", dice: Estimate([0.05]), novelty: Estimate([1.2])),
        ])
        XCTAssertEqual(frontier.bestDice(atNovelty: 0), 0.9)
        XCTAssertEqual(frontier.bestDice(atNovelty: 0.3), 0.6)
        XCTAssertEqual(frontier.bestDice(atNovelty: 2), 0.05, "beyond every baseline, the most novel one's Dice")
        XCTAssertEqual(frontier.position(dice: Estimate([0.88, 0.89, 0.9]), novelty: Estimate([0.01])), .on)
        XCTAssertEqual(frontier.position(dice: Estimate([0.7, 0.71, 0.72]), novelty: Estimate([0.4])), .above)
        XCTAssertEqual(frontier.position(dice: Estimate([0.1, 0.11]), novelty: Estimate([0.4])), .below)
        // "Above" means the intervals do not overlap: a baseline as good within its own interval keeps it "on".
        let spread = MemorisationFrontier(points: [
            BaselinePoint(family: .noise, setting: "σ 0.2", dice: Estimate([0.55, 0.65, 0.75, 0.9]), novelty: Estimate([0.5])),
        ])
        XCTAssertEqual(spread.bestDice(atNovelty: 0.3), 0.7125, accuracy: 1e-12)
        XCTAssertEqual(spread.position(dice: Estimate([0.8, 0.81, 0.82]), novelty: Estimate([0.4])), .on,
                       "above the frontier's mean, inside its interval")
        XCTAssertEqual(spread.position(dice: Estimate([1.2, 1.21, 1.22]), novelty: Estimate([0.4])), .above)
        let auditor = try auditor()
        let baselines = try auditor.baselines(initialisations: [try network(seed: 9)], seed: 1)
        XCTAssertEqual(Set(baselines.points.map(\.family)), Set(BaselineFamily.allCases))
        let noise = baselines.points.filter { $0.family == .noise }.map(\.novelty.mean)
        XCTAssertEqual(noise, noise.sorted(), "more noise, more novelty")
        // At least 8 networks per random setting, drawn from the best runs; 4 runs give their 6 pairs.
        let counts = Dictionary(grouping: baselines.points, by: \.family).mapValues { Set($0.map(\.dice.values.count)) }
        XCTAssertEqual(counts[.noise], [8])
        XCTAssertEqual(counts[.gaussian], [8])
        XCTAssertEqual(counts[.interpolation], [6])
        // As many as the unseen starts audited when they are more: intervals on equal samples.
        let starts = try (0..<12).map { try network(seed: 20 + UInt64($0)) }
        let more = Dictionary(grouping: try auditor.baselines(initialisations: starts, seed: 1).points, by: \.family)
            .mapValues { Set($0.map(\.dice.values.count)) }
        XCTAssertEqual(more[.noise], [12])
        XCTAssertEqual(more[.gaussian], [12])
        XCTAssertEqual(more[.interpolation], [6])
    }

    func testTheZoosOwnMeasuresReadEveryRunOfASmallZooAndAnEvenSampleOfALargeOne() throws {
        let auditor = try auditor()
        XCTAssertEqual(auditor.learned.referenceRuns(), [0, 1, 2, 3], "a zoo under the limit: every run")
        XCTAssertEqual(auditor.reference.perRun.count, 4)
        XCTAssertEqual(auditor.learned.referenceRuns(limit: 2), [0, 2], "evenly spaced in run order")
        let large = LearnedNetworks(runs: Array(repeating: [[0], [1]], count: 1000), bestCheckpoint: Array(repeating: 1, count: 1000),
                                    bestValidationDice: Array(repeating: 0.5, count: 1000), final: Array(repeating: 1, count: 1000))
        let sampled = large.referenceRuns()
        XCTAssertEqual(sampled.count, 256)
        XCTAssertEqual(Set(sampled).count, 256, "no run twice")
        XCTAssertEqual(sampled.first, 0)
        XCTAssertEqual(sampled.last, 996, "the sample reaches the last runs")
    }
}
