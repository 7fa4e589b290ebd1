import Generator

extension HTMLReport {
    /// The learned optimiser: how it was distilled, its networks from unseen and seen starts,
    /// its speed against the zoo's recipe, and each task's memorisation audit.
    static func learnedOptimizerSection(_ experiment: LearnedOptimizerExperiment) -> String {
        var html = "<section id=\"learned-optimizer\">\n<h2>The learned optimiser (the default generator)</h2>\n"
        let method = experiment.method
        html += HTML.paragraph("Each call: " + method + ", reading the training-loss gradient at the call's network; calls follow one another "
            + "from a start until the validation Dice reaches the prompt or \(experiment.maximumCalls) calls are spent. "
            + (experiment.movesByAdamsOwnStep ? "Its learning rate chosen on validation cases in " : "Trained, its learning rate chosen on validation cases, in ")
            + "\(Markup.duration(experiment.trainingSeconds)). Prompted with the best validation "
            + "Dice of the zoo; test Dice, mean [95% CI] over \(experiment.evaluation.seeds) starts of each kind.")
        let tasks = experiment.evaluation.tasks
        let rows = zip(tasks, experiment.learningRates).map { task, rate -> [HTML.Cell] in
            let speed = task.speed.map { speed in
                speed.ratio.values.isEmpty ? "not reached"
                    : Markup.interval(speed.ratio) + (speed.computeRatio.map { " (calls alone " + Markup.interval($0) + ")" } ?? "")
            } ?? "—"
            return [HTML.Cell.text(task.task), .number(Markup.fixed(task.prompt)), .number(Markup.fixed(task.bestCheckpointTestDice)),
                    .number(Markup.interval(Estimate(task.unseen))), .number(Markup.fixed(task.unseenRatio, 2) + "×"),
                    .number(Markup.interval(Estimate(task.seen))), .number(Markup.fixed(task.promptAlignmentUnseen, 2)),
                    .number(speed), .number(Markup.fixed(Double(rate), 5))]
        }
        html += HTML.table(headers: ["Task", "Prompt (validation)", "Best checkpoint's test Dice", "Unseen starts", "Median ÷ best",
                                     "Seen starts", "R² unseen", "Time to 0.9 × prompt ÷ recipe's (calls alone: the validation checks after each call left out, as the recipe's are)", "Learning rate"],
                           numeric: Set(1...8), rows: rows)
        for task in tasks {
            html += "<h3>\(Markup.escape(task.task))</h3>\n"
            html += task.audit.map(audit) ?? HTML.paragraph("No audit was recorded.", className: "note")
        }
        return html + "</section>\n"
    }
}
