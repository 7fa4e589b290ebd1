import Foundation
import Segmentation
import XCTest
@testable import Generator
@testable import Zoo

/// Test cases are for reporting only: a generator trains, is prompted and generates with every
/// test-case file of its zoo unreadable, and only the evaluation's report reads them.
final class TestCaseIsolationTests: XCTestCase {
    /// Overwrites every test case's image and label files of `zoo` with bytes no NIfTI reader
    /// accepts; returns the function that puts the originals back.
    private func sealTestCases(of zoo: Zoo) throws -> () throws -> Void {
        var originals: [(URL, Data)] = []
        for task in zoo.plan.tasks {
            let folder = try zoo.task(named: task).datasetFolder
            for identifier in try zoo.cases(task: task, role: "test") {
                for subfolder in ["imagesTr", "labelsTr"] {
                    let directory = folder.appendingPathComponent(subfolder)
                    for name in try FileManager.default.contentsOfDirectory(atPath: directory.path)
                    where name.hasPrefix(identifier + "_") || name.hasPrefix(identifier + ".") {
                        let url = directory.appendingPathComponent(name)
                        originals.append((url, try Data(contentsOf: url)))
                        try Data("sealed until the report".utf8).write(to: url)
                    }
                }
            }
        }
        XCTAssertEqual(originals.count, 2 * zoo.plan.testCases * zoo.plan.tasks.count, "an image and a label per test case")
        return { for (url, data) in originals { try data.write(to: url) } }
    }

    func testNoTestCaseIsReadWhileAGeneratorTrainsIsPromptedOrGenerates() throws {
        let zoo = try makeGeneratorTestZoo()
        let unseal = try sealTestCases(of: zoo)
        let (architecture, layout) = try zoo.architecture(try zoo.planArchitectureID())
        let network = try PlainConvUNet(architecture, seed: 77)
        XCTAssertThrowsError(try TaskEvaluator(zoo: zoo, task: "cord").testDice(network), "the test cases are really unreadable")

        // The default's data recipe (path targets scored on cases, best-validation runs, run
        // embedding) and a start-gradient generator with held-out evaluation during training.
        let sizes = GeneratorArchitecture(chunkSize: 32, width: 32, depth: 1, heads: 2, frequencies: 8)
        let schedule = GeneratorSchedule(trainingSteps: 4, batchSize: 4, learningRate: 3e-3, warmupSteps: 2)
        let hidden = GeneratorConfiguration(architecture: sizes, schedule: schedule,
                                            data: DataRecipe(alignment: .canonical, targetSampling: .balanced, runsPerTask: 2,
                                                             runSelection: .bestValidation, pathTargets: 2, runEmbedding: true),
                                            conditioning: .hidden)
        let gradient = GeneratorConfiguration(architecture: sizes, schedule: schedule,
                                              conditioning: .withStart(StartInputs(dropout: 0.5, gradient: true)))
        var folders: [URL] = []
        for configuration in [hidden, gradient] {
            let folder = temporaryGeneratorFolder()
            let trainer = try GeneratorTrainer(zoo: zoo, folder: folder, configuration: configuration, heldOutRunsPerTask: 1)
            trainer.checkpointInterval = 2
            var heldOut: [Double] = []
            try trainer.train(progress: { if let achieved = $0.heldOutAchieved { heldOut.append(achieved) } })
            XCTAssertFalse(heldOut.isEmpty, "the held-out evaluation ran (on validation Dice)")
            let generator = try WeightGenerator(folder: folder)
            let start = try layout.flatten(network)
            let prompt = generator.attainablePrompt(1, task: 0)
            let output = try generator.generate(starts: [start], tasks: [0], startMetrics: [0], targetMetrics: [prompt],
                                                startGradients: try generator.startGradients(for: [start], tasks: [0], zoo: zoo),
                                                sampler: .ddim(steps: 2))
            XCTAssertEqual(output[0].count, layout.parameterCount)
            folders.append(folder)
        }

        try unseal()
        let generator = try WeightGenerator(folder: folders[0])
        let evaluation = try generator.evaluate(on: zoo, seeds: 1, alignmentStarts: 0, sampler: .ddim(steps: 2))
        let bestValidation = try zoo.runs(task: "cord", status: .done).flatMap { try zoo.checkpoints(run: $0.id!) }.map(\.validationDice).max()
        XCTAssertEqual(evaluation.tasks[0].prompt, bestValidation, "the prompt is the best validation Dice")
        XCTAssertTrue(evaluation.tasks[0].unseen.allSatisfy { (0...1).contains($0) }, "the report reads the test cases")
    }

    /// The learned optimiser distils, chooses its step scale and generates up to a prompt, on
    /// fresh draws and on a recipe's batches, with every test case unreadable.
    func testNoTestCaseIsReadWhileALearnedOptimiserTrainsOrGenerates() throws {
        let zoo = try makeGeneratorTestZoo()
        let unseal = try sealTestCases(of: zoo)
        let optimizer = try LearnedOptimizerTrainer(zoo: zoo, folder: temporaryGeneratorFolder(), configuration: LearnedOptimizerTests.quick,
                                                    heldOutRunsPerTask: 1).train()
        let evaluator = try TaskEvaluator(zoo: zoo, task: "canal")
        let start = try optimizer.assembly.layout.flatten(try PlainConvUNet(optimizer.description.architecture, seed: 77))
        let trajectory = try optimizer.trajectory(from: start, task: try optimizer.taskIndex("canal"), evaluator: evaluator, stop: .reaching(0.99, checks: .everyCall))
        XCTAssertEqual(trajectory.networks.count, trajectory.validationDice.count)
        XCTAssertGreaterThan(trajectory.networks.count, 1)
        let recipe = try XCTUnwrap(try zoo.runs(task: "canal", status: .done).first).hyperparameters
        let onRecipe = try optimizer.trajectory(from: start, task: try optimizer.taskIndex("canal"), evaluator: evaluator, stop: .reaching(0.99, checks: .everyCall),
                                                data: .recipeBatches(recipe, seed: 3))
        XCTAssertGreaterThan(onRecipe.networks.count, 1)
        XCTAssertThrowsError(try evaluator.testDice(try optimizer.assembly.network(start)), "the test cases are really unreadable")
        try unseal()
    }

    /// A dropped start hides its parameters, its gradient and its metric together.
    func testADroppedStartHidesItsGradientAndMetricToo() throws {
        let zoo = try makeGeneratorTestZoo()
        let configuration = GeneratorConfiguration(
            architecture: GeneratorArchitecture(chunkSize: 32, width: 32, depth: 1, heads: 2, frequencies: 8),
            schedule: GeneratorSchedule(trainingSteps: 1, batchSize: 2), conditioning: .withStart(StartInputs(dropout: 0.5, gradient: true)))
        let trainer = try GeneratorTrainer(zoo: zoo, folder: temporaryGeneratorFolder(), configuration: configuration, heldOutRunsPerTask: 1)
        let run = trainer.pool.runs[0]
        let shown = trainer.startInputs(run.parameters[0], gradient: run.gradients[0], metric: 0.3, dropped: false)
        XCTAssertGreaterThan(shown.tokens.map(abs).max() ?? 0, 0)
        XCTAssertGreaterThan(shown.gradient?.map(abs).max() ?? 0, 0)
        XCTAssertEqual(shown.metric, 0.3)
        let dropped = trainer.startInputs(run.parameters[0], gradient: run.gradients[0], metric: 0.3, dropped: true)
        XCTAssertEqual(dropped.tokens.map(abs).max(), 0)
        XCTAssertEqual(dropped.gradient?.map(abs).max(), 0, "the gradient of a hidden start is hidden")
        XCTAssertEqual(dropped.metric, 0)
        var alwaysHidden = configuration
        alwaysHidden.conditioning = .withStart(StartInputs(dropout: 1, gradient: true))
        XCTAssertThrowsError(try alwaysHidden.validate(), "a start that is always hidden is the start-hidden conditioning, which reads no gradient")
    }

    /// A generator saved before prompts became validation Dice is refused with a message that says why.
    func testAGeneratorSavedWithTestDicePromptsIsRefused() throws {
        let folder = temporaryGeneratorFolder()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data(#"{"configuration": {"metric": "dice"}, "step": 10}"#.utf8).write(to: folder.appendingPathComponent("generator.json"))
        XCTAssertThrowsError(try WeightGenerator(folder: folder)) { error in
            XCTAssertTrue("\(error)".contains("test-case Dice"), "\(error)")
            XCTAssertTrue("\(error)".contains("generator.json"), "names the file: \(error)")
        }
    }
}
