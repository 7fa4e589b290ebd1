import Foundation

/// The experiment's answers in plain sentences, derived from the numbers alone: a method
/// "beats" another only when their 95% confidence intervals do not overlap.
enum Conclusions {
    static func state(_ results: ExperimentResults) -> [String] {
        var lines: [String] = []
        for task in results.tasks {
            let generated = task.generatedUnseen
            lines.append(String(format: "%@: one-step generation from unseen initialisations reaches test Dice %@ (%.2f× the best zoo "
                                    + "checkpoint's %.3f); from the zoo's own initialisations %@; the initialisations score %@.",
                                task.task, format(generated), generated.mean / max(task.bestCheckpointTestDice, 1e-9),
                                task.bestCheckpointTestDice, format(task.generatedSeen), format(task.initialisation)))
            let others = task.baselines.filter { $0.method != "generated (one step)" }
            let beaten = others.filter { generated.lower > $0.dice.upper }.map(\.method)
            let beating = others.filter { generated.upper < $0.dice.lower }.map(\.method)
            lines.append("\(task.task): generated networks beat " + list(beaten) + "; they are beaten by " + list(beating) + ".")
            if let top = task.beyondBest.max(by: { $0.dice.mean < $1.dice.mean }) {
                let verdict = top.dice.lower > task.bestCheckpointTestDice
                    ? "beats the best checkpoint (%.3f): its whole 95%% interval lies above it"
                    : "does not beat the best checkpoint (%.3f)"
                lines.append(String(format: "%@: beyond the best, the strongest method is %@ at %@, which " + verdict + ".",
                                    task.task, top.method, format(top.dice), task.bestCheckpointTestDice))
            }
            let curve = task.trainingCurve
            if let iterations = curve.iterationsToMatchGenerated, let ratio = curve.wallTimeRatio {
                lines.append(String(format: "%@: training the same initialisations with the zoo's recipe matches one-step generation "
                                        + "after %d iterations, %.1f× the wall time of one generation.", task.task, iterations, ratio))
            } else if let first = curve.dice.first, first.mean >= curve.generatedDice {
                lines.append("\(task.task): one-step generation is no better than the untrained initialisation, so training needs no iterations to match it.")
            } else {
                lines.append("\(task.task): training the same initialisations for \(curve.iterations.last ?? 0) iterations never reaches one-step generation's Dice.")
            }
            lines.append(String(format: "%@: prompt alignment R² on unseen initialisations %@ (1 = achieved Dice follows the prompt).",
                                task.task, format(task.alignment.r2)))
            lines.append(String(format: "%@: generated networks lie %@ (aligned RMS, per-tensor std units) from their nearest zoo checkpoint, "
                                    + "against %@ between zoo runs; their errors overlap the nearest checkpoint's with Dice %@.",
                                task.task, format(task.novelty.generatedToZoo), format(task.novelty.zooToZoo), format(task.novelty.errorOverlap)))
        }
        for row in results.multiTask?.rows ?? [] {
            let verdict = row.shared.lower > row.perTask.upper ? "better than" : row.shared.upper < row.perTask.lower ? "worse than" : "indistinguishable from"
            lines.append("\(row.task): one generator for all tasks (\(format(row.shared))) is \(verdict) a generator for \(row.task) alone (\(format(row.perTask))).")
        }
        return lines
    }

    static func format(_ estimate: Estimate) -> String {
        estimate.values.count < 2 ? String(format: "%.3f", estimate.mean)
            : String(format: "%.3f [%.3f, %.3f]", estimate.mean, estimate.lower, estimate.upper)
    }

    static func list(_ items: [String]) -> String {
        items.isEmpty ? "none of the baselines" : items.joined(separator: ", ")
    }
}
