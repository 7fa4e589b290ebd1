import ArgumentParser
import Foundation
import Formats
import Segmentation

/// `weightgen evaluate`: Dice and surface distances of a model's predictions on a dataset.
struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate a weightgen checkpoint or nnU-Net model folder on the labelled cases of an nnU-Net raw dataset.")

    @Option(help: "A weightgen checkpoint folder or an nnU-Net model folder.") var model: String
    @Option(help: "nnU-Net raw dataset folder, or a folder of datasets with --task.") var dataset: String
    @Option(help: "Task whose dataset to use when --dataset holds several.") var task: String?
    @Option(help: "Evaluate only these cases: 'all', 'validation' or 'training' (the split saved next to a weightgen checkpoint).")
    var cases = "all"
    @Flag(help: "Average predictions over mirrored inputs.") var mirroring = false
    @Flag(help: "Keep only the largest connected component of each label (nnU-Net's post-processing).")
    var largestComponent = false
    @Flag(help: "Print {\"cases\": [...], \"mean_dice\": ...} as JSON on stdout.") var json = false

    func run() throws {
        let modelURL = URL(fileURLWithPath: model)
        let trained = try TrainedModel.open(modelURL)
        let data = try openTrainingDataset(URL(fileURLWithPath: dataset), task: task)
        let selected = try selectCases(data.trainingCases, split: modelURL.appendingPathComponent("split.json"))
        let labels = data.description.labels.map(\.value).filter { $0 > 0 }.sorted().map { UInt8($0) }
        var evaluations: [CaseEvaluation] = []
        for item in selected {
            let image = try NIfTIReader.read(item.images[0])
            guard let labelURL = item.label else { throw ValidationError("case \(item.identifier) has no label to evaluate against") }
            let reference = try NIfTIReader.read(labelURL)
            guard reference.dims == image.dims else {
                throw ValidationError("case \(item.identifier): label shape \(reference.dims) differs from image shape \(image.dims)")
            }
            let grid = try SegmentationCase(volume: image, identifier: item.identifier)
            let prediction = try trained.predict(image, mirroring: mirroring, largestComponent: largestComponent)
            let evaluation = try CaseEvaluation(identifier: item.identifier, prediction: prediction.values.map { UInt8($0) },
                                                reference: reference.values.map { UInt8(max(0, min(255, $0.rounded()))) },
                                                geometry: GridGeometry(shape: grid.shape, spacing: grid.spacing),
                                                labels: labels)
            log(String(format: "%@  Dice %.4f", item.identifier, evaluation.dice))
            evaluations.append(evaluation)
        }
        let summary = try DatasetEvaluation(cases: evaluations)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(summary), as: UTF8.self))
        } else {
            print(String(format: "%d cases, mean Dice %.4f", evaluations.count, summary.meanDice))
        }
    }

    private func selectCases(_ all: [NNUNetCase], split url: URL) throws -> [NNUNetCase] {
        guard cases != "all" else { return all }
        guard cases == "validation" || cases == "training" else {
            throw ValidationError("--cases must be all, validation or training")
        }
        guard let data = try? Data(contentsOf: url), let split = try? JSONDecoder().decode(DatasetSplit.self, from: data) else {
            throw ValidationError("--cases \(cases) needs \(url.path), written by weightgen train")
        }
        let names = Set(cases == "validation" ? split.validation : split.training)
        return all.filter { names.contains($0.identifier) }
    }
}
