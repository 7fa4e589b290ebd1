import Foundation
import Generator
import Segmentation
import TensorEngine
import Zoo

/// phantom → zoo → generator(s) and learned optimiser → evaluation → report, in one folder:
/// OUT/data (the phantom, unless a dataset is given), OUT/zoo, OUT/generator (all tasks),
/// OUT/generator-TASK (one per task, for the multi-task comparison), OUT/learned-optimizer, OUT/report
/// (index.html, results.json, overlays). Every stage resumes: a zoo or generator already
/// (partly) built in OUT is continued, not rebuilt.
public struct ExperimentRunner {
    public let configuration: ExperimentConfiguration
    public let folder: URL
    /// An nnU-Net raw dataset (or a folder of them, one per task); nil writes the phantom.
    public let dataset: URL?
    public let command: String
    public let log: (String) -> Void
    /// Progress lines of the zoo builder and generator trainer (many; the CLI prints them).
    public let detail: (String) -> Void

    public init(configuration: ExperimentConfiguration, folder: URL, dataset: URL?, command: String,
                log: @escaping (String) -> Void, detail: @escaping (String) -> Void) {
        self.configuration = configuration
        self.folder = folder
        self.dataset = dataset
        self.command = command
        self.log = log
        self.detail = detail
    }

    /// Runs every stage and writes the report; returns the results it rendered.
    @discardableResult
    public func run() throws -> ExperimentResults {
        try configuration.validate()
        var stages: [StageTiming] = []
        func stage<T>(_ name: String, _ body: () throws -> T) rethrows -> T {
            log("stage: \(name)")
            let start = Date()
            let value = try body()
            stages.append(StageTiming(stage: name, seconds: Date().timeIntervalSince(start)))
            log(String(format: "stage %@ done in %.0f s", name, stages.last!.seconds))
            return value
        }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let data = try stage("data") { try prepareData() }
        let zoo = try stage("zoo") { try buildZoo(data) }
        let generatorConfiguration = try configuration.generatorConfiguration()
        // The shared generator, the per-task ones and the learned optimiser train side by side,
        // one single-threaded engine each: a small transformer's step gains less from a second
        // thread than a second training does from a core of its own.
        let perTaskTasks = configuration.perTaskGenerators && configuration.tasks.count > 1 ? configuration.tasks : []
        let jobs = [(tasks: configuration.tasks, folder: folder.appendingPathComponent("generator"))]
            + perTaskTasks.map { (tasks: [$0], folder: folder.appendingPathComponent("generator-\($0)")) }
        let trained = try stage("generators") {
            try parallelMap(jobs.count + 1) { index -> TrainedModel in
                index < jobs.count
                    ? .generator(try trainGenerator(zoo, tasks: jobs[index].tasks, folder: jobs[index].folder, configuration: generatorConfiguration))
                    : .optimizer(try trainLearnedOptimizer(zoo, folder: folder.appendingPathComponent("learned-optimizer")))
            }
        }
        let generators = trained.compactMap(\.generator)
        guard let optimizer = trained.compactMap(\.optimizer).first else { preconditionFailure("the last job trains the learned optimiser") }
        let shared = generators[0]
        let perTask = Dictionary(uniqueKeysWithValues: zip(perTaskTasks, generators.dropFirst()))
        let report = folder.appendingPathComponent("report")
        try FileManager.default.createDirectory(at: report, withIntermediateDirectories: true)
        // Both generators are judged against the same recipe trainings of the same unseen starts, trained once.
        let recipeTrainings = RecipeTrainings()
        let (tasks, multiTask) = try stage("evaluation") { () -> ([TaskExperiment], MultiTaskComparison?) in
            let evaluators = try shared.description.tasks.map { try TaskEvaluator(zoo: zoo, task: $0) }
            let contexts = try configuration.tasks.map {
                try TaskContext(task: $0, zoo: zoo, generator: shared, evaluators: evaluators, configuration: configuration,
                                recipeTrainings: recipeTrainings, log: log)
            }
            let studies = try contexts.map { try TaskStudy.run($0, reportFolder: report) }
            let tasks = studies.map(\.experiment)
            let multiTask = contexts.count > 1
                ? try MultiTaskStudy.measure(contexts: contexts, shared: studies.map(\.oneStep),
                                             sharedDice: tasks.map(\.generatedUnseen.values), perTaskGenerators: perTask)
                : nil
            return (tasks, multiTask)
        }
        let learnedOptimizer = try stage("learned optimiser") { () -> LearnedOptimizerExperiment in
            try optimizer.setDirection(configuration.learnedOptimizerDirection)
            let evaluation = try optimizer.evaluate(on: zoo, seeds: configuration.seeds, alignmentStarts: configuration.alignmentStarts,
                                                    fidelityStarts: min(Self.learnedOptimizerFidelityStarts, configuration.seeds),
                                                    recipeTrainings: recipeTrainings, progress: { detail("learned optimiser: " + $0) })
            for task in evaluation.tasks { log("learned optimiser: " + (task.audit?.conclusion ?? task.task)) }
            let d = optimizer.description
            return LearnedOptimizerExperiment(examples: d.examples, trainingSteps: d.step, maximumCalls: d.configuration.maximumCalls,
                                              history: d.configuration.history, direction: optimizer.direction,
                                              learningRates: d.learningRates, trainingSeconds: d.seconds, evaluation: evaluation)
        }
        let setup = ExperimentSetup(
            command: command, date: ISO8601DateFormatter().string(from: Date()), dataset: data.path, tasks: configuration.tasks,
            preset: configuration.preset.rawValue, zooRuns: configuration.runsPerTask, checkpointsPerRun: configuration.checkpointsPerRun,
            generatorConfiguration: describe(generatorConfiguration), generatorSteps: generatorConfiguration.schedule.trainingSteps,
            seeds: configuration.seeds, testCases: configuration.testCases)
        var results = ExperimentResults(setup: setup, stages: stages, tasks: tasks, multiTask: multiTask, learnedOptimizer: learnedOptimizer,
                                        conclusions: [])
        results.conclusions = Conclusions.state(results)
        try ReportWriter.write(results, to: report)
        log("report: \(report.appendingPathComponent("index.html").path)")
        return results
    }

    /// The dataset folder: the one given, or the phantom written into OUT/data (kept when already there).
    func prepareData() throws -> URL {
        if let dataset {
            guard FileManager.default.fileExists(atPath: dataset.path) else {
                throw ExperimentError.missingInput("the dataset folder \(dataset.path) does not exist")
            }
            return dataset
        }
        let data = folder.appendingPathComponent("data")
        let tasks = try configuration.tasks.map { name -> PhantomTask in
            guard let task = PhantomTask(rawValue: name) else {
                throw ExperimentError.invalidConfiguration("the phantom has no task \(name); it has cord, canal and lesion")
            }
            return task
        }
        let complete = tasks.allSatisfy { task in
            FileManager.default.fileExists(atPath: data.appendingPathComponent("\(task.datasetName)/dataset.json").path)
        }
        if complete {
            log("data: keeping the phantom in \(data.path)")
            return data
        }
        let phantom = try SpinalCordPhantom(configuration: PhantomConfiguration(seed: configuration.phantomSeed))
        _ = try PhantomDatasetWriter.write(phantom, caseCount: configuration.phantomCases, to: data, tasks: tasks)
        log("data: wrote the phantom (\(configuration.phantomCases) cases, seed \(configuration.phantomSeed)) to \(data.path)")
        return data
    }

    /// The zoo this configuration asks for over the dataset `data`: keeping each checkpoint's
    /// optimiser state where the learned optimiser reads a gradient history (distilled from it).
    func zooPlan(_ data: URL) -> ZooPlan {
        var distribution = HyperparameterDistribution.standard
        distribution.iterations = configuration.runIterations
        return ZooPlan(datasetPath: data.standardizedFileURL.path, tasks: configuration.tasks, network: .preset(configuration.preset, spatialRank: 2),
                       runsPerTask: configuration.runsPerTask, checkpointsPerRun: configuration.checkpointsPerRun,
                       distribution: distribution, seed: configuration.zooSeed, validationCases: configuration.validationCases,
                       testCases: configuration.testCases,
                       checkpointContent: configuration.learnedOptimizer.history == .none ? .parameters : .parametersAndOptimizerState)
    }

    /// Refuses, before anything trains, a plan whose runs leave the learned optimiser fewer than
    /// two runs of a task to learn from: its audit, the last stage, would fail on that task.
    func requireRunsForTheLearnedOptimizer(_ plan: ZooPlan) throws {
        let optimizer = configuration.learnedOptimizer
        let counts = LearnedOptimizerTrainer.plannedRunsToDistil(plan, configuration: optimizer)
        let short = plan.tasks.filter { counts[$0, default: 0] < 2 }
        guard short.isEmpty else {
            let detail = short.map { "\($0) \(counts[$0, default: 0])" }.joined(separator: ", ")
            throw ExperimentError.invalidConfiguration(
                "the learned optimiser learns from \(optimizer.optimizer) runs outside the 2 held out and its audit needs two per task; "
                    + "this plan (\(plan.runsPerTask) runs per task, zoo seed \(plan.seed)) draws \(detail): pass more --runs or another --zoo-seed")
        }
    }

    /// OUT/zoo, created with this configuration's plan or resumed.
    func buildZoo(_ data: URL) throws -> Zoo {
        let plan = zooPlan(data)
        try requireRunsForTheLearnedOptimizer(plan)
        let location = folder.appendingPathComponent("zoo")
        let zoo = FileManager.default.fileExists(atPath: location.appendingPathComponent("zoo.sqlite").path)
            ? try Zoo.open(location) : try Zoo.create(at: location, plan: plan)
        guard zoo.plan == plan else {
            throw ExperimentError.invalidConfiguration("\(location.path) holds a zoo of another plan; choose another --out")
        }
        let summary = try ZooBuilder(zoo: zoo).build { p in
            detail(String(format: "zoo: runs %d/%d (%d failed), ETA %.0f s", p.runsRecorded, p.runsPlanned, p.runsFailed, p.secondsRemaining))
        }
        log(String(format: "zoo: trained %d runs (%d failed), %d checkpoints in %.0f s", summary.runsTrained, summary.runsFailed,
                   summary.checkpointsSaved, summary.seconds))
        return zoo
    }

    /// A generator over `tasks` in `folder`, trained (or its training resumed) to the configured steps.
    func trainGenerator(_ zoo: Zoo, tasks: [String], folder: URL, configuration: GeneratorConfiguration) throws -> WeightGenerator {
        let trainer = try GeneratorTrainer(zoo: zoo, folder: folder, configuration: configuration, tasks: tasks)
        trainer.logInterval = max(configuration.schedule.trainingSteps / 10, 1)
        try trainer.train(progress: { p in
            detail(String(format: "generator %@: step %d/%d loss %.4f, ETA %.0f s%@", tasks.joined(separator: ","), p.step, p.steps, p.loss,
                          p.secondsRemaining, p.heldOutAchieved.map { String(format: ", held-out Dice %.3f", $0) } ?? ""))
        })
        return try WeightGenerator(folder: folder)
    }

    /// Unseen starts the learned optimiser's audit trains with the zoo's recipe (start fidelity, time to target), as `learned-optimizer evaluate` does by default.
    static let learnedOptimizerFidelityStarts = 4

    /// OUT/learned-optimizer: kept when it holds an optimiser of this size's configuration,
    /// otherwise distilled from the zoo's runs (the learned optimiser's own training does not resume).
    func trainLearnedOptimizer(_ zoo: Zoo, folder: URL) throws -> LearnedOptimizer {
        let wanted = configuration.learnedOptimizer
        if LearnedOptimizer.isSaved(in: folder) {
            let kept = try LearnedOptimizer(folder: folder)
            guard kept.description.configuration == wanted, kept.description.tasks == configuration.tasks else {
                throw ExperimentError.invalidConfiguration("\(folder.path) holds a learned optimiser of another configuration; choose another --out")
            }
            detail("learned optimiser: keeping \(folder.path)")
            return kept
        }
        let trainer = try LearnedOptimizerTrainer(zoo: zoo, folder: folder, configuration: wanted, tasks: configuration.tasks,
                                                  progress: { detail("learned optimiser: " + $0) })
        return try trainer.train(progress: { p in
            if p.step == p.steps { detail(String(format: "learned optimiser: step %d/%d, relative loss %.4f", p.step, p.steps, p.loss)) }
        }, log: { detail("learned optimiser: " + $0) })
    }

    func describe(_ c: GeneratorConfiguration) -> String {
        "width \(c.architecture.width), depth \(c.architecture.depth), \(c.architecture.heads) heads, chunk \(c.architecture.chunkSize), "
            + "batch \(c.schedule.batchSize), lr \(c.schedule.learningRate), "
            + c.optionSummary.joined(separator: ", ")
    }
}

/// What one job of the generators stage trained.
private enum TrainedModel {
    case generator(WeightGenerator)
    case optimizer(LearnedOptimizer)

    var generator: WeightGenerator? {
        if case let .generator(generator) = self { return generator }
        return nil
    }

    var optimizer: LearnedOptimizer? {
        if case let .optimizer(optimizer) = self { return optimizer }
        return nil
    }
}
