import Foundation
import Generator

/// The memorisation audit of one task as a few lines of text: each measure with its 95% interval, per kind of start.
func printAudit(_ audit: MemorisationAudit) {
    func estimate(_ value: Estimate?) -> String {
        guard let value else { return "—" }
        return String(format: "%.3f [%.3f, %.3f]", value.mean, value.lower, value.upper)
    }
    log(String(format: "%@ audit: reference distance %.3f per-tensor std; zoo finals' error overlap with other runs %@",
               audit.task, audit.referenceDistance, estimate(audit.zooBehaviouralOverlap)))
    for (kind, measures) in [("unseen", audit.unseen), ("seen", audit.seen)] {
        var line = "  \(kind) starts: Dice \(estimate(measures.dice)); novelty \(estimate(measures.novelty)); "
            + "error overlap \(estimate(measures.behaviouralOverlap)); start dependence \(estimate(measures.startDependence)); "
            + "fidelity (a) \(estimate(measures.fidelityToStart)), (b) \(estimate(measures.fidelityAgainstOthers))"
        if measures.retrainedFidelityToStart != nil {
            line += "; the recipe on another data order: fidelity (a) \(estimate(measures.retrainedFidelityToStart)), "
                + "(b) \(estimate(measures.retrainedFidelityAgainstOthers))"
        }
        if measures.earlyStoppedFidelityToStart != nil {
            line += "; the recipe stopped at its best validation Dice: fidelity (a) \(estimate(measures.earlyStoppedFidelityToStart)), "
                + "(b) \(estimate(measures.earlyStoppedFidelityAgainstOthers))"
        }
        if measures.fidelityToRecipeAnswer != nil {
            line += "; against the recipe's own answer to the prompt: fidelity (a) \(estimate(measures.fidelityToRecipeAnswer)), "
                + "(b) \(estimate(measures.fidelityAgainstOtherRecipeAnswers))"
        }
        if let mean = measures.rerunMean {
            line += "; the mean of \(mean.reruns) reruns on other data orders: fidelity (a) \(estimate(mean.fidelityToStart)), "
                + "(b) \(estimate(mean.fidelityAgainstOthers)), Dice \(estimate(mean.dice))"
        }
        if measures.recipeAnswerDice != nil {
            line += "; the recipe's own answers: Dice \(estimate(measures.recipeAnswerDice)), novelty \(estimate(measures.recipeAnswerNovelty)); "
                + "generated minus theirs, start by start: Dice \(estimate(measures.diceOverRecipeAnswer))"
        }
        log(line)
    }
    for point in audit.frontier.points {
        log("  baseline \(point.family.rawValue) \(point.setting): Dice \(estimate(point.dice)); novelty \(estimate(point.novelty))")
    }
    log("  " + audit.conclusion)
}
