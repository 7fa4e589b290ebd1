import Foundation
import Segmentation
import TensorEngine
import Zoo

/// The networks of one kind of start (unseen or seen) that an audit measures.
public struct AuditedStarts {
    /// The starts the generator was handed.
    public var starts: [[Float]]
    /// The network generated from each start, all at one prompt.
    public var generated: [[Float]]
    /// Test Dice of each generated network (reported, never selected by).
    public var dice: [Double]
    /// The network trained from each of the first starts with the zoo's recipe, when known (start fidelity).
    public var trained: [[Float]]?
    /// The same starts trained once more with the same recipe on another order of the data:
    /// their fidelity is what training itself scores, the scale for a generator that cannot
    /// know which batches the recipe drew.
    public var retrained: [[Float]]?
    /// The same trainings as `trained`, stopped at their best validation Dice: the fidelity a
    /// generator scores that follows the recipe exactly and answers with its best validation network.
    public var earlyStopped: [[Float]]?
    /// The same trainings' own answers to the generator's prompt (`RecipeTraining.answer`): the
    /// network a generator that is asked for that Dice should return if it stands for the recipe.
    public var recipeAnswers: [[Float]]?
    /// The mean of several reruns of the recipe from each of the first starts, each on another
    /// data order (nil where not measured): the network a start leads to whatever the data, as
    /// near as that many reruns estimate it.
    public var rerunMean: RerunMean?
    /// For a generator that draws sampling noise: the network generated from each start's
    /// successor (`nextInRing`) with this start's noise. Start dependence compares each network
    /// with it, so that only the start differs; without it (a deterministic generator), with the
    /// successor's own network.
    public var fromNextStart: [[Float]]?

    public init(starts: [[Float]], generated: [[Float]], dice: [Double], trained: [[Float]]? = nil, retrained: [[Float]]? = nil,
                earlyStopped: [[Float]]? = nil, recipeAnswers: [[Float]]? = nil, rerunMean: RerunMean? = nil, fromNextStart: [[Float]]? = nil) {
        self.starts = starts
        self.generated = generated
        self.dice = dice
        self.trained = trained
        self.retrained = retrained
        self.earlyStopped = earlyStopped
        self.recipeAnswers = recipeAnswers
        self.rerunMean = rerunMean
        self.fromNextStart = fromNextStart
    }
}

/// The mean of `reruns` recipe trainings from each start, each on its own data order.
public struct RerunMean: Sendable {
    /// One mean network per start, in the starts' order.
    public var networks: [[Float]]
    /// How many reruns each mean averages.
    public var reruns: Int

    /// The parameter-wise mean over `reruns` (one array of networks per data order, each network
    /// per start in the starts' order).
    public init(of reruns: [[[Float]]]) {
        precondition(!reruns.isEmpty && reruns.allSatisfy { $0.count == reruns[0].count }, "the same starts in every rerun")
        networks = reruns[0].indices.map { start in parameterwiseMean(reruns.map { $0[start] }) }
        self.reruns = reruns.count
    }
}

/// `values` moved one place along a ring: element i is element i + 1's, the last is the first's.
/// A generator handed these starts with the seed it was handed `values` with draws each
/// position's noise again (noise is drawn by position), so it pairs every start with the
/// next one under one noise.
public func nextInRing<T>(_ values: [T]) -> [T] {
    values.isEmpty ? [] : Array(values.dropFirst()) + [values[0]]
}

/// Measures a task's generated networks against the networks its generator learned from:
/// novelty, behavioural novelty, start dependence and start fidelity, and the baselines'
/// frontier on the same axes.
public struct MemorisationAuditor {
    public let task: String
    public let learned: LearnedNetworks
    public let distance: AlignedDistance
    /// The zoo's reference distance and each reference run's own (`LearnedNetworks.referenceRuns`).
    public let reference: (median: Double, perRun: [Double])
    /// Error voxels (validation cases) of a flat parameter vector.
    let errors: ([Float]) throws -> [Bool]
    /// Test Dice of a flat parameter vector, for reporting.
    let testDice: ([Float]) throws -> Double
    /// Error voxels of every learned network, run by run.
    let learnedErrors: [[ErrorMask]]

    /// An auditor over `learned` with the given measurements; computes the reference distance
    /// and the learned networks' errors once.
    public init(task: String, learned: LearnedNetworks, distance: AlignedDistance, errors: @escaping ([Float]) throws -> [Bool],
                testDice: @escaping ([Float]) throws -> Double) throws {
        self.task = task
        self.learned = learned
        self.distance = distance
        self.errors = errors
        self.testDice = testDice
        reference = try learned.referenceDistance(distance)
        let flat = learned.runs.flatMap { $0 }
        let masks = try parallelMap(flat.count) { ErrorMask(try errors(flat[$0])) }
        var position = 0
        learnedErrors = learned.runs.map { run in
            defer { position += run.count }
            return Array(masks[position..<(position + run.count)])
        }
    }

    /// The auditor of `generator`'s networks for `task`: the networks it learned from `zoo`,
    /// distances in its normaliser's units, errors on the validation cases and Dice on the test
    /// cases of `evaluator`.
    public init(generator: WeightGenerator, task: String, zoo: Zoo, evaluator: TaskEvaluator) throws {
        let description = generator.description
        try self.init(task: task, learned: try LearnedNetworks.of(description, task: task, zoo: zoo), normalizer: description.normalizer,
                      architecture: description.architecture, assembly: generator.assembly, evaluator: evaluator)
    }

    /// The auditor of networks of `assembly` for `task` against `learned`: distances in
    /// `normalizer`'s units, errors on the validation cases and Dice on the test cases of `evaluator`.
    public init(task: String, learned: LearnedNetworks, normalizer: ParameterNormalizer, architecture: PlainConvUNetConfiguration,
                assembly: NetworkAssembly, evaluator: TaskEvaluator) throws {
        let permutation = try UNetPermutation(configuration: architecture, layout: normalizer.layout)
        try self.init(task: task, learned: learned, distance: AlignedDistance(normalizer: normalizer, permutation: permutation),
                      errors: { values in
                          try assembly.withNetwork(values) { try evaluator.validationPredictions($0) }.flatMap { item, prediction in
                              let reference = item.label ?? [UInt8](repeating: 0, count: prediction.count)
                              return zip(prediction, reference).map { $0 != $1 }
                          }
                      },
                      testDice: { try assembly.withNetwork($0) { try evaluator.testDice($0) } })
    }

    /// A network's novelty: aligned distance to the nearest learned network over the reference distance.
    public func novelty(_ values: [Float]) -> Double {
        learned.nearest(to: values, distance: distance).distance / reference.median
    }

    /// The largest error overlap of a network with any learned network other than those of `excludedRun`.
    func behaviouralOverlap(_ mask: ErrorMask, excludingRun excludedRun: Int? = nil) -> Double {
        var largest: Double?
        for (run, masks) in learnedErrors.enumerated() where run != excludedRun {
            for other in masks { largest = max(largest ?? 0, mask.overlap(with: other)) }
        }
        return largest ?? .nan
    }

    /// The audit of one kind of start.
    public func measure(_ kind: AuditedStarts) throws -> StartKindAudit {
        let generated = kind.generated
        let novelties = try parallelMap(generated.count) { novelty(generated[$0]) }
        let overlaps = try parallelMap(generated.count) { behaviouralOverlap(ErrorMask(try errors(generated[$0]))) }
        // Each network against the next start's at one prompt (a ring), under one sampling noise where the generator draws any.
        let successors = kind.fromNextStart ?? nextInRing(generated)
        let dependence = generated.count < 2 ? [] : try parallelMap(generated.count) {
            distance(generated[$0], successors[$0]) / reference.median
        }
        let fidelity = try startFidelity(of: generated, kind), retrained = try kind.retrained.map { try startFidelity(of: $0, kind) }
        let earlyStopped = try kind.earlyStopped.map { try startFidelity(of: $0, kind) }
        let toAnswers = try kind.recipeAnswers.map { try startFidelity(of: generated, against: $0, starts: kind.starts) }
        let rerunMean = try kind.rerunMean.map { mean in
            let fidelity = try startFidelity(of: mean.networks, kind)
            return RerunMeanAudit(reruns: mean.reruns, fidelityToStart: fidelity.toStart, fidelityAgainstOthers: fidelity.againstOthers,
                                  dice: Estimate(try parallelMap(mean.networks.count) { try testDice(mean.networks[$0]) }))
        }
        let answerDice = try kind.recipeAnswers.map { answers in try parallelMap(answers.count) { try testDice(answers[$0]) } }
        let answerNovelty = try kind.recipeAnswers.map { answers in try parallelMap(answers.count) { novelty(answers[$0]) } }
        return StartKindAudit(novelty: Estimate(novelties), behaviouralOverlap: Estimate(overlaps), startDependence: Estimate(dependence),
                              fidelityToStart: fidelity.toStart, fidelityAgainstOthers: fidelity.againstOthers,
                              retrainedFidelityToStart: retrained?.toStart, retrainedFidelityAgainstOthers: retrained?.againstOthers,
                              earlyStoppedFidelityToStart: earlyStopped?.toStart, earlyStoppedFidelityAgainstOthers: earlyStopped?.againstOthers,
                              fidelityToRecipeAnswer: toAnswers?.toStart, fidelityAgainstOtherRecipeAnswers: toAnswers?.againstOthers,
                              recipeAnswerDice: answerDice.map(Estimate.init), recipeAnswerNovelty: answerNovelty.map(Estimate.init),
                              diceOverRecipeAnswer: answerDice.map { dice in Estimate(dice.indices.map { kind.dice[$0] - dice[$0] }) },
                              rerunMean: rerunMean,
                              dice: Estimate(kind.dice))
    }

    /// Start fidelity (a) and (b) of `networks` (one per start, in the starts' order) against
    /// the networks `kind`'s starts were trained to; nil where none were trained ((b) also
    /// where only one was).
    private func startFidelity(of networks: [[Float]], _ kind: AuditedStarts) throws -> (toStart: Estimate?, againstOthers: Estimate?) {
        try startFidelity(of: networks, against: kind.trained ?? [], starts: kind.starts)
    }

    /// (a) and (b) of `networks` against `trained`, the network each of the first starts leads to.
    /// A start whose trained network is the start itself (a training that never got past its
    /// start's validation Dice, answered by the start) has no (a): it is left out of that
    /// estimate, whose `values` then count fewer starts than (b)'s.
    private func startFidelity(of networks: [[Float]], against trained: [[Float]], starts: [[Float]]) throws
        -> (toStart: Estimate?, againstOthers: Estimate?) {
        guard !trained.isEmpty, trained.count <= networks.count else { return (nil, nil) }
        let fidelity = try parallelMap(trained.count) { index -> (Double?, Double) in
            let own = distance(networks[index], trained[index])
            let startToOwn = distance(starts[index], trained[index])
            let others = trained.indices.filter { $0 != index }.map { distance(networks[index], trained[$0]) }
            return (startToOwn > 0 ? own / startToOwn : nil, others.isEmpty ? .nan : own / others.min()!)
        }
        let toStart = fidelity.compactMap(\.0)
        return (toStart.isEmpty ? nil : Estimate(toStart), trained.count > 1 ? Estimate(fidelity.map(\.1)) : nil)
    }

    /// The whole audit: both kinds of start, the zoo's own behavioural overlap, the baselines'
    /// frontier (with the unseen starts as the initialisation baseline) and the verdict.
    public func audit(unseen: AuditedStarts, seen: AuditedStarts, seed: UInt64 = 0) throws -> MemorisationAudit {
        let unseenAudit = try measure(unseen), seenAudit = try measure(seen)
        let zooOverlap = learned.referenceRuns().map { run in
            behaviouralOverlap(learnedErrors[run][learned.final[run]], excludingRun: run)
        }
        let frontier = try baselines(initialisations: unseen.starts, seed: seed)
        let position = frontier.position(dice: unseenAudit.dice, novelty: unseenAudit.novelty)
        let best = frontier.frontierPoint(atNovelty: unseenAudit.novelty.mean)
        var conclusion = String(
            format: "%@: %@ the memorisation frontier — from unseen starts Dice %.3f [%.3f, %.3f] at novelty %.2f, "
                + "where the best trivial method (%@ %@) reaches %.3f [%.3f, %.3f]",
            task, position.rawValue, unseenAudit.dice.mean, unseenAudit.dice.lower, unseenAudit.dice.upper, unseenAudit.novelty.mean,
            best?.family.rawValue ?? "none", best?.setting ?? "", best?.dice.mean ?? 0, best?.dice.lower ?? 0, best?.dice.upper ?? 0)
        var recipePosition: FrontierPosition?
        if let dice = unseenAudit.recipeAnswerDice, let novelty = unseenAudit.recipeAnswerNovelty, let over = unseenAudit.diceOverRecipeAnswer {
            let position = frontier.position(dice: dice, novelty: novelty)
            recipePosition = position
            conclusion += String(format: "; the recipe's own answers from the first %d of these starts: Dice %.3f [%.3f, %.3f], %@ it; "
                                     + "generated minus theirs, start by start, %+.3f [%+.3f, %+.3f]",
                                 dice.values.count, dice.mean, dice.lower, dice.upper, position.rawValue, over.mean, over.lower, over.upper)
        }
        return MemorisationAudit(task: task, referenceDistance: reference.median, zooBehaviouralOverlap: Estimate(zooOverlap),
                                 unseen: unseenAudit, seen: seenAudit, frontier: frontier, position: position,
                                 recipeAnswerPosition: recipePosition, conclusion: conclusion)
    }
}
