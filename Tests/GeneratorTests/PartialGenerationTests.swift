import Formats
import Foundation
import Generator
import NeuralNetwork
import Segmentation
import XCTest
@testable import Zoo

/// A partial zoo (a base U-Net with only its head trained, on cached head inputs) records
/// only the subset, every checkpoint is the base outside it, and a generator of that zoo
/// generates the subset and merges it into the base.
final class PartialGenerationTests: XCTestCase {
    let head = try! ParameterSubset(parsing: "decoder.stages.1.*,decoder.seg_layers.1.*")

    /// A phantom, a base (a briefly trained tiny U-Net saved as a weightgen checkpoint) and a partial zoo on it.
    func makePartialZoo(runs: PartialNetwork.Runs) throws -> (zoo: Zoo, base: URL) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("partial-\(UUID().uuidString)")
        addTeardownBlock { try? FileManager.default.removeItem(at: root) }
        let dataset = root.appendingPathComponent("data"), baseFolder = root.appendingPathComponent("base")
        let phantom = try SpinalCordPhantom(configuration: PhantomConfiguration(seed: 3, size: 32))
        _ = try PhantomDatasetWriter.write(phantom, caseCount: 20, to: dataset, tasks: [.cord, .canal])
        let base = try PlainConvUNet(UNetPreset.tiny.configuration(spatialRank: 2), seed: 77)
        try UNetCheckpoint.write(base, description: UNetCheckpointDescription(architecture: base.configuration, patchSize: [1, 32, 32],
                                                                              task: "cord", iteration: 0), to: baseFolder)
        var distribution = HyperparameterDistribution.standard
        distribution.iterations = [10]
        distribution.batchSizes = [4]
        let partial = try PartialNetwork(base: baseFolder, subset: head, runs: runs)
        let plan = ZooPlan(datasetPath: dataset.path, tasks: ["cord", "canal"], network: .partial(partial), patchSize: [1, 32, 32],
                           runsPerTask: 3, checkpointsPerRun: 3, distribution: distribution, validationCases: 4, testCases: 4,
                           trainingLossCases: 4)
        let zoo = try Zoo.create(at: root.appendingPathComponent("zoo"), plan: plan)
        _ = try ZooBuilder(zoo: zoo, workers: 2).build()
        return (zoo, baseFolder)
    }

    func testPartialZooRecordsTheSubsetAndKeepsTheBaseFrozen() throws {
        for runs in [PartialNetwork.Runs.onCachedHeadInputs(patches: 24), .throughFrozenNetwork] {
            let (zoo, baseFolder) = try makePartialZoo(runs: runs)
            let base = try BaseNetwork.load(baseFolder)
            let (_, layout) = try zoo.architecture(try zoo.planArchitectureID())
            XCTAssertEqual(layout.entries.map(\.name), try head.select(from: base.network.namedParameters().map(\.name)))
            XCTAssertEqual(try Zoo.open(zoo.folder).plan, zoo.plan, "the partial plan is stored and read back")
            let done = try zoo.runs(status: .done)
            XCTAssertEqual(done.count, 6, "\(runs)")
            for run in done {
                let stored = try zoo.parameters(of: run)
                XCTAssertEqual(stored[0].values.count, layout.parameterCount)
                XCTAssertNotEqual(stored.first!.values, stored.last!.values, "the head trains")
                let (network, _) = try zoo.network(of: run)
                XCTAssertNoThrow(try base.checkFrozenPart(of: network, subset: head, source: "run \(run.runIndex)"))
            }
        }
    }

    /// A head zoo's evaluator runs only the head on cached frozen-part outputs; its metrics
    /// equal those through the whole network.
    func testCachedEvaluationMeasuresWhatTheWholeNetworkDoes() throws {
        let (zoo, _) = try makePartialZoo(runs: .onCachedHeadInputs(patches: 24))
        let data = try TaskData(zoo: zoo, task: "cord")
        XCTAssertNotNil(data.evaluator.headInputs)
        let (network, _) = try zoo.network(of: try zoo.runs(task: "cord", status: .done)[0])
        let first = try data.evaluator.evaluate(network), again = try data.evaluator.evaluate(network)
        XCTAssertEqual(first, again)
        try network.freeze(allBut: try ParameterSubset(parsing: "*"))
        let whole = try data.evaluator.evaluate(network)
        for (cached, plain) in [(first.trainLoss, whole.trainLoss), (first.validationLoss, whole.validationLoss),
                                (first.validationDice, whole.validationDice), (first.testDice, whole.testDice)] {
            XCTAssertEqual(cached, plain, accuracy: 1e-5 * max(1, abs(plain)))
        }
    }

    /// What the audit retrains and a learned optimiser reads in a head zoo are its runs' own:
    /// the recipe retrained from a run's start with its seed gives its checkpoints (on the run's
    /// head input pool; up to float rounding), and a patch gradient reads that pool, fixed by its seed.
    func testAHeadZoosRecipeAndPatchGradientsAreItsRunsOwn() throws {
        let (zoo, _) = try makePartialZoo(runs: .onCachedHeadInputs(patches: 24))
        let evaluator = try TaskEvaluator(zoo: zoo, task: "cord")
        let run = try zoo.runs(task: "cord", status: .done)[0]
        let stored = try zoo.parameters(of: run)
        let assembly = try NetworkAssembly(architecture: try TaskData.planArchitecture(of: zoo), partial: zoo.plan.partial)
        var retrained: [Int: [Float]] = [:]
        try evaluator.train(try assembly.initialNetwork(seed: UInt64(bitPattern: run.seed)), hyperparameters: run.hyperparameters, patchSize: zoo.plan.patchSize,
                            seed: UInt64(bitPattern: run.seed), snapshotIterations: Set(stored.map(\.record.iteration))) {
            retrained[$0.iteration] = try assembly.layout.flatten($0.network)
        }
        // The same run up to float rounding: the build's workers and this thread split the convolutions differently.
        for checkpoint in stored {
            let again = try XCTUnwrap(retrained[checkpoint.record.iteration])
            let difference = zip(again, checkpoint.values).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
            let scale = checkpoint.values.map { $0 * $0 }.reduce(0, +).squareRoot()
            XCTAssertLessThan(difference, 1e-5 * scale, "iteration \(checkpoint.record.iteration)")
        }
        let network = try assembly.network(stored[0].values)
        func gradient(seed: UInt64) throws -> [Float] {
            try evaluator.patchLossGradient(network, layout: assembly.layout, patchSize: zoo.plan.patchSize, patches: 4, seed: seed)
        }
        let first = try gradient(seed: 5)
        XCTAssertEqual(first.count, assembly.layout.parameterCount)
        XCTAssertEqual(try gradient(seed: 5), first)
        XCTAssertNotEqual(try gradient(seed: 6), first, "another seed draws other patches of the pool")
        XCTAssertGreaterThan(first.map { $0 * $0 }.reduce(0, +), 0)
    }

    /// A head zoo's recipe batches are the pool rows its run draws, in the order the run fixes.
    func testAHeadZoosRecipeBatchesAreItsRunsPoolRows() throws {
        let (zoo, _) = try makePartialZoo(runs: .onCachedHeadInputs(patches: 24))
        let evaluator = try TaskEvaluator(zoo: zoo, task: "cord")
        let run = try zoo.runs(task: "cord", status: .done)[0]
        let pool = try XCTUnwrap(try TaskData(zoo: zoo, task: "cord").headInputPool).pool()
        let order = HeadRunConfiguration(iterations: run.iterations, batchSize: run.batchSize, seed: UInt64(bitPattern: run.seed))
            .batchOrder(poolCount: pool.count)
        let batches = try evaluator.recipeBatches(hyperparameters: run.hyperparameters, patchSize: zoo.plan.patchSize,
                                                  seed: UInt64(bitPattern: run.seed), spatialRank: 2)
        for iterations in [1..<3, 3..<4] {
            guard case let .headInputs(inputs, labels) = try batches.batch(iterations: iterations) else { return XCTFail("a head zoo reads its pool") }
            let expected = try pool.batch(iterations.flatMap { order[$0] })
            XCTAssertEqual(inputs.scalars, expected.inputs.scalars, "\(iterations)")
            XCTAssertEqual(labels.scalars, expected.labels.scalars, "\(iterations)")
        }
    }

    /// A network the assembly lends again holds what a fresh one of the same values holds, the
    /// frozen part and which parameters train included, after another vector and a gradient
    /// went through it; and a prompt metric measured alone equals the one read from all the
    /// selection metrics. Both make path networks and audits cheap, so neither may change a value.
    func testALentNetworkIsAFreshOneAndAPromptMetricAloneIsTheSame() throws {
        let (zoo, _) = try makePartialZoo(runs: .onCachedHeadInputs(patches: 24))
        let evaluator = try TaskEvaluator(zoo: zoo, task: "cord")
        let assembly = try NetworkAssembly(architecture: try TaskData.planArchitecture(of: zoo), partial: zoo.plan.partial)
        let stored = try zoo.parameters(of: try zoo.runs(task: "cord", status: .done)[0])
        let (first, last) = (stored.first!.values, stored.last!.values)
        let lentFirst = try assembly.withNetwork(first) { network -> ObjectIdentifier in
            _ = try evaluator.patchLossGradient(network, layout: assembly.layout, patchSize: zoo.plan.patchSize, patches: 4, seed: 1)
            return ObjectIdentifier(network)
        }
        try assembly.withNetwork(last) { lent in
            XCTAssertEqual(ObjectIdentifier(lent), lentFirst, "the network made for the first vector is lent again")
            let fresh = try assembly.network(last)
            let (lentState, freshState) = (lent.stateDict(), fresh.stateDict())
            XCTAssertEqual(Set(lentState.keys), Set(freshState.keys))
            for (name, tensor) in freshState {
                XCTAssertEqual(lentState[name]?.scalars, tensor.scalars, name)
                XCTAssertEqual(lentState[name]?.requiresGrad, tensor.requiresGrad, name)
                XCTAssertNil(lentState[name]?.grad, "\(name): no gradient is left from the earlier lending")
            }
            for metric in PromptMetric.allCases {
                XCTAssertEqual(try metric.measure(lent, on: evaluator), metric.value(of: try evaluator.selectionMetrics(fresh)), "\(metric)")
            }
            // A vector of another length is refused and leaves the network as it was.
            XCTAssertThrowsError(try assembly.setParameters(of: lent, to: Array(first.dropLast()))) {
                XCTAssertTrue(String(describing: $0).contains("\(first.count - 1) values"), "\($0)")
            }
            XCTAssertEqual(try assembly.layout.flatten(lent), last)
        }
        // A network without the layout's tensors is named at the first entry it lacks.
        var other = try TaskData.planArchitecture(of: zoo)
        other.featuresPerStage = other.featuresPerStage.map { $0 * 2 }
        XCTAssertThrowsError(try assembly.layout.tensors(of: try PlainConvUNet(other, seed: 0))) {
            XCTAssertTrue(String(describing: $0).contains(assembly.layout.entries[0].name), "\($0)")
        }
    }

    func testAChangedBaseIsRefused() throws {
        let (zoo, baseFolder) = try makePartialZoo(runs: .onCachedHeadInputs(patches: 24))
        let changed = try PlainConvUNet(UNetPreset.tiny.configuration(spatialRank: 2), seed: 78)
        try UNetCheckpoint.write(changed, description: UNetCheckpointDescription(architecture: changed.configuration, patchSize: [1, 32, 32],
                                                                                 task: "cord", iteration: 0), to: baseFolder)
        XCTAssertThrowsError(try Zoo.open(zoo.folder).assembly(try zoo.planArchitectureID())) { error in
            XCTAssertTrue("\(error)".contains("changed"), "\(error)")
        }
    }

    /// The generator tokenises the subset only, and what it generates, merged into the base,
    /// equals the base outside the subset.
    func testGeneratedSubsetMergedIntoTheBaseEqualsTheBaseOutsideIt() throws {
        let (zoo, baseFolder) = try makePartialZoo(runs: .onCachedHeadInputs(patches: 24))
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("partial-gen-\(UUID().uuidString)")
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        let configuration = GeneratorConfiguration(architecture: GeneratorArchitecture(chunkSize: 32, width: 32, depth: 1, heads: 2, frequencies: 8),
                                                   schedule: GeneratorSchedule(trainingSteps: 6, batchSize: 4, learningRate: 3e-3, warmupSteps: 2))
        let trainer = try GeneratorTrainer(zoo: zoo, folder: folder, configuration: configuration, heldOutRunsPerTask: 1)
        _ = try trainer.train()
        let generator = try WeightGenerator(folder: folder)
        let base = try BaseNetwork.load(baseFolder)
        let subsetCount = try head.parameters(of: base.network).reduce(0) { $0 + $1.tensor.count }
        XCTAssertEqual(generator.description.normalizer.layout.parameterCount, subsetCount)
        XCTAssertEqual(generator.description.partial?.subset, head)

        let layout = generator.description.normalizer.layout
        let start = try layout.flatten(try PlainConvUNet(base.network.configuration, seed: 4242))
        let output = try generator.generate(starts: [start], tasks: [0], startMetrics: [0.05], targetMetrics: [0.9],
                                            sampler: .ddim(steps: 3), seed: 1)[0]
        let merged = try generator.network(from: output)
        XCTAssertNoThrow(try base.checkFrozenPart(of: merged, subset: head, source: "generated"))
        XCTAssertEqual(try layout.flatten(merged), output, "the subset is the generated values")
        let stranger = try PlainConvUNet(base.network.configuration, seed: 5)
        XCTAssertThrowsError(try generator.assembly.checkFits(stranger, source: "a network of another base")) { error in
            XCTAssertTrue("\(error)".contains("encoder.stages.0.0.convs.0.conv.weight"), "\(error)")
        }
    }

    /// A 3D base, as an nnU-Net `3d_fullres` model folder or a weightgen checkpoint, takes the
    /// same path: its head is trained on 3D patches (on cached head inputs and through the
    /// frozen network), the rest stays the base's, and checkpoints are measured by 3D sliding windows.
    func testA3DBaseMakesAPartialZoo() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("partial3d-\(UUID().uuidString)")
        addTeardownBlock { try? FileManager.default.removeItem(at: root) }
        let dataset = root.appendingPathComponent("data")
        let nnunetBase = root.appendingPathComponent("nnunet-base"), weightgenBase = root.appendingPathComponent("weightgen-base")
        try Self.writeTubeDataset(cases: 10, depth: 8, to: dataset)
        let base = try PlainConvUNet(UNetPreset.tiny.configuration(spatialRank: 3), seed: 31)
        try NNUNetExport.write(base, patchSize: [8, 16, 16], spacing: [3, 0.8, 0.8], labels: ["background", "cord"], to: nnunetBase)
        try UNetCheckpoint.write(base, description: UNetCheckpointDescription(architecture: base.configuration, patchSize: [8, 16, 16],
                                                                              task: "cord", iteration: 0), to: weightgenBase)
        var distribution = HyperparameterDistribution.standard
        distribution.iterations = [6]
        distribution.batchSizes = [2]
        for (baseFolder, runs) in [(nnunetBase, PartialNetwork.Runs.onCachedHeadInputs(patches: 8)), (weightgenBase, .throughFrozenNetwork)] {
            XCTAssertEqual(try BaseNetwork.load(baseFolder).patchSize, [8, 16, 16])
            let partial = try PartialNetwork(base: baseFolder, subset: head, runs: runs)
            let plan = ZooPlan(datasetPath: dataset.path, tasks: ["cord"], network: .partial(partial), patchSize: [8, 16, 16],
                               runsPerTask: 2, checkpointsPerRun: 2, distribution: distribution, validationCases: 2, testCases: 2,
                               trainingLossCases: 2)
            let zoo = try Zoo.create(at: root.appendingPathComponent("zoo-\(UUID().uuidString)"), plan: plan)
            _ = try ZooBuilder(zoo: zoo, workers: 2).build()
            let done = try zoo.runs(status: .done), failed = try zoo.runs(status: .failed)
            XCTAssertEqual(done.count, 2, "\(runs): \(failed.map { $0.failure ?? "" })")
            let loaded = try BaseNetwork.load(baseFolder)
            let cases = try TaskData(zoo: zoo, task: "cord").training
            if let spacing = loaded.spacing {
                XCTAssertEqual(Set(cases.map(\.spacing)), [spacing], "cases are resampled to an nnU-Net base's spacing")
            } else {
                XCTAssertGreaterThan(Set(cases.map(\.spacing)).count, 1, "without a base spacing every case keeps its own")
            }
            for run in done {
                let stored = try zoo.parameters(of: run)
                XCTAssertNotEqual(stored.first!.values, stored.last!.values, "the head trains (\(runs))")
                let (network, checkpoint) = try zoo.network(of: run)
                XCTAssertEqual(network.configuration.spatialRank, 3)
                XCTAssertNoThrow(try loaded.checkFrozenPart(of: network, subset: head, source: "run \(run.runIndex)"))
                XCTAssertTrue(checkpoint.validationDice.isFinite && checkpoint.testDice.isFinite, "\(checkpoint)")
            }
        }
    }

    /// `zoo import` into a partial zoo takes a model made on the base (storing its subset, with
    /// metrics measured on the zoo's cases) and refuses, before writing anything, a model whose
    /// frozen part differs, naming the file and the parameter.
    func testImportIntoAPartialZooTakesOnlyModelsMadeOnItsBase() throws {
        let (zoo, baseFolder) = try makePartialZoo(runs: .onCachedHeadInputs(patches: 24))
        let base = try BaseNetwork.load(baseFolder)
        let root = zoo.folder.deletingLastPathComponent()
        let id = try zoo.planArchitectureID()
        let madeOnBase = try zoo.assembly(id).initialNetwork(seed: 123)
        let onBase = root.appendingPathComponent("on-base"), stranger = root.appendingPathComponent("stranger")
        let description = UNetCheckpointDescription(architecture: base.network.configuration, patchSize: [1, 32, 32], task: "cord", iteration: 40)
        try UNetCheckpoint.write(madeOnBase, description: description, to: onBase)
        try UNetCheckpoint.write(try PlainConvUNet(base.network.configuration, seed: 5), description: description, to: stranger)

        let before = try zoo.runs(task: "cord").count
        XCTAssertThrowsError(try zoo.importModel(try ImportedModel(stranger, zoo: zoo), task: "cord")) { error in
            XCTAssertTrue("\(error)".contains(stranger.path) && "\(error)".contains("encoder.stages.0"), "\(error)")
        }
        XCTAssertEqual(try zoo.runs(task: "cord").count, before, "a refused model writes nothing")

        let run = try zoo.importModel(try ImportedModel(onBase, zoo: zoo), task: "cord")
        XCTAssertEqual(run.source, .imported)
        XCTAssertEqual(run.architectureId, id, "imports share the zoo's subset layout")
        let stored = try zoo.parameters(of: run)
        XCTAssertEqual(stored.map(\.values), [try zoo.assembly(id).layout.flatten(madeOnBase)])
        let data = try TaskData(zoo: zoo, task: "cord")
        let checkpoint = try zoo.checkpoints(run: run.id!)[0]
        XCTAssertEqual(checkpoint.iteration, 40)
        XCTAssertEqual(checkpoint.validationDice, try data.evaluator.evaluate(madeOnBase).validationDice, accuracy: 1e-6)
    }

    /// nnU-Net-style raw dataset of 3D volumes: each phantom slice stacked `depth` times (a tube).
    static func writeTubeDataset(cases: Int, depth: Int, to folder: URL) throws {
        let phantom = try SpinalCordPhantom(configuration: PhantomConfiguration(seed: 5, size: 32))
        let volumes = try phantom.makeCases(0..<cases).map { item -> NNUNetRawDataset.CaseVolumes in
            func stacked(_ values: [Float]) throws -> NIfTIVolume {
                try NIfTIVolume(dims: [item.width, item.height, depth],
                                affine: .scaling(item.spacing + [PhantomCase.sliceThickness], origin: [0, 0, 0]),
                                values: Array((0..<depth).map { _ in values }.joined()))
            }
            return NNUNetRawDataset.CaseVolumes(identifier: item.identifier, channels: [try stacked(item.image)],
                                                label: try stacked(item.label(.cord).map(Float.init)))
        }
        let description = try NNUNetDatasetDescription(channelNames: ["T2"], labels: ["background", "cord"], trainingCaseCount: cases)
        try NNUNetRawDataset.write(to: folder.appendingPathComponent("Dataset301_TubeCord"), description: description, training: volumes)
    }
}
