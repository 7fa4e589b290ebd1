import ArgumentParser
import Foundation
import Formats
import Segmentation
import Zoo

/// `weightgen zoo export`: one zoo checkpoint as an nnU-Net model folder.
struct ZooExport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write one zoo checkpoint as an nnU-Net v2 model folder with the plans of an nnU-Net model folder.",
        discussion: """
        The plans (preprocessing, spacing, patch) and dataset description come from --plans-from, e.g. the nnU-Net \
        training a recorded run came from, so nnU-Net's predictor and `weightgen predict` run the checkpoint as that \
        training's own model.
        """)

    @Argument(help: "Zoo folder.") var zoo: String
    @Option(help: "Task of the run.") var task: String
    @Option(name: .customLong("run"), help: "Run index within the task (as `zoo import` prints it).") var runIndex: Int
    @Option(help: "Checkpoint iteration (default: the run's last).") var iteration: Int?
    @Option(help: "nnU-Net model folder (plans.json, dataset.json) whose plans the export uses.") var plansFrom: String
    @Option(help: "Output nnU-Net model folder (fold_0/checkpoint_final.pth).") var out: String

    func run() throws {
        let opened = try Zoo.open(URL(fileURLWithPath: zoo))
        guard let record = try opened.runs(task: task).first(where: { $0.runIndex == runIndex }) else {
            throw ValidationError("the zoo has no run \(runIndex) of \(task)")
        }
        let (network, checkpoint) = try opened.network(of: record, iteration: iteration)
        let template = try NNUNetModelFolder.open(URL(fileURLWithPath: plansFrom))
        try NNUNetModelFolder.write(to: URL(fileURLWithPath: out), plans: template.plans, dataset: template.dataset,
                                    checkpoint: try NNUNetExport.checkpoint(network, epoch: checkpoint.iteration))
        log(String(format: "exported %@ run %d iteration %d (validation Dice %.4f) to %@", task, runIndex, checkpoint.iteration,
                   checkpoint.validationDice, out))
    }
}
