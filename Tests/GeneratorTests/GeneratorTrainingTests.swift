import Foundation
import NeuralNetwork
import Segmentation
import TensorEngine
import TestSupport
import XCTest
import Zoo
@testable import Generator

/// The generator model learns: it starts as "target = start", overfits a single pair, and the
/// trainer saves, resumes and samples networks of the zoo's architecture.
final class GeneratorTrainingTests: XCTestCase {
    private let tiny = GeneratorConfiguration(architecture: GeneratorArchitecture(chunkSize: 32, width: 32, depth: 1, heads: 2, frequencies: 8),
                                              schedule: GeneratorSchedule(trainingSteps: 40, batchSize: 4, learningRate: 3e-3, warmupSteps: 5))

    func testUntrainedModelPredictsTheStartOrTheMean() throws {
        let model = try GeneratorModel(configuration: tiny, tokenCount: 5, taskCount: 2, seed: 1)
        let start = Tensor.normal([2, 5, 32], seed: 1), noisy = Tensor.normal([2, 5, 32], seed: 2)
        let input = GeneratorInput(start: start, noisy: noisy, scalars: [[0.1, 0.9, 0.1, 0.8], [0.5, 0.5, 0.2, 0.3]], tasks: [0, 1])
        XCTAssertEqual(try model(input).scalars, start.scalars)
        var direct = tiny
        direct.conditioning = .withStart(StartInputs(globalResidual: false))
        let withoutResidual = try GeneratorModel(configuration: direct, tokenCount: 5, taskCount: 2, seed: 1)
        XCTAssertEqual(try withoutResidual(input).scalars, [Float](repeating: 0, count: start.count),
                       "without the residual the zero-initialised decoders predict the zoo mean (0 after normalisation)")
    }

    func testModelOverfitsASinglePair() throws {
        let model = try GeneratorModel(configuration: tiny, tokenCount: 6, taskCount: 1, seed: 3)
        let start = Tensor.normal([1, 6, 32], seed: 4), target = Tensor.normal([1, 6, 32], seed: 5)
        let noisy = Tensor.normal([1, 6, 32], seed: 6)
        let input = GeneratorInput(start: start, noisy: noisy, scalars: [[0.3, 0.9, 0.05, 0.85]], tasks: [0])
        let optimizer = Adam(groups: [ParameterGroup(model.namedParameters())], learningRate: 3e-3)
        var first: Float = 0, last: Float = 0
        for step in 0..<300 {
            optimizer.zeroGrad()
            let difference = try model(input) - target
            let loss = try (difference * difference).mean()
            if step == 0 { first = loss.item }
            last = loss.item
            try loss.backward()
            try optimizer.step()
        }
        XCTAssertLessThan(last, first * 0.01, "loss \(first) → \(last)")
    }

    func testTrainerSavesResumesAndGenerates() throws {
        let zoo = try makeGeneratorTestZoo()
        let generatorFolder = temporaryGeneratorFolder()
        var configuration = tiny
        configuration.schedule.trainingSteps = 20
        let trainer = try GeneratorTrainer(zoo: zoo, folder: generatorFolder, configuration: configuration, heldOutRunsPerTask: 1)
        trainer.checkpointInterval = 10
        var reports: [GeneratorProgress] = []
        try trainer.train(progress: { reports.append($0) })
        XCTAssertEqual(trainer.description.step, 20)
        XCTAssertNotNil(reports.last?.heldOutAchieved, "the periodic evaluation ran")
        XCTAssertEqual(trainer.description.heldOutRuns, [3])

        configuration.schedule.trainingSteps = 30
        XCTAssertThrowsError(try GeneratorTrainer(zoo: zoo, folder: generatorFolder, configuration: configuration),
                             "a different configuration cannot resume this generator")
        configuration.schedule.trainingSteps = 20
        let resumed = try GeneratorTrainer(zoo: zoo, folder: generatorFolder, configuration: configuration, heldOutRunsPerTask: 1)
        XCTAssertEqual(resumed.description.step, 20, "resumes at the saved step")

        let generator = try WeightGenerator(folder: generatorFolder)
        let (architecture, layout) = try zoo.architecture(try zoo.planArchitectureID())
        let start = try layout.flatten(try PlainConvUNet(architecture, seed: 123_456))
        let outputs = try generator.generate(starts: [start, start], tasks: [0, 1], startMetrics: [0.05, 0.05],
                                             targetMetrics: [0.9, 0.9], sampler: .ddim(steps: 5), seed: 7)
        XCTAssertEqual(outputs.count, 2)
        XCTAssertEqual(outputs[0].count, layout.parameterCount)
        XCTAssertTrue(outputs.allSatisfy { $0.allSatisfy(\.isFinite) })
        let again = try generator.generate(starts: [start, start], tasks: [0, 1], startMetrics: [0.05, 0.05],
                                           targetMetrics: [0.9, 0.9], sampler: .ddim(steps: 5), seed: 7)
        XCTAssertEqual(again, outputs, "sampling is deterministic for a seed (bit for bit on one kernel and thread count)")
        let best = try XCTUnwrap(generator.description.bestMetric["cord"])
        XCTAssertEqual(generator.attainablePrompt(best + 0.2, task: 0), best)
        XCTAssertEqual(generator.attainablePrompt(best - 0.2, task: 0), best - 0.2)
        func generated(_ target: Double, extrapolate: Bool = false) throws -> [Float] {
            try generator.generate(starts: [start], tasks: [0], startMetrics: [0.05], targetMetrics: [target],
                                   sampler: .ddim(steps: 5), seed: 7, extrapolate: extrapolate)[0]
        }
        XCTAssertEqual(try generated(best + 0.2), try generated(best), "a prompt beyond the training data is answered as the best")
        XCTAssertNotEqual(try generated(best + 0.2, extrapolate: true), try generated(best), "unless extrapolating")
        let network = try generator.network(from: outputs[0])
        let metrics = try TaskEvaluator(zoo: zoo, task: "cord").evaluate(network)
        XCTAssertTrue((0...1).contains(metrics.testDice))
        XCTAssertThrowsError(try generator.taskIndex("lesion"))
    }

    /// A training stopped between two saves and two log steps, twice, and resumed each time ends with
    /// the weights, EMA, Adam moments and loss history of one that never stopped: what a Slurm job
    /// requeued on preemption relies on.
    func testStoppedAndResumedTrainingEqualsAnUninterruptedRun() throws {
        let zoo = try makeGeneratorTestZoo()
        var configuration = tiny
        configuration.schedule.trainingSteps = 24
        func trainer(_ folder: URL) throws -> GeneratorTrainer {
            let trainer = try GeneratorTrainer(zoo: zoo, folder: folder, configuration: configuration, heldOutRunsPerTask: 1, seed: 5)
            trainer.checkpointInterval = 10
            trainer.logInterval = 4
            return trainer
        }
        let uninterrupted = temporaryGeneratorFolder()
        XCTAssertEqual(try trainer(uninterrupted).train(), .finished)

        let interrupted = temporaryGeneratorFolder()
        for stopStep in [7, 13] {
            let run = try trainer(interrupted)
            XCTAssertEqual(try run.train(stopWhen: { run.description.step == stopStep }), .stopped(step: stopStep))
            XCTAssertEqual(try GeneratorStore.readDescription(interrupted).step, stopStep, "saved on stopping")
        }
        let last = try trainer(interrupted)
        XCTAssertEqual(last.description.step, 13)
        XCTAssertEqual(last.description.unloggedLosses?.count, 1, "the loss of step 13 waits for the log step 16")
        XCTAssertEqual(try last.train(), .finished)

        let expected = try GeneratorStore.readTrainingState(uninterrupted), actual = try GeneratorStore.readTrainingState(interrupted)
        XCTAssertEqual(actual.tensors.tensors.map(\.name), expected.tensors.tensors.map(\.name))
        for (a, e) in zip(actual.tensors.tensors, expected.tensors.tensors) {
            XCTAssertEqual(a.tensor.bytes, e.tensor.bytes, "\(e.name) equals bit for bit (one kernel and thread count)")
        }
        XCTAssertEqual(actual.description.lossHistory, expected.description.lossHistory)
        XCTAssertEqual(actual.description.step, 24)
        XCTAssertNil(actual.description.unloggedLosses)
    }

    /// A generator records the runs it learns from: after the zoo grows, a resumed training reads
    /// the same runs and the audit compares with the same networks, not with the runs added since.
    func testAGrownZooChangesNeitherTheRunsAResumedTrainingReadsNorTheAuditsReference() throws {
        let zoo = try makeGeneratorTestZoo()
        let folder = temporaryGeneratorFolder()
        var configuration = tiny
        configuration.schedule.trainingSteps = 4
        let trainer = try GeneratorTrainer(zoo: zoo, folder: folder, configuration: configuration, heldOutRunsPerTask: 1)
        try trainer.train()
        XCTAssertEqual(trainer.description.trainingRuns, ["cord": [0, 1, 2], "canal": [0, 1, 2]], "run 3 of each task is held out")

        let grown = try Zoo.grow(zoo.folder, toRunsPerTask: 5)
        _ = try ZooBuilder(zoo: grown, workers: 2).build()
        XCTAssertEqual(try grown.runs(task: "cord", status: .done).count, 5)
        let generator = try WeightGenerator(folder: folder)
        XCTAssertEqual(try generator.description.learnedRunRecords(task: "cord", zoo: grown).map(\.runIndex), [0, 1, 2])
        XCTAssertEqual(try LearnedNetworks.of(generator.description, task: "cord", zoo: grown).runs.count, 3)
        let resumed = try GeneratorTrainer(zoo: grown, folder: folder, configuration: configuration, heldOutRunsPerTask: 1)
        XCTAssertEqual(Set(resumed.pool.runs.map(\.runIndex)), [0, 1, 2])
        XCTAssertEqual(resumed.pool.runs.count, trainer.pool.runs.count)

        // A generator saved before runs were recorded selects them again, from the zoo as it is now.
        var unrecorded = generator.description
        unrecorded.trainingRuns = nil
        XCTAssertEqual(try unrecorded.learnedRunRecords(task: "cord", zoo: grown).map(\.runIndex), [0, 1, 2, 4])
        XCTAssertThrowsError(try RunPool.recordedRuns(zoo: grown, task: "cord", indices: [0, 7])) { error in
            XCTAssertTrue("\(error)".contains("no finished run 7 of cord"), "\(error)")
        }
    }

    /// The weights file alone is a consistent state: a kill between it and `generator.json` leaves a
    /// stale description beside newer weights, and training resumes from the weights file's own.
    func testResumeReadsTheDescriptionSavedWithTheWeights() throws {
        let zoo = try makeGeneratorTestZoo()
        let folder = temporaryGeneratorFolder()
        var configuration = tiny
        configuration.schedule.trainingSteps = 12
        let first = try GeneratorTrainer(zoo: zoo, folder: folder, configuration: configuration, heldOutRunsPerTask: 1)
        first.checkpointInterval = 5
        _ = try first.train(stopWhen: { first.description.step == 5 })
        let stale = try Data(contentsOf: folder.appendingPathComponent(GeneratorStore.descriptionFile))
        _ = try first.train(stopWhen: { first.description.step == 8 })
        try stale.write(to: folder.appendingPathComponent(GeneratorStore.descriptionFile))
        XCTAssertEqual(try GeneratorStore.readDescription(folder).step, 5)
        XCTAssertEqual(try GeneratorTrainer(zoo: zoo, folder: folder, configuration: configuration, heldOutRunsPerTask: 1).description.step, 8)
    }

    func testStartGradientGeneratorTrainsAndGenerates() throws {
        let zoo = try makeGeneratorTestZoo()
        let folder = temporaryGeneratorFolder()
        var configuration = tiny
        configuration.schedule.trainingSteps = 10
        configuration.conditioning = .withStart(StartInputs(gradient: true))
        let trainer = try GeneratorTrainer(zoo: zoo, folder: folder, configuration: configuration, heldOutRunsPerTask: 1)
        try trainer.train()
        let generator = try WeightGenerator(folder: folder)
        let (architecture, layout) = try zoo.architecture(try zoo.planArchitectureID())
        let start = try layout.flatten(try PlainConvUNet(architecture, seed: 99))
        XCTAssertThrowsError(try generator.generate(starts: [start], tasks: [0], startMetrics: [0], targetMetrics: [0.9],
                                                    sampler: .ddim(steps: 3)), "a start-gradient generator needs the gradient")
        let gradients = try generator.startGradients(for: [start], tasks: [0], zoo: zoo)
        let output = try generator.generate(starts: [start], tasks: [0], startMetrics: [0], targetMetrics: [0.9],
                                            startGradients: gradients, sampler: .ddim(steps: 3))
        XCTAssertEqual(output[0].count, layout.parameterCount)
    }

    /// Sampling noise is drawn by position in the batch: handed the starts moved one place
    /// along a ring with the same seed, a generator that hides its start returns the same
    /// networks (so the audit's start dependence, which compares each start with its successor
    /// under one noise, is 0 for it), and one that reads its start returns others.
    func testNoiseIsDrawnByPositionSoOneNoiseComparesTwoStarts() throws {
        let zoo = try makeGeneratorTestZoo()
        let (architecture, layout) = try zoo.architecture(try zoo.planArchitectureID())
        let starts = try (0..<3).map { try layout.flatten(try PlainConvUNet(architecture, seed: 900 + $0)) }
        for conditioning in [StartConditioning.hidden, .withStart(StartInputs())] {
            let configuration = GeneratorConfiguration(
                architecture: GeneratorArchitecture(chunkSize: 32, width: 32, depth: 1, heads: 2, frequencies: 8),
                schedule: GeneratorSchedule(trainingSteps: 2, batchSize: 4, learningRate: 3e-3, warmupSteps: 1),
                data: DataRecipe(), conditioning: conditioning)
            let folder = temporaryGeneratorFolder()
            try GeneratorTrainer(zoo: zoo, folder: folder, configuration: configuration, heldOutRunsPerTask: 1).train()
            let generator = try WeightGenerator(folder: folder)
            func generated(_ starts: [[Float]]) throws -> [[Float]] {
                try generator.generate(starts: starts, tasks: [0, 0, 0], startMetrics: [0, 0.1, 0.2], targetMetrics: [0.9, 0.9, 0.9],
                                       sampler: .ddim(steps: 3), seed: 11)
            }
            let first = try generated(starts), successors = try generated(nextInRing(starts))
            if conditioning == .hidden {
                for (a, b) in zip(first, successors) {
                    XCTAssertEqual(zip(a, b).map { abs($0 - $1) }.max() ?? .nan, 0, accuracy: 1e-5 * (a.map(abs).max() ?? 1))
                }
            } else {
                XCTAssertNotEqual(first, successors, "a generator that reads its start answers the next start otherwise")
            }
        }
    }

    /// A generator with path targets and a run embedding: the path networks are measured and
    /// learned (the best metric covers them), every training run gets a row, and a start is
    /// answered from one fixed run of its task among those that reached the prompt.
    func testPathTargetsAndRunEmbeddingTrainAndGenerate() throws {
        let configuration = GeneratorConfiguration(
            architecture: GeneratorArchitecture(chunkSize: 32, width: 32, depth: 1, heads: 2, frequencies: 8),
            schedule: GeneratorSchedule(trainingSteps: 10, batchSize: 4, learningRate: 3e-3, warmupSteps: 5),
            data: DataRecipe(pathTargets: 2, runEmbedding: true), conditioning: .hidden)
        let zoo = try makeGeneratorTestZoo()
        let folder = temporaryGeneratorFolder()
        let trainer = try GeneratorTrainer(zoo: zoo, folder: folder, configuration: configuration, heldOutRunsPerTask: 1)
        let runs = trainer.pool.runs
        let recorded = stride(from: 0, to: runs.count, by: 2).map { runs[$0] }, paths = stride(from: 1, to: runs.count, by: 2).map { runs[$0] }
        XCTAssertEqual(paths.map(\.trajectory), recorded.map(\.trajectory), "each recorded run is followed by its path")
        XCTAssertEqual(Set(recorded.map(\.trajectory)).count, recorded.count)
        XCTAssertTrue(paths.allSatisfy { $0.parameters.count == 4 && $0.metrics.allSatisfy { (0...1).contains($0) } })
        // Paths are scored side by side on lent networks: each score is still its own network's.
        let evaluators = try zoo.plan.tasks.map { try TaskEvaluator(zoo: zoo, task: $0) }
        let assembly = try zoo.assembly(try zoo.planArchitectureID())
        for path in paths {
            for k in 1..<(path.parameters.count - 1) {
                XCTAssertEqual(path.metrics[k], Float(try evaluators[path.task].validationDice(try assembly.network(path.parameters[k]))))
            }
        }
        XCTAssertEqual(trainer.description.bestMetric["cord"], runs.filter { $0.task == 0 }.flatMap(\.metrics).max().map(Double.init))
        let learned = try XCTUnwrap(trainer.description.learnedRuns)
        XCTAssertEqual(learned.map(\.runIndex), recorded.map(\.runIndex))
        XCTAssertEqual(learned.map(\.task), recorded.map(\.task))
        XCTAssertEqual(learned.map(\.bestMetric), zip(recorded, paths).map { Double(($0.metrics + $1.metrics).max()!) })
        try trainer.train()
        let generator = try WeightGenerator(folder: folder)
        XCTAssertEqual(generator.model.runCount, recorded.count)
        let (architecture, layout) = try zoo.architecture(try zoo.planArchitectureID())
        let starts = try (0..<12).map { try layout.flatten(try PlainConvUNet(architecture, seed: 500 + $0)) }
        let chosen = starts.map { generator.answeringRun(for: $0, task: 1, target: 0) }
        XCTAssertTrue(chosen.allSatisfy { learned[$0 ?? 0].task == 1 }, "a start follows a run of its task")
        XCTAssertGreaterThan(Set(chosen).count, 1, "different starts are spread over the runs")
        XCTAssertEqual(starts.map { generator.answeringRun(for: $0, task: 1, target: 0) }, chosen)
        let bests = learned.map(\.bestMetric)
        let canalBest = try XCTUnwrap(generator.description.bestMetric["canal"])
        for start in starts {
            let row = try XCTUnwrap(generator.answeringRun(for: start, task: 1, target: canalBest))
            XCTAssertEqual(bests[row], canalBest, "only a run that reached the prompt answers it")
        }
        for run in recorded where run.task == 1 {
            let zooRun = try XCTUnwrap(try zoo.runs(task: "canal").first { $0.runIndex == run.runIndex })
            let initialisation = try zoo.parameters(of: zooRun)[0].values
            XCTAssertEqual(generator.answeringRun(for: initialisation, task: 1, target: 0), run.trajectory, "a training run's initialisation follows its own run")
        }
        XCTAssertEqual(InitialisationFingerprint.of([3, 1, 2]), InitialisationFingerprint.of([1, 2, 3]), "channel order does not matter")
        XCTAssertNotEqual(InitialisationFingerprint.of([1, 2, 3]), InitialisationFingerprint.of([1, 2, 4]))
        let output = try generator.generate(starts: [starts[0]], tasks: [1], startMetrics: [0], targetMetrics: [0.9], sampler: .ddim(steps: 3))
        XCTAssertEqual(output[0].count, layout.parameterCount)
        XCTAssertThrowsError(try GeneratorModel(configuration: configuration, tokenCount: 4, taskCount: 1, seed: 0),
                             "a run embedding needs its number of runs")
    }

    /// Best-validation selection takes the runs whose final checkpoint scores best on the
    /// validation cases; first selection takes them in run order.
    func testRunSelectionTakesTheFirstOrTheBestValidatedRuns() throws {
        let zoo = try makeGeneratorTestZoo()
        let runs = try zoo.runs(task: "cord", status: .done)
        let finals = try runs.map { (run: $0.runIndex, dice: try XCTUnwrap(try zoo.checkpoints(run: $0.id!).last).validationDice) }
        let dice = Dictionary(uniqueKeysWithValues: finals.map { ($0.run, $0.dice) })
        func pool(_ selection: RunSelection) throws -> RunPool {
            try RunPool(zoo: zoo, tasks: ["cord"], selected: [try RunPool.trainingRuns(zoo: zoo, task: "cord", runsPerTask: 2, selection: selection,
                                                                                       metric: .validationDice, excluding: [])],
                        metric: .validationDice)
        }
        let selected = try pool(.bestValidation)
        XCTAssertEqual(selected.runs.map { dice[$0.runIndex]! }, Array(finals.map(\.dice).sorted(by: >).prefix(2)),
                       "compared by value: runs of equal validation Dice may come in either order")
        let first = try pool(.first)
        XCTAssertEqual(first.runs.map(\.runIndex), Array(runs.map(\.runIndex).prefix(2)))
    }

    /// Canonical alignment permutes whole runs: every checkpoint of a run by the same
    /// permutation (so each computes what it did), bringing the final checkpoints closer to
    /// the task's reference (the final checkpoint with the best validation Dice).
    func testCanonicalAlignmentPermutesWholeRunsTowardsTheReference() throws {
        let zoo = try makeGeneratorTestZoo()
        let (architecture, layout) = try zoo.architecture(try zoo.planArchitectureID())
        let permutation = try UNetPermutation(configuration: architecture, layout: layout)
        let all = [try RunPool.trainingRuns(zoo: zoo, task: "cord", runsPerTask: nil, selection: .first, metric: .validationDice, excluding: [])]
        let plain = try RunPool(zoo: zoo, tasks: ["cord"], selected: all, metric: .validationDice)
        let aligned = try RunPool(zoo: zoo, tasks: ["cord"], selected: all, metric: .validationDice, alignment: permutation)
        let finals = try zoo.runs(task: "cord", status: .done).map { try zoo.parameters(of: $0).last! }
        let reference = finals.max { $0.record.validationDice < $1.record.validationDice }!.values
        func distance(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) }
        let x = Tensor.normal([1, 1, 32, 32], seed: 8)
        var closer = 0
        for (before, after) in zip(plain.runs, aligned.runs) {
            XCTAssertLessThanOrEqual(distance(after.parameters.last!, reference), distance(before.parameters.last!, reference) * 1.000_001)
            if distance(after.parameters.last!, reference) < distance(before.parameters.last!, reference) * 0.999 { closer += 1 }
            for (original, moved) in zip(before.parameters, after.parameters) {
                XCTAssertEqual(original.sorted(), moved.sorted(), "alignment only reorders")
                let a = try PlainConvUNet(architecture, seed: 0), b = try PlainConvUNet(architecture, seed: 0)
                try a.loadStateDict(layout.stateDict(original))
                try b.loadStateDict(layout.stateDict(moved))
                let (ya, yb) = try withNoGrad { (try a(x), try b(x)) }
                assertClose(yb, ya, rtol: 1e-4, "a permuted run computes the same logits")
            }
        }
        XCTAssertGreaterThan(closer, 0, "some run was permuted towards the reference")
    }

    /// With start dropout 1 the generator is prompted by target metric and task alone: neither
    /// the start it is given nor the start's metric makes a difference.
    func testStartDropoutOneIgnoresTheStart() throws {
        let zoo = try makeGeneratorTestZoo()
        let folder = temporaryGeneratorFolder()
        var configuration = tiny
        configuration.schedule.trainingSteps = 5
        configuration.conditioning = .hidden
        try GeneratorTrainer(zoo: zoo, folder: folder, configuration: configuration, heldOutRunsPerTask: 1).train()
        let generator = try WeightGenerator(folder: folder)
        let (architecture, layout) = try zoo.architecture(try zoo.planArchitectureID())
        let starts = try [1, 2].map { try layout.flatten(try PlainConvUNet(architecture, seed: $0)) }
        let outputs = try zip(starts, [0.05, 0.3]).map {
            try generator.generate(starts: [$0], tasks: [0], startMetrics: [$1], targetMetrics: [0.9], sampler: .ddim(steps: 3), seed: 4)[0]
        }
        XCTAssertEqual(outputs[0], outputs[1])
        configuration.conditioning = .withStart(StartInputs(dropout: 1))
        XCTAssertThrowsError(try configuration.validate(), "a given start that is always hidden is the start-hidden conditioning")
    }

    /// Metric-balanced pairs draw a task's rare metric range as often as its common one,
    /// checkpoint-uniform pairs as often as it occurs; starts are always earlier checkpoints.
    func testMetricBalancedPairsDrawEachMetricRangeEvenly() {
        // Two tasks; in task 0 one checkpoint in ten is half-trained (metric 0.3), the rest 0.9.
        let runs = (0..<4).map { index in
            RunPool.Run(task: index % 2, runIndex: index, parameters: Array(repeating: [0], count: 11),
                        metrics: [0.05] + (1...10).map { $0 == 1 && index % 2 == 0 ? 0.3 : 0.9 }, gradients: [])
        }
        let pool = RunPool(runs: runs)
        var rng = SeededGenerator(seed: 3)
        for (sampling, expected) in [(TargetSampling.balanced, 0.5), (.checkpoints, 0.1)] {
            var taskCounts = [0, 0], lowInTaskZero = 0
            for _ in 0..<4000 {
                let (run, start, target) = pool.samplePair(&rng, sampling: sampling)
                XCTAssertLessThan(start, target)
                taskCounts[run.task] += 1
                if run.task == 0, run.metrics[target] < 0.5 { lowInTaskZero += 1 }
            }
            XCTAssertEqual(Double(taskCounts[0]) / 4000, 0.5, accuracy: 0.04, "\(sampling)")
            XCTAssertEqual(Double(lowInTaskZero) / Double(taskCounts[0]), expected, accuracy: 0.04, "\(sampling)")
        }
    }

    /// A path run keeps the run's two ends and puts evenly spaced networks between them, each
    /// with the metric its measurement gives (not one interpolated from the ends).
    func testPathRunLiesOnTheLineFromInitialisationToFinalAndIsMeasured() throws {
        let run = RunPool.Run(task: 1, runIndex: 7, parameters: [[0, 10], [5, 5], [4, 20]], metrics: [0.05, 0.4, 0.9], gradients: [])
        var measured: [[Float]] = []
        let path = try RunPool.pathRun(run, count: 3, measure: { measured.append($0); return $0[1] / 100 })
        XCTAssertEqual(path.parameters, [[0, 10], [1, 12.5], [2, 15], [3, 17.5], [4, 20]])
        XCTAssertEqual(measured, Array(path.parameters[1...3]))
        XCTAssertEqual(path.metrics, [0.05, 0.125, 0.15, 0.175, 0.9])
        XCTAssertEqual(path.task, 1)
        XCTAssertEqual(path.runIndex, 7)
        var configuration = tiny
        configuration.data.pathTargets = -1
        XCTAssertThrowsError(try configuration.validate())
    }

    /// The presets a command line names are valid; `start-hidden` hides the start in an aligned zoo.
    func testPresetsValidateAndStartHiddenHidesTheStart() throws {
        for preset in GeneratorPreset.allCases { XCTAssertNoThrow(try preset.configuration.validate(), preset.rawValue) }
        XCTAssertNil(GeneratorPreset(rawValue: "huge"))
        XCTAssertNil(GeneratorPreset(rawValue: "default"), "no diffusion preset is the default")
        let startHidden = GeneratorPreset(rawValue: "start-hidden")!.configuration
        XCTAssertEqual(startHidden.conditioning, .hidden)
        XCTAssertEqual(startHidden.data.alignment, .canonical)
        XCTAssertTrue(startHidden.data.runEmbedding)
        XCTAssertEqual(startHidden.data.pathTargets, 19)
        XCTAssertEqual(startHidden.data.targetSampling, .balanced)
        XCTAssertEqual(startHidden.data.runSelection, .bestValidation)
        let gpt = GeneratorPreset.gpt.configuration
        XCTAssertEqual(gpt.data.alignment, .permutationAugmentation)
        XCTAssertEqual(gpt.conditioning, .withStart(StartInputs(dropout: 0, gradient: false, globalResidual: true)))
    }

    /// Prompt octaves narrow the metric prompts' frequencies only; the diffusion step keeps G.pt's ten octaves.
    func testPromptOctavesSetTheMetricFrequenciesOnly() throws {
        let expected: [Float] = [.pi, 2 * .pi, 4 * .pi]
        XCTAssertEqual(GeneratorModel.frequencies(count: 3, octaves: 2), expected)
        var configuration = tiny
        configuration.architecture.promptOctaves = 2
        let model = try GeneratorModel(configuration: configuration, tokenCount: 4, taskCount: 1, seed: 0)
        XCTAssertEqual(model.promptFrequencies.last ?? 0, 4 * .pi, accuracy: 1e-4)
        XCTAssertEqual(model.stepFrequencies.last ?? 0, 1024 * .pi, accuracy: 1e-2)
        configuration.architecture.promptOctaves = -1
        XCTAssertThrowsError(try configuration.validate())
    }

    /// Format 2 saved one flat list of options; it is migrated to the same generator in typed parts.
    func testFormatTwoConfigurationsMigrateToTheirTypedParts() throws {
        let sizes: [String: Any] = ["chunkSize": 128, "width": 128, "depth": 2, "heads": 4, "frequencies": 32, "diffusionSteps": 1000,
                                    "promptOctaves": 10, "metric": "validation-dice", "batchSize": 32, "warmupSteps": 100,
                                    "learningRate": 1e-3, "weightDecay": 0.1, "gradientClip": 1, "emaDecay": 0.999]
        let startHiddenOptions: [String: Any] = ["trainingSteps": 10000, "permutationAugmentation": false, "startGradient": false,
                                             "globalResidual": false, "canonicalAlignment": true, "startDropout": 1,
                                             "targetSampling": "balanced", "runsPerTask": 16, "runSelection": "best-validation",
                                             "pathTargets": 19, "runEmbedding": true]
        let gptOptions: [String: Any] = ["trainingSteps": 600, "batchSize": 16, "warmupSteps": 50, "permutationAugmentation": true,
                                         "startGradient": false, "globalResidual": true, "canonicalAlignment": false, "startDropout": 0,
                                         "targetSampling": "pairs", "runSelection": "first", "pathTargets": 0, "runEmbedding": false]
        let decoder = JSONDecoder()
        decoder.userInfo[.generatorFormatVersion] = 2
        func migrated(_ options: [String: Any]) throws -> GeneratorConfiguration {
            try decoder.decode(GeneratorConfiguration.self, from: JSONSerialization.data(withJSONObject: sizes.merging(options) { $1 }))
        }
        XCTAssertEqual(try migrated(startHiddenOptions), .startHidden)
        XCTAssertEqual(try migrated(gptOptions), .small)
    }

    /// Every preset survives a round trip through the saved form, its parts intact.
    func testPresetsRoundTripThroughTheirSavedForm() throws {
        for preset in [GeneratorConfiguration.small, .gpt, .startHidden] {
            XCTAssertEqual(try JSONDecoder().decode(GeneratorConfiguration.self, from: JSONEncoder().encode(preset)), preset)
        }
    }
}
