import Foundation
import Segmentation
import TensorEngine
import TestSupport
import XCTest
import Zoo
@testable import Generator

/// The learned optimiser: distilled from a zoo's trajectories, saved and loaded unchanged,
/// permutation-equivariant by construction, and evaluated with the audit and the time comparison.
final class LearnedOptimizerTests: XCTestCase {
    /// A quick configuration for the test zoo's 10-iteration runs.
    static let quick = LearnedOptimizerConfiguration(width: 16, depth: 2, horizon: 2, trainingSteps: 200, batchSize: 512,
                                                     learningRate: 3e-3, maximumCalls: 3)

    /// An optimiser trained for 20 steps on `zoo`: enough for tests of how it moves a network.
    private func brieflyTrained(_ zoo: Zoo, folder: URL? = nil, schedule: CallSchedule? = nil,
                                history: GradientHistory = .none, scope: RuleScope = .parameter) throws -> LearnedOptimizer {
        var configuration = Self.quick
        configuration.trainingSteps = 20
        configuration.history = history
        configuration.scope = scope
        if let schedule { configuration.schedule = schedule }
        return try LearnedOptimizerTrainer(zoo: zoo, folder: folder ?? temporaryGeneratorFolder(), configuration: configuration,
                                           heldOutRunsPerTask: 1).train()
    }

    func testItLearnsTheZoosMovesAndLoadsAsSaved() throws {
        let zoo = try makeGeneratorTestZoo()
        let folder = temporaryGeneratorFolder()
        let trainer = try LearnedOptimizerTrainer(zoo: zoo, folder: folder, configuration: Self.quick, heldOutRunsPerTask: 1)
        var losses: [Float] = []
        let trained = try trainer.train(progress: { losses.append($0.loss) })
        XCTAssertEqual(trained.description.examples, trainer.examples.count)
        XCTAssertGreaterThan(trained.description.examples, 0)
        // Predicting no move scores 1; the moves of a run follow its gradient, so the network must do better.
        XCTAssertLessThan(losses.last!, 0.9, "relative loss \(losses)")
        // The error over every example: an untrained rule, which barely moves, is no better than no move.
        let untrained = ParameterwiseRule(features: trainer.features.width, configuration: Self.quick, seed: 9)
        XCTAssertEqual(try trainer.distillationError(untrained, over: trainer.examples), 1, accuracy: 0.01)
        XCTAssertLessThan(try XCTUnwrap(trained.description.distillationError), 0.9)
        // One rate per task, each from the grid of multiples of the distilled runs' median.
        XCTAssertEqual(trained.description.learningRates.count, 2)
        let grid = LearnedOptimizerTrainer.learningRateMultiples.map { $0 * trainer.medianLearningRate }
        XCTAssertTrue(trained.description.learningRates.allSatisfy { grid.contains($0) }, "\(trained.description.learningRates)")
        // Memory: a checkpoint a horizon or more into its run reads the move that led there; the first reads none.
        XCTAssertTrue(trainer.examples.contains { $0.previousMove.contains { $0 != 0 } }, "later checkpoints read their previous move")
        XCTAssertTrue(trainer.examples.contains { $0.previousMove.allSatisfy { $0 == 0 } }, "a run's first checkpoint reads no previous move")

        let loaded = try LearnedOptimizer(folder: folder)
        XCTAssertEqual(loaded.description.learningRates, trained.description.learningRates)
        XCTAssertEqual(loaded.description.normalizer, trained.description.normalizer)
        let evaluator = try TaskEvaluator(zoo: zoo, task: "cord")
        let start = try loaded.assembly.layout.flatten(try PlainConvUNet(loaded.description.architecture, seed: 5))
        let first = try trained.update(start, task: 0, evaluator: evaluator)
        XCTAssertEqual(try loaded.update(start, task: 0, evaluator: evaluator).values, first.values,
                       "the loaded optimiser moves a network exactly as the trained one")
        XCTAssertEqual(try loaded.update(first.values, task: 0, evaluator: evaluator, call: 1, memory: first.memory).values,
                       try trained.update(first.values, task: 0, evaluator: evaluator, call: 1, memory: first.memory).values,
                       "and reads its previous move exactly as the trained one")
    }

    /// The optimiser records the runs it was distilled from, so its evaluation on a zoo grown
    /// since audits against those runs alone.
    func testItRecordsTheRunsItWasDistilledFrom() throws {
        let zoo = try makeGeneratorTestZoo()
        let trainer = try LearnedOptimizerTrainer(zoo: zoo, folder: temporaryGeneratorFolder(), configuration: Self.quick, heldOutRunsPerTask: 1)
        for task in ["cord", "canal"] {
            let expected = try LearnedOptimizerTrainer.distilledRuns(zoo: zoo, task: task, configuration: Self.quick, heldOut: [3]).distilled.map(\.runIndex)
            XCTAssertFalse(expected.isEmpty)
            XCTAssertEqual(trainer.description.distilledRuns?[task], expected)
        }
    }

    /// A rule distilled from the runs' initialisations learns one move per run, from its first
    /// checkpoint (no move before it), and makes one call: more calls, on-policy correction and
    /// unrolled training are refused. A configuration stored before the choice reads every checkpoint.
    func testARuleFromTheInitialisationsLearnsOneMovePerRunAndMakesOneCall() throws {
        let zoo = try makeGeneratorTestZoo()
        var configuration = Self.quick
        configuration.distilledMoves = .fromInitialisation
        XCTAssertThrowsError(try configuration.validate(), "three calls")
        configuration.maximumCalls = 1
        XCTAssertNoThrow(try configuration.validate())
        var corrected = configuration, unrolled = configuration
        corrected.corrections = 1
        unrolled.unrolling = CallUnrolling(calls: 2, steps: 5)
        XCTAssertThrowsError(try corrected.validate())
        XCTAssertThrowsError(try unrolled.validate())

        let trainer = try LearnedOptimizerTrainer(zoo: zoo, folder: temporaryGeneratorFolder(), configuration: configuration, heldOutRunsPerTask: 1)
        let runs = try XCTUnwrap(trainer.description.distilledRuns).values.map(\.count).reduce(0, +)
        XCTAssertEqual(trainer.examples.count, runs, "one move per distilled run")
        XCTAssertTrue(trainer.examples.allSatisfy { $0.previousMove.allSatisfy { $0 == 0 } }, "each from its run's first checkpoint")
        let everyCheckpoint = try LearnedOptimizerTrainer(zoo: zoo, folder: temporaryGeneratorFolder(), configuration: Self.quick, heldOutRunsPerTask: 1)
        XCTAssertGreaterThan(everyCheckpoint.examples.count, runs)
        let trained = try trainer.train()
        XCTAssertThrowsError(try trained.setCalls(maximum: 2, schedule: nil), "a generation of such a rule is refused more calls")
        XCTAssertEqual(trained.description.configuration.maximumCalls, 1, "and keeps its one")
        try trained.setCalls(maximum: nil, schedule: .constant)
        XCTAssertEqual(trained.description.configuration.schedule, .constant)

        var stored = try XCTUnwrap(JSONSerialization.jsonObject(with: JSONEncoder().encode(configuration)) as? [String: Any])
        XCTAssertEqual(stored["distilledMoves"] as? String, "from-initialisation")
        stored["distilledMoves"] = nil
        let read = try JSONDecoder().decode(LearnedOptimizerConfiguration.self, from: JSONSerialization.data(withJSONObject: stored))
        XCTAssertEqual(read.distilledMoves, .everyCheckpoint)
    }

    /// Of the rates whose mean Dice lies within the best mean's 95% interval, the one reaching
    /// 0.9 × the prompt in the fewest calls; on equal calls the best mean, then the smaller rate.
    func testTheChosenRateIsTheFastestOfThoseAsGoodAsTheBest() {
        func calibrations(_ dice: [[Double]], calls: [[Int]]) -> [[RateCalibration]] {
            zip(dice, calls).map { zip($0, $1).map { RateCalibration(bestDice: $0, calls: $1) } }
        }
        let peaked = [[0.60, 0.62], [0.70, 0.71], [0.64, 0.65], [0.58, 0.60], [0.50, 0.52], [0.40, 0.44]]
        XCTAssertEqual(LearnedOptimizerTrainer.chosenRate(calibrations(peaked, calls: [[Int]](repeating: [5, 5], count: 6))), 1,
                       "on equal calls, the best mean")
        XCTAssertEqual(LearnedOptimizerTrainer.chosenRate(calibrations([[0.5, 0.5], [0.9, 0.9], [0.1, 0.3], [0.90005, 0.9]],
                                                                       calls: [[3, 3], [3, 3], [3, 3], [3, 3]])), 1,
                       "a mean better by less than 1e-4 is a tie, and a tie goes to the smaller rate")
        // Best mean 0.962 (rate 1) with a 95% interval of about ±0.004 over four starts: rates 0 and 2
        // lie inside it, rate 3 below it.
        let flat = [[0.960, 0.961, 0.962, 0.959], [0.964, 0.960, 0.963, 0.961], [0.961, 0.960, 0.962, 0.958], [0.930, 0.931, 0.929, 0.932]]
        XCTAssertEqual(LearnedOptimizerTrainer.chosenRate(calibrations(flat, calls: [[6, 7, 6, 6], [4, 5, 4, 4], [1, 2, 1, 3], [1, 1, 1, 1]])), 2,
                       "on a flat curve the fewest calls decide; a faster rate that trains worse is not chosen")
        XCTAssertEqual(LearnedOptimizerTrainer.chosenRate(calibrations(flat, calls: [[6, 7, 6, 6], [4, 5, 4, 4], [65, 65, 65, 65], [1, 1, 1, 1]])), 1,
                       "a rate that never reaches the target counts the maximum calls + 1")
    }

    /// Each task moves at its own rate: the same network and gradient moved for a task whose rate
    /// is twice another's moves twice as far.
    func testEachTaskMovesAtItsOwnLearningRate() throws {
        let zoo = try makeGeneratorTestZoo()
        let optimizer = try brieflyTrained(zoo)
        let evaluator = try TaskEvaluator(zoo: zoo, task: "cord")
        let values = try optimizer.assembly.layout.flatten(try PlainConvUNet(optimizer.description.architecture, seed: 8))
        let gradient = try optimizer.gradient(values, evaluator: evaluator, call: 0)
        optimizer.description.learningRates = [1e-3, 2e-3]
        let moves = try (0..<2).map { task in
            zip(try optimizer.step(values, gradient: gradient, task: task, call: 0, memory: CallMemory()).values, values).map { $0 - $1 }
        }
        XCTAssertGreaterThan(maximumMagnitude(try Tensor(shape: [values.count], values: moves[0])), 0, "the optimiser moves the network")
        let doubled = try Tensor(shape: [values.count], values: moves[0].map { 2 * $0 })
        let rounding = 4 * Float.ulpOfOne * values.map(abs).max()!
        assertClose(try Tensor(shape: [values.count], values: moves[1]), doubled, rtol: 0,
                    atol: 1e-3 * maximumMagnitude(doubled) + rounding, "task 1 at twice task 0's rate")
    }

    /// A call's rate is the calibration's, one given for every task, or each task's recipe's: the
    /// rate of the run whose checkpoint has the best validation Dice (found here by its own scan).
    func testACallsRateIsTheCalibrationsAGivenOneOrTheRecipes() throws {
        let zoo = try makeGeneratorTestZoo()
        let optimizer = try brieflyTrained(zoo)
        let calibrated = optimizer.description.learningRates
        var recipes: [Float] = []
        for (task, name) in optimizer.description.tasks.enumerated() {
            let runs = try zoo.runs(task: name, status: .done)
            XCTAssertGreaterThan(Set(runs.map(\.learningRate)).count, 1, "the test zoo's runs differ in rate, so the choice of run shows")
            var best: (dice: Double, rate: Double)?
            for run in runs {
                for checkpoint in try zoo.checkpoints(run: run.id!) where checkpoint.validationDice > (best?.dice ?? -1) {
                    best = (checkpoint.validationDice, run.learningRate)
                }
            }
            recipes.append(Float(try XCTUnwrap(best).rate))
            XCTAssertEqual(try optimizer.learningRate(.recipe, task: task, zoo: zoo), recipes[task], "\(name): the best validation run's rate")
            XCTAssertEqual(try optimizer.learningRate(.calibrated, task: task, zoo: zoo), calibrated[task])
            XCTAssertEqual(try optimizer.learningRate(.fixed(0.25), task: task, zoo: zoo), 0.25)
        }
        try optimizer.setLearningRates(.recipe, zoo: zoo)
        XCTAssertEqual(optimizer.description.learningRates, recipes)
        try optimizer.setLearningRates(.fixed(0.5), zoo: zoo)
        XCTAssertEqual(optimizer.description.learningRates, calibrated.map { _ in 0.5 })
    }

    /// `--learning-rate` reads a choice's name or a positive finite rate, and writes what it reads.
    func testACallsRateIsReadFromItsNameOrAPositiveRate() {
        XCTAssertEqual(CallLearningRate("calibrated"), .calibrated)
        XCTAssertEqual(CallLearningRate("recipe"), .recipe)
        XCTAssertEqual(CallLearningRate("0.00606"), .fixed(0.00606))
        XCTAssertEqual(CallLearningRate("2e-3"), .fixed(2e-3))
        for bad in ["", "0", "-1e-3", "nan", "inf", "Recipe", "fast", "1e-3x"] {
            XCTAssertNil(CallLearningRate(bad), "'\(bad)' is no rate")
        }
        for choice in [CallLearningRate.calibrated, .recipe, .fixed(0.00606)] {
            XCTAssertEqual(CallLearningRate(choice.description), choice)
        }
    }

    /// Validation runs are measured, not learned from: their examples are apart from the
    /// distilled ones, the description names only the distilled runs, and the rule's error on
    /// them is recorded.
    func testValidationRunsAreMeasuredNotLearnedFrom() throws {
        let zoo = try makeGeneratorTestZoo()
        var configuration = Self.quick
        configuration.trainingSteps = 20
        configuration.validationRuns = 1
        let trainer = try LearnedOptimizerTrainer(zoo: zoo, folder: temporaryGeneratorFolder(), configuration: configuration, heldOutRunsPerTask: 1)
        let all = try LearnedOptimizerTrainer.distilledRuns(zoo: zoo, task: "cord", configuration: Self.quick, heldOut: [3]).distilled
        let split = try LearnedOptimizerTrainer.distilledRuns(zoo: zoo, task: "cord", configuration: configuration, heldOut: [3])
        XCTAssertEqual(split.distilled.map(\.runIndex), all.dropLast().map(\.runIndex), "the last run is kept for validation")
        XCTAssertEqual(split.validation.map(\.runIndex), [all.last!.runIndex])
        XCTAssertEqual(trainer.description.distilledRuns?["cord"], split.distilled.map(\.runIndex))
        XCTAssertFalse(trainer.validationExamples.isEmpty)
        XCTAssertEqual(trainer.description.examples, trainer.examples.count)
        let everything = try LearnedOptimizerTrainer(zoo: zoo, folder: temporaryGeneratorFolder(), configuration: Self.quick, heldOutRunsPerTask: 1)
        XCTAssertEqual(trainer.examples.count + trainer.validationExamples.count, everything.examples.count)
        let trained = try trainer.train()
        let error = try XCTUnwrap(trained.description.validationError)
        XCTAssertTrue(error.isFinite && error > 0, "\(error)")
        XCTAssertNil(try everything.train().description.validationError)
    }

    /// An optimiser saved with one learning rate for all tasks (format 1) loads with that rate for each task.
    func testAnOptimiserSavedWithOneRateLoadsWithItForEveryTask() throws {
        let folder = temporaryGeneratorFolder()
        let trained = try brieflyTrained(try makeGeneratorTestZoo(), folder: folder)
        let url = folder.appendingPathComponent(LearnedOptimizerStore.descriptionFile)
        var object = try XCTUnwrap(try JSONSerialization.jsonObject(with: try Data(contentsOf: url)) as? [String: Any])
        object["formatVersion"] = 1
        object["learningRates"] = nil
        object["learningRate"] = 0.0125
        var configuration = try XCTUnwrap(object["configuration"] as? [String: Any])
        configuration["moveUnit"] = nil
        configuration["gradient"] = nil
        configuration["history"] = nil
        configuration["scope"] = nil
        object["configuration"] = configuration
        try JSONSerialization.data(withJSONObject: object).write(to: url)
        let loaded = try LearnedOptimizer(folder: folder)
        XCTAssertEqual(loaded.description.learningRates, [0.0125, 0.0125])
        XCTAssertEqual(loaded.description.tasks, trained.description.tasks)
        XCTAssertEqual(loaded.description.formatVersion, 3)
        XCTAssertEqual(loaded.description.configuration.moveUnit, .currentRate)
        XCTAssertEqual(loaded.description.configuration.gradient, .wholeCases)
        XCTAssertEqual(loaded.description.configuration.history, GradientHistory.none, "a file written before histories existed reads none")
        XCTAssertEqual(loaded.description.configuration.scope, .parameter, "and one written before scopes existed reads the parameter alone")
    }

    /// Per unit of the runs' peak rate, a distilled move keeps the decay the current rate divides
    /// out: each example's move is the current-rate move times (rate in effect) / (peak rate), one
    /// factor for every parameter, at most 1, and below 1 late in a run.
    func testPeakRateMovesKeepTheRunsDecay() throws {
        let zoo = try makeGeneratorTestZoo()
        func trainer(_ unit: MoveUnit) throws -> LearnedOptimizerTrainer {
            var configuration = Self.quick
            configuration.moveUnit = unit
            return try LearnedOptimizerTrainer(zoo: zoo, folder: temporaryGeneratorFolder(), configuration: configuration, heldOutRunsPerTask: 1)
        }
        let current = try trainer(.currentRate), peak = try trainer(.peakRate)
        XCTAssertEqual(current.examples.count, peak.examples.count)
        var factors: [Double] = []
        for (a, b) in zip(current.examples, peak.examples) {
            XCTAssertEqual(a.values, b.values, "the same checkpoints in the same order")
            let moveA = a.move.map { Double($0 * current.description.moveScale) }, moveB = b.move.map { Double($0 * peak.description.moveScale) }
            let dot = zip(moveA, moveB).reduce(0) { $0 + $1.0 * $1.1 }, squares = moveA.reduce(0) { $0 + $1 * $1 }
            guard squares > 0 else { continue }
            let factor = dot / squares
            factors.append(factor)
            let residual = zip(moveA, moveB).reduce(0) { $0 + pow($1.1 - factor * $1.0, 2) }
            XCTAssertLessThan(residual.squareRoot(), 1e-4 * (factor * factor * squares).squareRoot(), "one factor for every parameter")
        }
        XCTAssertFalse(factors.isEmpty)
        XCTAssertTrue(factors.allSatisfy { $0 <= 1 + 1e-5 }, "never above the peak: \(factors)")
        XCTAssertLessThan(factors.min()!, 0.9, "late moves shrink with the decayed rate: \(factors)")
    }

    /// A call's gradient on training patches: fixed by its draw, another draw another batch, not
    /// the whole cases' gradient; an optimiser set to read them reads exactly those of its call.
    func testTrainingPatchGradientsAreDrawnPerCall() throws {
        let zoo = try makeGeneratorTestZoo()
        var configuration = Self.quick
        configuration.trainingSteps = 20
        configuration.gradient = .trainingPatches
        configuration.casesPerCall = 6
        let optimizer = try LearnedOptimizerTrainer(zoo: zoo, folder: temporaryGeneratorFolder(), configuration: configuration,
                                                    heldOutRunsPerTask: 1).train()
        let evaluator = try TaskEvaluator(zoo: zoo, task: "cord")
        let layout = optimizer.assembly.layout
        let values = try layout.flatten(try PlainConvUNet(optimizer.description.architecture, seed: 12))
        func patches(_ seed: UInt64) throws -> [Float] {
            try evaluator.patchLossGradient(try optimizer.assembly.network(values), layout: layout, patchSize: zoo.plan.patchSize,
                                            patches: 6, seed: seed)
        }
        let first = try patches(9_000_003)
        XCTAssertTrue(first.allSatisfy(\.isFinite))
        XCTAssertGreaterThan(first.map(abs).max()!, 0)
        XCTAssertEqual(try patches(9_000_003), first, "one draw, one batch")
        XCTAssertNotEqual(try patches(9_000_004), first, "another draw, another batch")
        XCTAssertEqual(try optimizer.gradient(values, evaluator: evaluator, call: 3), first, "call 3 reads draw 3")
        let whole = try evaluator.lossGradient(try optimizer.assembly.network(values), layout: layout, group: 0, size: 6)
        let cosine = zip(first, whole).reduce(0) { $0 + Double($1.0 * $1.1) }
            / (first.reduce(0) { $0 + Double($1 * $1) }.squareRoot() * whole.reduce(0) { $0 + Double($1 * $1) }.squareRoot())
        XCTAssertLessThan(cosine, 0.9999, "patches are not the whole cases")
        let moved = try optimizer.update(values, task: 0, evaluator: evaluator).values
        XCTAssertTrue(moved.allSatisfy(\.isFinite))
        XCTAssertNotEqual(moved, values)
    }

    /// The rule neither learns nor moves the parameters the network's output does not depend on
    /// (its conv blocks' biases): they weigh nothing in distillation, the distilled moves have
    /// unit RMS over the other parameters, and a call leaves them as they were while it moves the rest.
    func testItHoldsTheParametersTheOutputDoesNotDependOn() throws {
        let zoo = try makeGeneratorTestZoo()
        var configuration = Self.quick
        configuration.trainingSteps = 20
        let trainer = try LearnedOptimizerTrainer(zoo: zoo, folder: temporaryGeneratorFolder(), configuration: configuration, heldOutRunsPerTask: 1)
        let cancelled = try zoo.assembly(zoo.planArchitectureID()).cancelledByNorm, tensorOf = trainer.features.tensorOfParameter
        XCTAssertTrue(cancelled.contains(true))
        let learned = trainer.learnedParameters.indices
        XCTAssertEqual(learned, tensorOf.indices.filter { !cancelled[tensorOf[$0]] })
        XCTAssertTrue(tensorOf.indices.allSatisfy { (trainer.learnedParameters.weights[$0] == 0) == cancelled[tensorOf[$0]] })
        let squares = trainer.examples.reduce(0.0) { sum, example in sum + learned.reduce(0.0) { $0 + Double(example.move[$1] * example.move[$1]) } }
        XCTAssertEqual(squares / Double(trainer.examples.count * learned.count), 1, accuracy: 1e-3)
        let optimizer = try trainer.train()
        let start = try optimizer.assembly.layout.flatten(try PlainConvUNet(optimizer.description.architecture, seed: 5))
        let moved = try optimizer.update(start, task: 0, evaluator: try TaskEvaluator(zoo: zoo, task: "cord")).values
        XCTAssertTrue(tensorOf.indices.allSatisfy { !cancelled[tensorOf[$0]] || moved[$0] == start[$0] }, "held parameters stay")
        XCTAssertGreaterThan(tensorOf.indices.filter { !cancelled[tensorOf[$0]] && moved[$0] != start[$0] }.count, learned.count / 2)
    }

    /// Reordering a network's hidden channels (and the previous move with them) reorders the optimiser's moves the same way.
    func testTheUpdateIsPermutationEquivariant() throws {
        let zoo = try makeGeneratorTestZoo()
        try assertPermutationEquivariant(try brieflyTrained(zoo), zoo: zoo)
    }

    /// So does an optimiser reading the gradients' second moment, reordered with the network.
    func testTheUpdateReadingTheSecondMomentIsPermutationEquivariant() throws {
        let zoo = try makeGeneratorTestZoo(checkpointContent: .parametersAndOptimizerState)
        try assertPermutationEquivariant(try brieflyTrained(zoo, history: .secondMoment), zoo: zoo)
    }

    /// And one reading both of Adam's moments.
    func testTheUpdateReadingAdamsMomentsIsPermutationEquivariant() throws {
        let zoo = try makeGeneratorTestZoo(checkpointContent: .parametersAndOptimizerState)
        try assertPermutationEquivariant(try brieflyTrained(zoo, history: .adamMoments), zoo: zoo)
    }

    /// And one adding Adam's step to its output.
    func testTheUpdateAddingAdamsStepIsPermutationEquivariant() throws {
        let zoo = try makeGeneratorTestZoo(checkpointContent: .parametersAndOptimizerState)
        try assertPermutationEquivariant(try brieflyTrained(zoo, history: .adamStep), zoo: zoo)
    }

    /// So does an optimiser whose parameters read their channels' (the channel graph), which
    /// is equivariant by construction rather than by reading nothing of other parameters.
    func testTheChannelGraphUpdateIsPermutationEquivariant() throws {
        let zoo = try makeGeneratorTestZoo()
        try assertPermutationEquivariant(try brieflyTrained(zoo, scope: .channelGraph), zoo: zoo)
    }

    private func assertPermutationEquivariant(_ optimizer: LearnedOptimizer, zoo: Zoo, file: StaticString = #filePath, line: UInt = #line) throws {
        let evaluator = try TaskEvaluator(zoo: zoo, task: "cord")
        let layout = optimizer.assembly.layout
        let permutation = try UNetPermutation(configuration: optimizer.description.architecture, layout: layout)
        var rng = SeededGenerator(seed: 21)
        let values = try layout.flatten(try PlainConvUNet(optimizer.description.architecture, seed: 6))
        let order = permutation.sample(&rng)
        let permuted = permutation.apply(order, to: values)
        XCTAssertNotEqual(permuted, values)
        let previousMove = (0..<values.count).map { _ in Float.random(in: -1...1, using: &rng) }
        let second = (0..<values.count).map { _ in Float.random(in: 0...1e-3, using: &rng) }
        let first = (0..<values.count).map { _ in Float.random(in: -1e-2...1e-2, using: &rng) }
        func moments(_ reorder: ([Float]) -> [Float]) -> GradientMoments {
            GradientMoments(second: MomentEstimate(.second, values: reorder(second), iterations: 10),
                            first: MomentEstimate(.first, values: reorder(first), iterations: 10))
        }
        let memory = CallMemory(previousMove: previousMove, moments: moments { $0 })
        let memoryPermuted = CallMemory(previousMove: permutation.apply(order, to: previousMove),
                                        moments: moments { permutation.apply(order, to: $0) })
        let move = zip(try optimizer.update(values, task: 0, evaluator: evaluator, memory: memory).values, values).map { $0 - $1 }
        let movePermuted = zip(try optimizer.update(permuted, task: 0, evaluator: evaluator, memory: memoryPermuted).values, permuted).map { $0 - $1 }
        XCTAssertGreaterThan(maximumMagnitude(try Tensor(shape: [move.count], values: move)), 0, "the optimiser moves the network", file: file, line: line)
        assertClose(try Tensor(shape: [move.count], values: movePermuted), try Tensor(shape: [move.count], values: permutation.apply(order, to: move)),
                    rtol: 1e-4, "the permuted network's move", file: file, line: line)
    }

    func testItsEvaluationAuditsAndTimesItAgainstTheRecipe() throws {
        let zoo = try makeGeneratorTestZoo()
        let optimizer = try LearnedOptimizerTrainer(zoo: zoo, folder: temporaryGeneratorFolder(), configuration: Self.quick,
                                                    heldOutRunsPerTask: 1).train()
        for (reruns, starts) in [(RecipeDataOrder.reruns + 1, 2), (2, 0)] {
            XCTAssertThrowsError(try optimizer.evaluate(on: zoo, seeds: 2, alignmentStarts: 0, fidelityStarts: starts, rerunMean: reruns),
                                 "\(reruns) reruns of \(starts) fidelity starts")
        }
        let evaluation = try optimizer.evaluate(on: zoo, seeds: 2, alignmentStarts: 1, fidelityStarts: 2, rerunMean: 2)
        XCTAssertEqual(evaluation.tasks.map(\.task), ["cord", "canal"])
        for task in evaluation.tasks {
            XCTAssertEqual(task.unseen.count, 2)
            XCTAssertTrue((task.unseen + task.seen).allSatisfy { (0...1).contains($0) })
            let audit = try XCTUnwrap(task.audit)
            XCTAssertEqual(audit.unseen.novelty.values.count, 2)
            XCTAssertNotNil(audit.unseen.fidelityToStart, "start fidelity from the recipe's trainings")
            // The recipe on another data order lands elsewhere than the recipe did (on this zoo's
            // 10-iteration runs, farther from it than the start was).
            let floor = try XCTUnwrap(audit.unseen.retrainedFidelityToStart, "the recipe's own fidelity, retrained on another data order")
            XCTAssertEqual(floor.values.count, 2)
            XCTAssertTrue(floor.values.allSatisfy { $0 > 0.01 && $0.isFinite }, "\(floor.values)")
            XCTAssertNil(audit.seen.retrainedFidelityToStart, "seen starts are not retrained")
            // The recipe stopped at its best validation Dice lies on the way from the start to the recipe's network.
            let stopped = try XCTUnwrap(audit.unseen.earlyStoppedFidelityToStart, "the recipe's own fidelity, stopped by validation")
            XCTAssertEqual(stopped.values.count, 2)
            XCTAssertTrue(stopped.values.allSatisfy { (0...1.0001).contains($0) }, "\(stopped.values)")
            let answered = try XCTUnwrap(audit.unseen.fidelityToRecipeAnswer, "against the recipe's own answers to the prompt")
            XCTAssertEqual(answered.values.count, 2)
            XCTAssertTrue(answered.values.allSatisfy { $0 >= 0 && $0.isFinite }, "\(answered.values)")
            XCTAssertNil(audit.seen.fidelityToRecipeAnswer, "seen starts' runs answer no prompt here")
            let recipeDice = try XCTUnwrap(audit.unseen.recipeAnswerDice, "the recipe's own answers on the audit's axes")
            XCTAssertEqual(recipeDice.values.count, 2)
            XCTAssertTrue(recipeDice.values.allSatisfy { (0...1).contains($0) }, "\(recipeDice.values)")
            let difference = try XCTUnwrap(audit.unseen.diceOverRecipeAnswer).values
            for k in 0..<2 { XCTAssertEqual(difference[k], task.unseen[k] - recipeDice.values[k], accuracy: 1e-12, "start \(k), paired") }
            XCTAssertNotNil(audit.recipeAnswerPosition)
            let mean = try XCTUnwrap(audit.unseen.rerunMean, "the mean of two more reruns per fidelity start")
            XCTAssertEqual(mean.reruns, 2)
            XCTAssertEqual(mean.dice.values.count, 2)
            XCTAssertTrue(try XCTUnwrap(mean.fidelityToStart).values.allSatisfy { $0 >= 0 && $0.isFinite })
            XCTAssertNil(audit.seen.rerunMean, "seen starts are not rerun")
            let speed = try XCTUnwrap(task.speed)
            XCTAssertEqual(speed.target, 0.9 * task.prompt, accuracy: 1e-12)
            XCTAssertEqual(speed.trainingSeconds.count, 2)
            let iterations = try XCTUnwrap(speed.trainingIterations)
            for (seconds, iteration) in zip(speed.trainingSeconds, iterations) {
                XCTAssertEqual(seconds == nil, iteration == nil, "the recipe's iterations are counted where its time is")
                if let seconds, let iteration { XCTAssertTrue(iteration >= 0 && seconds >= 0, "\(iteration) iterations in \(seconds) s") }
            }
            let compute = try XCTUnwrap(speed.generatorComputeSeconds)
            for (all, calls) in zip(speed.generatorSeconds, compute) {
                XCTAssertEqual(all == nil, calls == nil, "the calls alone reach the target where the generation does")
                if let all, let calls { XCTAssertTrue(calls >= 0 && calls <= all, "the calls alone take part of the generation: \(calls) of \(all) s") }
            }
            XCTAssertEqual(task.alignmentCurvesUnseen.first?.prompts.count, 20)
        }
    }

    /// A generation makes at least one call and checks its start last, only when no call reached
    /// the target: then it answers the best network checked, the start included.
    func testAGenerationChecksItsStartOnlyWhenNoCallReachesTheTarget() throws {
        let zoo = try makeGeneratorTestZoo()
        let optimizer = try brieflyTrained(zoo)
        let evaluator = try TaskEvaluator(zoo: zoo, task: "cord")
        let start = try optimizer.assembly.layout.flatten(try PlainConvUNet(optimizer.description.architecture, seed: 5))
        let startDice = try optimizer.assembly.withNetwork(start) { try evaluator.validationDice($0) }

        let reached = try optimizer.trajectory(from: start, task: 0, evaluator: evaluator, stop: .reaching(-1, checks: .everyCall))
        XCTAssertEqual(reached.networks.count, 2, "the first call reaches a target below every Dice")
        XCTAssertNil(reached.validationDice[0], "the start is not checked")
        XCTAssertEqual(reached.answer(prompt: -1), 1)
        XCTAssertEqual(reached.firstReaching(-1), 1)

        let spent = try optimizer.trajectory(from: start, task: 0, evaluator: evaluator, stop: .reaching(.infinity, checks: .everyCall), calls: 2)
        XCTAssertEqual(spent.networks.count, 3)
        XCTAssertEqual(spent.validationDice.count, 3)
        XCTAssertEqual(try XCTUnwrap(spent.validationDice[0]), startDice, accuracy: 1e-12, "the start is checked when no call reaches the target")
        XCTAssertNil(spent.firstReaching(.infinity))
        let best = try XCTUnwrap(spent.validationDice.compactMap { $0 }.max())
        XCTAssertEqual(spent.bestValidationDice, best)
        XCTAssertEqual(spent.validationDice[spent.answer(prompt: .infinity)], best, "no network reaches the prompt: the best checked answers")
        XCTAssertEqual(spent.seconds.count, 3)
        XCTAssertTrue(spent.checkSeconds.last! <= spent.seconds.last!, "the start's check is counted in the generation's time")
    }

    /// An unchecked generation makes every call of its budget, checks no network on the way and
    /// answers with the last, whatever the prompt; that network's validation Dice is measured
    /// after, outside its time. Its moves are those of a checked generation's calls.
    func testAnUncheckedGenerationMakesEveryCallAndAnswersWithItsLast() throws {
        let zoo = try makeGeneratorTestZoo()
        let optimizer = try brieflyTrained(zoo)
        let evaluator = try TaskEvaluator(zoo: zoo, task: "cord")
        let start = try optimizer.assembly.layout.flatten(try PlainConvUNet(optimizer.description.architecture, seed: 5))

        XCTAssertEqual(try GenerationAnswer.unchecked.stop(reaching: 0.5), .afterEveryCall)
        XCTAssertEqual(try GenerationAnswer.final.stop(reaching: 0.5), .reaching(0.5, checks: .everyCall))
        let unchecked = try optimizer.trajectory(from: start, task: 0, evaluator: evaluator, stop: .afterEveryCall, calls: 3)
        XCTAssertEqual(unchecked.networks.count, 4, "every call is made, though a target below every Dice would stop a checked one at the first")
        XCTAssertEqual(unchecked.validationDice.prefix(3).compactMap { $0 }.count, 0, "nothing is checked on the way")
        let last = try optimizer.assembly.withNetwork(unchecked.networks[3]) { try evaluator.validationDice($0) }
        XCTAssertEqual(try XCTUnwrap(unchecked.validationDice[3]), last, accuracy: 1e-12, "the last network's Dice, measured after")
        XCTAssertEqual(unchecked.checkSeconds, [0, 0, 0, 0], "no check is timed")
        for prompt in [-1.0, 0.5, .infinity] {
            XCTAssertEqual(unchecked.answer(prompt: prompt, choice: .unchecked), 3, "the last network answers any prompt")
        }
        XCTAssertEqual(unchecked.firstReaching(-1), 3, "it reaches a target only where its last network does")

        let checked = try optimizer.trajectory(from: start, task: 0, evaluator: evaluator, stop: .reaching(.infinity, checks: .everyCall), calls: 3)
        for call in 1...3 {
            XCTAssertEqual(unchecked.networks[call], checked.networks[call], "call \(call) moves as a checked generation's does")
        }
    }

    /// A prompt a call reaches is answered by the first network that reaches it whatever the
    /// choice that checks; one no call reaches, by the best validation network (`best`) or the
    /// last (`final`). An unchecked generation answers with its last network.
    func testAnUnreachedPromptIsAnsweredByTheBestOrTheLastNetwork() {
        let trajectory = UpdateTrajectory(networks: [[0], [1], [2], [3]], validationDice: [0.1, 0.5, 0.3, 0.2],
                                          seconds: [0, 1, 2, 3], checkSeconds: [0, 0.1, 0.2, 0.3])
        XCTAssertEqual(trajectory.answer(prompt: 0.25, choice: .unchecked), 3)
        for choice in [GenerationAnswer.best, .final] {
            XCTAssertEqual(trajectory.answer(prompt: 0.25, choice: choice), 1, "\(choice): the first network reaching 0.25")
        }
        XCTAssertEqual(trajectory.answer(prompt: 0.9), 1, "best by default: the best validation Dice")
        XCTAssertEqual(trajectory.answer(prompt: 0.9, choice: .best), 1)
        XCTAssertEqual(trajectory.answer(prompt: 0.9, choice: .final), 3, "final: where the calls ran out")
    }

    /// Under the poly schedule call k moves (1 − k / calls)^0.9 of what it moves at a constant rate.
    func testThePolyScheduleDecaysEachCallsMove() throws {
        XCTAssertEqual(CallSchedule.poly.fraction(call: 0, of: 10), 1)
        XCTAssertEqual(CallSchedule.poly.fraction(call: 5, of: 10), powf(0.5, 0.9), accuracy: 1e-6)
        XCTAssertEqual(CallSchedule.poly.fraction(call: 10, of: 10), 0)
        XCTAssertEqual(CallSchedule.constant.fraction(call: 9, of: 10), 1)
        let zoo = try makeGeneratorTestZoo()
        let optimizer = try brieflyTrained(zoo, schedule: .constant)
        let evaluator = try TaskEvaluator(zoo: zoo, task: "cord")
        let values = try optimizer.assembly.layout.flatten(try PlainConvUNet(optimizer.description.architecture, seed: 7))
        let call = 2, calls = optimizer.description.configuration.maximumCalls
        let constant = zip(try optimizer.update(values, task: 0, evaluator: evaluator, call: call).values, values).map { $0 - $1 }
        optimizer.description.configuration.schedule = .poly
        let decayed = zip(try optimizer.update(values, task: 0, evaluator: evaluator, call: call).values, values).map { $0 - $1 }
        XCTAssertGreaterThan(maximumMagnitude(try Tensor(shape: [constant.count], values: constant)), 0, "the optimiser moves the network")
        let fraction = CallSchedule.poly.fraction(call: call, of: calls)
        let expected = try Tensor(shape: [constant.count], values: constant.map { $0 * fraction })
        // A move is read back as (start + move) − start, rounded to the start's precision (parameters near 1
        // moving by 1e-4 keep three digits of their move): the tolerance is relative to the whole move's
        // largest entry plus a few rounding units of the largest parameter, not to each entry.
        let rounding = 4 * Float.ulpOfOne * values.map(abs).max()!
        assertClose(try Tensor(shape: [decayed.count], values: decayed), expected, rtol: 0,
                    atol: 1e-3 * maximumMagnitude(expected) + rounding,
                    "call \(call) of \(calls) moves \(fraction) of the constant-rate move")
    }

    /// On-policy correction labels every network a generation visits with the recipe's move from
    /// it: one example per call from each fresh start, moves that descend the training loss, in
    /// the same units as the zoo's moves (moves per horizon per unit learning rate over `moveScale`).
    func testOnPolicyCorrectionLabelsTheNetworksAGenerationVisits() throws {
        let zoo = try makeGeneratorTestZoo()
        var configuration = Self.quick
        configuration.corrections = 1
        let trainer = try LearnedOptimizerTrainer(zoo: zoo, folder: temporaryGeneratorFolder(), configuration: configuration,
                                                  heldOutRunsPerTask: 1)
        let trained = try trainer.train()
        XCTAssertEqual(trainer.corrections.count, 2 * OnPolicyCorrection.startsPerTask * configuration.maximumCalls,
                       "one example per call from each fresh start of both tasks")
        XCTAssertEqual(trained.description.step, configuration.trainingSteps + configuration.trainingSteps / 2)
        XCTAssertTrue(trainer.corrections.contains { $0.previousMove.allSatisfy { $0 == 0 } }, "a generation's first call reads no previous move")
        XCTAssertTrue(trainer.corrections.contains { $0.previousMove.contains { $0 != 0 } }, "later calls read the rule's own previous move")
        let deviations = trained.description.normalizer.deviations, tensorOf = trained.features.tensorOfParameter
        func rms(_ examples: [DistillationExample]) -> Double {
            (examples.reduce(0.0) { $0 + $1.move.reduce(0.0) { $0 + Double($1 * $1) } } / Double(examples.count * examples[0].move.count)).squareRoot()
        }
        // The recipe's move descends the loss: its inner product with the gradient (both in normalised units) is negative.
        let descending = trainer.corrections.filter { example in
            example.move.indices.reduce(0.0) { $0 + Double(example.move[$1] * example.gradient[$1] * deviations[tensorOf[$1]]) } < 0
        }
        XCTAssertGreaterThan(Double(descending.count), 0.9 * Double(trainer.corrections.count), "the labels descend the training loss")
        let ratio = rms(trainer.corrections) / rms(trainer.examples)
        XCTAssertTrue((0.1...10).contains(ratio), "on-policy moves in the zoo moves' units: RMS ratio \(ratio)")
    }

    func testAFolderWithoutAReadableDescriptionIsRefusedNamingTheFile() throws {
        let folder = temporaryGeneratorFolder()
        XCTAssertThrowsError(try LearnedOptimizer(folder: folder)) { error in
            XCTAssertTrue("\(error)".contains("optimizer.json"), "\(error)")
        }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data("{\"formatVersion\": 1, \"configuration\": 3}".utf8).write(to: folder.appendingPathComponent("optimizer.json"))
        XCTAssertThrowsError(try LearnedOptimizer(folder: folder)) { error in
            XCTAssertTrue("\(error)".contains("optimizer.json") && "\(error)".contains("unreadable"), "\(error)")
        }
    }
}
