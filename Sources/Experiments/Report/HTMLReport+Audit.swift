import Foundation
import Generator

extension HTMLReport {
    /// The memorisation audit of one task: the verdict, the accuracy-vs-novelty plot and the measures with their intervals.
    static func audit(_ audit: MemorisationAudit) -> String {
        func cells(_ label: String, _ unseen: Estimate?, _ seen: Estimate?) -> [HTML.Cell] {
            [HTML.Cell.text(label), .number(unseen.map(Markup.interval) ?? "—"), .number(seen.map(Markup.interval) ?? "—")]
        }
        let rows = [
            cells("Test Dice", audit.unseen.dice, audit.seen.dice),
            cells("Novelty (1 = as new as another training run, 0 = a copy)", audit.unseen.novelty, audit.seen.novelty),
            cells("Largest error overlap with a learned network (zoo finals among themselves: \(Markup.interval(audit.zooBehaviouralOverlap)))",
                  audit.unseen.behaviouralOverlap, audit.seen.behaviouralOverlap),
            cells("Start dependence (0 = the start is ignored)", audit.unseen.startDependence, audit.seen.startDependence),
            cells("Start fidelity (a): to its trained network ÷ start's (1 = the start itself)",
                  audit.unseen.fidelityToStart, audit.seen.fidelityToStart),
            cells("Start fidelity (b): to its trained network ÷ to the nearest other (< 1 = nearer its own)",
                  audit.unseen.fidelityAgainstOthers, audit.seen.fidelityAgainstOthers),
        ] + (audit.unseen.retrainedFidelityToStart == nil ? [] : [
            cells("Start fidelity (a) of the recipe itself on another data order (what training scores)",
                  audit.unseen.retrainedFidelityToStart, audit.seen.retrainedFidelityToStart),
            cells("Start fidelity (b) of the recipe itself on another data order",
                  audit.unseen.retrainedFidelityAgainstOthers, audit.seen.retrainedFidelityAgainstOthers),
        ]) + (audit.unseen.earlyStoppedFidelityToStart == nil ? [] : [
            cells("Start fidelity (a) of the recipe stopped at its best validation Dice (what an answer at the best validation network scores)",
                  audit.unseen.earlyStoppedFidelityToStart, audit.seen.earlyStoppedFidelityToStart),
            cells("Start fidelity (b) of the recipe stopped at its best validation Dice",
                  audit.unseen.earlyStoppedFidelityAgainstOthers, audit.seen.earlyStoppedFidelityAgainstOthers),
        ]) + (audit.unseen.fidelityToRecipeAnswer == nil ? [] : [
            cells("Start fidelity (a) against the recipe's own answer to the prompt (its first network reaching it, else its best by validation; 0 = that answer)",
                  audit.unseen.fidelityToRecipeAnswer, audit.seen.fidelityToRecipeAnswer),
            cells("Start fidelity (b) against the recipe's own answers",
                  audit.unseen.fidelityAgainstOtherRecipeAnswers, audit.seen.fidelityAgainstOtherRecipeAnswers),
        ]) + (audit.unseen.recipeAnswerDice == nil ? [] : [
            cells("Test Dice of the recipe's own answers from the same starts\(audit.recipeAnswerPosition.map { " (\($0.rawValue) the frontier)" } ?? "")",
                  audit.unseen.recipeAnswerDice, audit.seen.recipeAnswerDice),
            cells("Novelty of the recipe's own answers", audit.unseen.recipeAnswerNovelty, audit.seen.recipeAnswerNovelty),
            cells("Test Dice minus the recipe's answer's, start by start (0 = as good as training from that start)",
                  audit.unseen.diceOverRecipeAnswer, audit.seen.diceOverRecipeAnswer),
        ])
        return "<h3>Memorisation audit</h3>\n"
            + HTML.paragraph("Conclusion: " + audit.conclusion + ".", className: "conclusion")
            + HTML.paragraph("Distances are aligned by weight matching and measured in per-tensor standard deviations, over every "
                + "network the generator learned from; the zoo's reference distance is \(Markup.fixed(audit.referenceDistance)). "
                + "Error overlaps are on the validation cases; Dice on the test cases. Mean [95% CI].")
            + HTML.table(headers: ["Measure", "Unseen starts", "Seen starts"], numeric: [1, 2], rows: rows)
            + "<div class=\"plots\">\(SVGPlot.accuracyAgainstNovelty(audit, title: "\(audit.task): accuracy against novelty"))</div>\n"
    }
}
