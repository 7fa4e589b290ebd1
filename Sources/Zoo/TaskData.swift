import Foundation
import Formats
import Segmentation

/// A task's cases loaded once per build and shared by every run: training cases for the
/// trainer, and the evaluator over the plan's fixed training-loss, validation and test cases.
struct TaskData {
    let taskID: Int64
    let classes: Int
    let channels: Int
    let training: [SegmentationCase]
    let evaluator: CheckpointEvaluator

    init(zoo: Zoo, task: String) throws {
        let (taskID, folder) = try zoo.task(named: task)
        let dataset = try NNUNetRawDataset.open(folder)
        classes = dataset.description.labels.count
        let roles = try ["training", "validation", "test"].map { Set(try zoo.cases(task: task, role: $0)) }
        let loaded = try dataset.trainingCases.filter { item in roles.contains { $0.contains(item.identifier) } }.map {
            try SegmentationCase.load($0, classes: dataset.description.labels.count, reorient: true, allowEmptyLabel: true)
        }
        guard let first = loaded.first else { throw ZooError.incompatible("task \(task) has no cases in \(folder.path)") }
        self.taskID = taskID
        channels = first.channels
        training = loaded.filter { roles[0].contains($0.identifier) }
        evaluator = CheckpointEvaluator(training: Array(training.prefix(zoo.plan.trainingLossCases)),
                                        validation: loaded.filter { roles[1].contains($0.identifier) },
                                        test: loaded.filter { roles[2].contains($0.identifier) },
                                        patchSize: zoo.plan.patchSize)
    }

    /// The plan's preset for the first task's channels and classes, read from its dataset description.
    static func planArchitecture(of zoo: Zoo) throws -> PlainConvUNetConfiguration {
        let folder = try zoo.task(named: zoo.plan.tasks[0]).datasetFolder
        let dataset = try NNUNetRawDataset.open(folder)
        return zoo.plan.preset.configuration(spatialRank: zoo.plan.spatialRank, inputChannels: dataset.description.channelNames.count,
                                             numClasses: dataset.description.labels.count)
    }

    /// The plan's preset for this task's channels and classes.
    func architecture(preset: UNetPreset, spatialRank: Int) throws -> PlainConvUNetConfiguration {
        preset.configuration(spatialRank: spatialRank, inputChannels: channels, numClasses: classes)
    }
}
