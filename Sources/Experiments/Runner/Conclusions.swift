import Foundation
import Generator

/// The experiment's answers in plain sentences, one per question, derived from the numbers
/// alone: a method "beats" another only when their 95% confidence intervals do not overlap.
/// The learned optimiser, the default generator, comes first, with the audit's verdict on both
/// kinds; then the diffusion generator's one-step networks.
enum Conclusions {
    static func state(_ results: ExperimentResults) -> [String] {
        let tasks = results.tasks
        var lines: [String] = []
        if let optimizer = results.learnedOptimizer {
            lines.append("The learned optimiser (\(optimizer.method); at most \(optimizer.maximumCalls) calls) from unseen "
                + "initialisations: " + optimizer.evaluation.tasks.map { task in
                    String(format: "%@ %@ (median %.2f× the best checkpoint's %.3f)", task.task, format(Estimate(task.unseen)), task.unseenRatio,
                           task.bestCheckpointTestDice)
                }.joined(separator: "; ") + ". Against the diffusion generator's one-step networks from the same starts (95% intervals apart): "
                + optimizer.evaluation.tasks.compactMap { task in
                    tasks.first { $0.task == task.task }.map { compare(optimizer: Estimate(task.unseen), diffusion: $0.generatedUnseen, task: task.task) }
                }.joined(separator: "; ") + ".")
        }
        let audits = tasks.compactMap(\.audit), optimizerAudits = results.learnedOptimizer?.evaluation.tasks.compactMap(\.audit) ?? []
        if !audits.isEmpty || !optimizerAudits.isEmpty {
            let generators = [("the learned optimiser", optimizerAudits), ("the diffusion generator", audits)].filter { !$0.1.isEmpty }
            lines.append("New, the start's own, above the memorisation frontier? (new: novelty ≥ 0.5, where 1 is as new as another training "
                + "run; the start's own: start dependence ≥ 0.5; from unseen starts) "
                + generators.map { name, audits in
                    name.prefix(1).uppercased() + name.dropFirst() + " — " + audits.map(character).joined(separator: "; ")
                }.joined(separator: ". ") + ".")
        }
        lines.append("The diffusion generator's one-step generation from unseen initialisations: " + tasks.map {
            String(format: "%@ %@ (%.2f× the best checkpoint's %.3f)", $0.task, format($0.generatedUnseen),
                   $0.generatedUnseen.mean / max($0.bestCheckpointTestDice, 1e-9), $0.bestCheckpointTestDice)
        }.joined(separator: "; ") + ". From the zoo's own initialisations: "
            + tasks.map { "\($0.task) \(format($0.generatedSeen))" }.joined(separator: "; ")
            + ". The initialisations themselves: " + tasks.map { "\($0.task) \(format($0.initialisation))" }.joined(separator: "; ") + ".")
        lines.append("Against the baselines (95% intervals apart) — " + tasks.map { task in
            let generated = task.generatedUnseen
            let others = task.baselines.filter { $0.method != "generated (one step)" && $0.method != "initialisation" }
            let beaten = others.filter { generated.lower > $0.dice.upper }.map(\.method)
            let beating = others.filter { generated.upper < $0.dice.lower }.map(\.method)
            return "\(task.task): the diffusion generator's networks beat \(list(beaten)) and lose to \(list(beating))"
        }.joined(separator: "; ") + ".")
        lines.append("Beyond the best — do generated networks beat the best checkpoint (whole 95% interval above it)? " + tasks.map { task in
            let generated = task.beyondBest.filter { !$0.method.hasPrefix("best checkpoint") && !$0.method.hasPrefix("top checkpoints (the starts") }
            guard let top = generated.max(by: { $0.dice.mean < $1.dice.mean }) else { return "\(task.task): not measured" }
            let verdict = top.dice.lower > task.bestCheckpointTestDice ? "yes" : "no"
            return String(format: "%@: %@ — the strongest generated row, %@, reaches %@ against %.3f", task.task, verdict, top.method,
                          format(top.dice), task.bestCheckpointTestDice)
        }.joined(separator: "; ") + ". Fine-tuning the best checkpoint itself: " + tasks.compactMap { task in
            task.beyondBest.first { $0.method.hasPrefix("best checkpoint +") }.map { "\(task.task) \(format($0.dice))" }
        }.joined(separator: "; ") + ".")
        lines.append("Training the same initialisations with the zoo's recipe — " + tasks.map { task in
            let curve = task.trainingCurve
            if let iterations = curve.iterationsToMatchGenerated, let ratio = curve.wallTimeRatio {
                return String(format: "%@: matches one-step generation after %d iterations (%.1f× the wall time of one generation)",
                              task.task, iterations, ratio)
            }
            if let first = curve.dice.first, first.mean >= curve.generatedDice {
                return "\(task.task): needs no iterations — generation is no better than the untrained start"
            }
            return "\(task.task): does not reach generation's Dice in \(curve.iterations.last ?? 0) iterations"
        }.joined(separator: "; ") + ".")
        lines.append("Prompt alignment R² on unseen initialisations (1: achieved Dice follows the prompt): "
            + tasks.map { "\($0.task) \(format($0.alignment.r2))" }.joined(separator: "; ") + ".")
        lines.append("Novelty — aligned RMS distance to the nearest zoo checkpoint, generated against zoo runs among themselves: "
            + tasks.map { "\($0.task) \(format($0.novelty.generatedToZoo)) vs \(format($0.novelty.zooToZoo))" }.joined(separator: "; ")
            + "; error overlap with that checkpoint (Dice): "
            + tasks.map { "\($0.task) \(format($0.novelty.errorOverlap))" }.joined(separator: "; ") + ".")
        if let rows = results.multiTask?.rows, !rows.isEmpty {
            lines.append("One generator for all tasks against one per task (same size and steps): " + rows.map { row in
                let verdict = row.shared.lower > row.perTask.upper ? "better"
                    : row.shared.upper < row.perTask.lower ? "worse" : "indistinguishable"
                return "\(row.task) \(verdict) (\(format(row.shared)) vs \(format(row.perTask)))"
            }.joined(separator: "; ") + ".")
        }
        return lines
    }

    /// Whether one generator's networks from unseen starts are new, the start's own and above the
    /// frontier, and how near the network their start trains to (beside how near the same recipe
    /// on other batches comes), in the audit's numbers; their Dice first, since new networks of a
    /// start's own are worth nothing untrained.
    static func character(_ audit: MemorisationAudit) -> String {
        let unseen = audit.unseen
        // Training itself from the same starts is the yardstick for Dice: a start it cannot train pulls both means down.
        let recipe = unseen.recipeAnswerDice.map { "; the recipe's own answers from the same starts \(format($0))" } ?? ""
        let difference = unseen.diceOverRecipeAnswer.map { ", generated minus theirs start by start \(format($0))" } ?? ""
        var parts = [
            "test Dice \(format(unseen.dice))\(recipe)\(difference)",
            "\(unseen.novelty.mean >= 0.5 ? "new" : "not new") (novelty \(format(unseen.novelty)))",
            "\(unseen.startDependence.mean >= 0.5 ? "the start's own" : "not the start's own") (start dependence \(format(unseen.startDependence)))",
        ]
        if let fidelity = unseen.fidelityToStart {
            let nearer = fidelity.upper < 1 ? "nearer the network its start trains to than the start was"
                : "no nearer the network its start trains to than the start was"
            // The recipe rerun on other batches is the yardstick: how near training itself comes to its own network.
            let rerun = unseen.retrainedFidelityToStart.map { "; the recipe rerun on other batches: \(format($0))" } ?? ""
            // An answer chosen at the best validation Dice is measured against the recipe stopped there too.
            let stopped = unseen.earlyStoppedFidelityToStart.map { "; the recipe stopped at its best validation Dice: \(format($0))" } ?? ""
            // A prompted generator is asked for the network the recipe answers that prompt with.
            let answer = unseen.fidelityToRecipeAnswer.map { "; against the recipe's own answer to the prompt: \(format($0))" } ?? ""
            parts.append("\(nearer) (start fidelity (a) \(format(fidelity))\(rerun)\(stopped)\(answer))")
        }
        return "\(audit.task): " + parts.joined(separator: ", ") + ", \(audit.position.rawValue) the memorisation frontier"
    }

    /// Which of two generators' unseen-start test Dice is higher, when their 95% intervals do not overlap.
    static func compare(optimizer: Estimate, diffusion: Estimate, task: String) -> String {
        let verdict = optimizer.lower > diffusion.upper ? "the learned optimiser is better"
            : optimizer.upper < diffusion.lower ? "the diffusion generator is better" : "indistinguishable"
        return "\(task) \(verdict) (\(format(optimizer)) vs \(format(diffusion)))"
    }

    static func format(_ estimate: Estimate) -> String {
        estimate.values.count < 2 ? String(format: "%.3f", estimate.mean)
            : String(format: "%.3f [%.3f, %.3f]", estimate.mean, estimate.lower, estimate.upper)
    }

    static func list(_ items: [String]) -> String {
        items.isEmpty ? "none" : items.joined(separator: ", ")
    }
}
