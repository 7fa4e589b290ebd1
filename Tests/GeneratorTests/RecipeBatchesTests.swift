import Foundation
import Segmentation
import TensorEngine
import XCTest
@testable import Generator
@testable import Zoo

/// A generation that reads a recipe's batches must read exactly what a run of that recipe and
/// data seed trains on, in its order, spread over the generation's calls without a gap.
final class RecipeBatchesTests: XCTestCase {
    /// The batches of a zoo run's recipe and seed are the batch loader's of that run: the
    /// training cases z-scored, a third centred on foreground, the recipe's augmentation, the
    /// data stream's seed; batches skipped are drawn as a resumed run draws them.
    func testTheyAreTheBatchesTheRunTrainsOn() throws {
        let zoo = try makeGeneratorTestZoo()
        let run = try XCTUnwrap(try zoo.runs(task: "cord", status: .done).first)
        let evaluator = try TaskEvaluator(zoo: zoo, task: "cord")
        let seed = UInt64(bitPattern: run.seed)
        let batches = try evaluator.recipeBatches(hyperparameters: run.hyperparameters, patchSize: zoo.plan.patchSize, seed: seed, spatialRank: 2)
        var augmentation = AugmentationConfiguration.nnUNetDefault
        augmentation.strength = run.augmentationStrength
        let loader = try BatchLoader(cases: try TaskData(zoo: zoo, task: "cord").training.map { $0.zScoreNormalized() },
                                     sampler: PatchSampler(patchSize: zoo.plan.patchSize, foregroundFraction: 0.33, augmentation: augmentation),
                                     batchSize: run.batchSize, spatialRank: 2, seed: seed &+ 0x5EED)
        defer { loader.stop() }
        let expected = (0..<8).map { _ in loader.next() }
        func assertReads(_ iterations: Range<Int>) throws {
            guard case let .patches(batch) = try batches.batch(iterations: iterations) else { return XCTFail("whole networks read patches") }
            XCTAssertEqual(batch.images.shape[0], iterations.count * run.batchSize)
            XCTAssertEqual(batch.images.scalars, iterations.flatMap { expected[$0].images.scalars }, "images of \(iterations)")
            XCTAssertEqual(batch.labels.scalars, iterations.flatMap { expected[$0].labels.scalars }, "labels of \(iterations)")
        }
        try assertReads(0..<2)
        try assertReads(5..<8)
        XCTAssertThrowsError(try batches.batch(iterations: 6..<7), "an iteration already passed")
        XCTAssertThrowsError(try batches.batch(iterations: 9..<9), "no iteration")
    }

    /// Call k of C reads the run's iterations ⌊kN/C⌋ ..< ⌊(k+1)N/C⌋: every call at least one,
    /// the calls together every iteration once, in order (iteration k per call for a shorter run).
    func testTheCallsReadEveryIterationOnceInOrder() {
        for (runIterations, calls) in [(1200, 160), (600, 160), (10, 64), (64, 64), (7, 3)] {
            let ranges = (0..<calls).map { GenerationData.iterations(call: $0, of: calls, runIterations: runIterations) }
            XCTAssertTrue(ranges.allSatisfy { !$0.isEmpty }, "\(runIterations) over \(calls)")
            XCTAssertEqual(ranges.flatMap { Array($0) }, Array(0..<max(runIterations, calls)), "\(runIterations) over \(calls)")
        }
        XCTAssertEqual(GenerationData.iterations(call: 3, of: 160, runIterations: 1200), 22..<30)
    }

    /// A generation that reads a recipe's batches moves as a call on those batches does, not as
    /// one on a fresh draw; an evaluation reading them names it and audits every start.
    func testAGenerationReadsThemCallByCall() throws {
        let zoo = try makeGeneratorTestZoo()
        var configuration = LearnedOptimizerTests.quick
        configuration.trainingSteps = 20
        configuration.maximumCalls = 4
        let optimizer = try LearnedOptimizerTrainer(zoo: zoo, folder: temporaryGeneratorFolder(), configuration: configuration,
                                                    heldOutRunsPerTask: 1).train()
        let evaluator = try TaskEvaluator(zoo: zoo, task: "cord")
        let run = try XCTUnwrap(try zoo.runs(task: "cord", status: .done).first)
        let start = try optimizer.assembly.layout.flatten(try PlainConvUNet(optimizer.description.architecture, seed: 5))
        let data = GenerationData.recipeBatches(run.hyperparameters, seed: 11)
        let generated = try optimizer.trajectory(from: start, task: 0, evaluator: evaluator, stop: .reaching(.infinity, checks: .everyCall), calls: 2, data: data)

        let batches = try evaluator.recipeBatches(hyperparameters: run.hyperparameters, patchSize: zoo.plan.patchSize, seed: 11, spatialRank: 2)
        let network = try optimizer.assembly.network(start)
        var values = start, memory = CallMemory()
        for call in 0..<2 {
            let batch = try batches.batch(iterations: GenerationData.iterations(call: call, of: 2, runIterations: run.iterations))
            (values, memory, _, _) = try optimizer.update(values, on: network, task: 0, evaluator: evaluator, call: call, memory: memory, batch: .given(batch))
            XCTAssertEqual(generated.networks[call + 1], values, "call \(call) reads iterations \(GenerationData.iterations(call: call, of: 2, runIterations: run.iterations))")
        }
        let fresh = try optimizer.trajectory(from: start, task: 0, evaluator: evaluator, stop: .reaching(.infinity, checks: .everyCall), calls: 2)
        XCTAssertNotEqual(fresh.networks[1], generated.networks[1], "a fresh draw is other data")

        XCTAssertEqual(optimizer.defaultEvaluationData, .freshDraws, "a rule distilled on fresh draws reads them unless told")
        let evaluation = try optimizer.evaluate(on: zoo, seeds: 2, alignmentStarts: 0, fidelityStarts: 2, data: .recipeBatches)
        XCTAssertTrue(evaluation.sampler.hasSuffix("reading the recipe's batches"), evaluation.sampler)
        for task in evaluation.tasks {
            XCTAssertEqual(task.unseen.count, 2)
            XCTAssertEqual(task.seen.count, 2)
            XCTAssertEqual(try XCTUnwrap(task.audit).unseen.fidelityToStart?.values.count, 2)
        }
    }

    /// A rule distilled on its runs' batches reads, at each checkpoint pair, the gradient on the
    /// batches its run trained on between the two checkpoints; it calibrates and generates on a
    /// recipe's batches, and refuses fresh draws with a message that says what it needs.
    func testARuleDistilledOnItsRunsBatchesReadsTheDataThatMadeEachMove() throws {
        let zoo = try makeGeneratorTestZoo()
        var configuration = LearnedOptimizerTests.quick
        configuration.gradient = .runBatches
        configuration.trainingSteps = 20
        let trainer = try LearnedOptimizerTrainer(zoo: zoo, folder: temporaryGeneratorFolder(), configuration: configuration, heldOutRunsPerTask: 1)
        let (run, checkpoints, later) = try firstCordPair(of: trainer, zoo: zoo)
        let evaluator = try TaskEvaluator(zoo: zoo, task: "cord")
        let batch = try evaluator.recipeBatches(hyperparameters: run.hyperparameters, patchSize: zoo.plan.patchSize,
                                                seed: UInt64(bitPattern: run.seed), spatialRank: 2)
            .batch(iterations: checkpoints[0].record.iteration..<later.record.iteration)
        let assembly = try zoo.assembly(try zoo.planArchitectureID())
        let expected = try assembly.withNetwork(checkpoints[0].values) { try evaluator.patchLossGradient($0, layout: assembly.layout, batch: batch) }
        XCTAssertEqual(trainer.examples[0].values, checkpoints[0].values, "the first example is the first run's first checkpoint")
        // Up to float rounding (the trainer measures on its worker threads): relative to the whole gradient's size.
        let gradient = trainer.examples[0].gradient
        XCTAssertEqual(gradient.count, expected.count)
        XCTAssertLessThan(euclideanDistance(gradient, expected), 1e-5 * euclideanNorm(expected), "its gradient reads the batches of iterations up to \(later.record.iteration)")

        let optimizer = try trainer.train()
        let start = try optimizer.assembly.layout.flatten(try PlainConvUNet(optimizer.description.architecture, seed: 5))
        XCTAssertThrowsError(try optimizer.trajectory(from: start, task: 0, evaluator: evaluator, stop: .reaching(.infinity, checks: .everyCall))) {
            XCTAssertTrue("\($0)".contains("recipe"), "the error says what it reads: \($0)")
        }
        let generated = try optimizer.trajectory(from: start, task: 0, evaluator: evaluator, stop: .reaching(.infinity, checks: .everyCall),
                                                 data: .recipeBatches(run.hyperparameters, seed: 3))
        XCTAssertEqual(generated.networks.count, configuration.maximumCalls + 1)
        XCTAssertEqual(optimizer.defaultEvaluationData, .recipeBatches, "its evaluation reads recipe batches unless told")
        XCTAssertThrowsError(try { var corrected = configuration; corrected.corrections = 1; try corrected.validate() }(),
                             "on-policy correction has no fresh draws to label with")
    }

    /// The control reads as many batches of the same recipe, augmented alike, on another data
    /// order (the run's seed + 1): not the data that made the move.
    func testTheControlReadsAnotherDataOrdersBatches() throws {
        let zoo = try makeGeneratorTestZoo()
        var configuration = LearnedOptimizerTests.quick
        configuration.gradient = .otherRunBatches
        let trainer = try LearnedOptimizerTrainer(zoo: zoo, folder: temporaryGeneratorFolder(), configuration: configuration, heldOutRunsPerTask: 1)
        let (run, checkpoints, later) = try firstCordPair(of: trainer, zoo: zoo)
        let evaluator = try TaskEvaluator(zoo: zoo, task: "cord")
        let assembly = try zoo.assembly(try zoo.planArchitectureID())
        func gradient(dataSeed: UInt64) throws -> [Float] {
            let batch = try evaluator.recipeBatches(hyperparameters: run.hyperparameters, patchSize: zoo.plan.patchSize, seed: dataSeed, spatialRank: 2)
                .batch(iterations: checkpoints[0].record.iteration..<later.record.iteration)
            return try assembly.withNetwork(checkpoints[0].values) { try evaluator.patchLossGradient($0, layout: assembly.layout, batch: batch) }
        }
        let read = trainer.examples[0].gradient, other = try gradient(dataSeed: UInt64(bitPattern: run.seed) &+ 1)
        let scale = euclideanNorm(other)
        XCTAssertLessThan(euclideanDistance(read, other), 1e-5 * scale, "the example reads the other data order's batches")
        XCTAssertGreaterThan(euclideanDistance(read, try gradient(dataSeed: UInt64(bitPattern: run.seed))), 1e-2 * scale, "not the run's own")
        XCTAssertTrue(configuration.gradient.readsRunBatches)
    }

    /// A rule reading the first of its run's batches reads, at each checkpoint pair, the batch
    /// of the move's first iteration alone, and a generation's call the first of the iterations
    /// it stands for: one iteration's gradient whatever the horizon.
    func testTheFirstBatchRuleReadsOneIterationsBatchPerCall() throws {
        try assertReadsTheFirstBatches(count: 1, horizon: 2)
    }

    /// With two of them, the batches of the move's (and of a call's) first two iterations, no more.
    func testTheFirstTwoBatchesRuleReadsTwoIterationsBatchesPerCall() throws {
        try assertReadsTheFirstBatches(count: 2, horizon: 3)
    }

    /// The gradient spellings read back as written, `run-first-batch` as one batch; a count
    /// below one or above the horizon is refused.
    func testTheFirstBatchesCountIsSpelledAndBounded() throws {
        for gradient in [CallGradient.wholeCases, .trainingPatches, .runBatches, .otherRunBatches, .runFirstBatches(1), .runFirstBatches(7)] {
            XCTAssertEqual(CallGradient(gradient.description), gradient)
            let stored = try JSONDecoder().decode([CallGradient].self, from: try JSONEncoder().encode([gradient]))
            XCTAssertEqual(stored, [gradient])
        }
        XCTAssertEqual(CallGradient("run-first-batch"), .runFirstBatches(1))
        XCTAssertEqual(try JSONDecoder().decode([CallGradient].self, from: Data(#"["run-first-batch"]"#.utf8)), [.runFirstBatches(1)])
        for text in ["run-first-batches:0", "run-first-batches:-1", "run-first-batches:", "run-first-batches:two", "run-batch"] {
            XCTAssertNil(CallGradient(text), text)
        }
        XCTAssertThrowsError(try JSONDecoder().decode([CallGradient].self, from: Data(#"["run-first-batches:0"]"#.utf8)))
        var configuration = LearnedOptimizerTests.quick
        configuration.gradient = .runFirstBatches(configuration.horizon)
        XCTAssertNoThrow(try configuration.validate())
        configuration.gradient = .runFirstBatches(configuration.horizon + 1)
        XCTAssertThrowsError(try configuration.validate())
    }

    /// A rule reading the batches of the first `count` of its iterations reads exactly those, in
    /// distillation (at the first checkpoint pair, `horizon` on) and in a generation's two calls.
    private func assertReadsTheFirstBatches(count: Int, horizon: Int) throws {
        let zoo = try makeGeneratorTestZoo()
        var configuration = LearnedOptimizerTests.quick
        configuration.gradient = .runFirstBatches(count)
        configuration.horizon = horizon
        configuration.trainingSteps = 20
        configuration.maximumCalls = 2
        XCTAssertEqual(configuration.gradient.batchIterations(of: 10..<15), 10..<(10 + count))
        XCTAssertEqual(CallGradient.runBatches.batchIterations(of: 10..<15), 10..<15)
        let trainer = try LearnedOptimizerTrainer(zoo: zoo, folder: temporaryGeneratorFolder(), configuration: configuration, heldOutRunsPerTask: 1)
        let (run, checkpoints, later) = try firstCordPair(of: trainer, zoo: zoo)
        XCTAssertGreaterThan(later.record.iteration - checkpoints[0].record.iteration, count, "the move spans more iterations than are read")
        let evaluator = try TaskEvaluator(zoo: zoo, task: "cord")
        let assembly = try zoo.assembly(try zoo.planArchitectureID())
        func gradient(iterations: Range<Int>) throws -> [Float] {
            let batch = try evaluator.recipeBatches(hyperparameters: run.hyperparameters, patchSize: zoo.plan.patchSize,
                                                    seed: UInt64(bitPattern: run.seed), spatialRank: 2).batch(iterations: iterations)
            return try assembly.withNetwork(checkpoints[0].values) { try evaluator.patchLossGradient($0, layout: assembly.layout, batch: batch) }
        }
        let first = checkpoints[0].record.iteration
        let read = trainer.examples[0].gradient, expected = try gradient(iterations: first..<(first + count))
        let scale = euclideanNorm(expected)
        XCTAssertLessThan(euclideanDistance(read, expected), 1e-5 * scale, "the example reads the move's first \(count) batches")
        XCTAssertGreaterThan(euclideanDistance(read, try gradient(iterations: first..<later.record.iteration)), 1e-2 * scale, "not all the move's batches")

        let optimizer = try trainer.train()
        let start = try optimizer.assembly.layout.flatten(try PlainConvUNet(optimizer.description.architecture, seed: 5))
        let generated = try optimizer.trajectory(from: start, task: 0, evaluator: evaluator, stop: .reaching(.infinity, checks: .everyCall),
                                                 data: .recipeBatches(run.hyperparameters, seed: 11))
        let batches = try evaluator.recipeBatches(hyperparameters: run.hyperparameters, patchSize: zoo.plan.patchSize, seed: 11, spatialRank: 2)
        let network = try optimizer.assembly.network(start)
        var values = start, memory = CallMemory()
        for call in 0..<2 {
            let iterations = GenerationData.iterations(call: call, of: 2, runIterations: run.iterations)
            XCTAssertGreaterThan(iterations.count, count, "a call stands for more iterations than it reads")
            let batch = try batches.batch(iterations: iterations.lowerBound..<(iterations.lowerBound + count))
            (values, memory, _, _) = try optimizer.update(values, on: network, task: 0, evaluator: evaluator, call: call, memory: memory, batch: .given(batch))
            XCTAssertEqual(generated.networks[call + 1], values, "call \(call) reads the first \(count) iterations of \(iterations)")
        }
    }

    /// The first cord run `trainer` distils, its checkpoints, and the later checkpoint of its first pair (a horizon on).
    private func firstCordPair(of trainer: LearnedOptimizerTrainer, zoo: Zoo) throws
        -> (run: RunRecord, checkpoints: [(record: CheckpointRecord, values: [Float])], later: (record: CheckpointRecord, values: [Float])) {
        let configuration = trainer.description.configuration
        let run = try XCTUnwrap(try LearnedOptimizerTrainer.distilledRuns(zoo: zoo, task: "cord", configuration: configuration,
                                                                          heldOut: trainer.description.heldOutRuns).distilled.first)
        let checkpoints = try zoo.parameters(of: run)
        let later = try XCTUnwrap(checkpoints.first { $0.record.iteration >= checkpoints[0].record.iteration + configuration.horizon })
        return (run, checkpoints, later)
    }
}
