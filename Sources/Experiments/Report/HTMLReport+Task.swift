import Foundation
import Generator

extension HTMLReport {
    /// Everything measured for one task, in the order a reader asks: how good, against what, aligned, how fast, novel.
    static func taskSection(_ task: TaskExperiment, anchor: String, overlayData: (String) -> Data?) -> String {
        let name = Markup.escape(task.task)
        var html = "<section id=\"\(anchor)\">\n<h2>Task: \(name), the diffusion generator and the baselines</h2>\n"
        html += summary(task)
        html += comparison(task.baselines, heading: "Baselines against one-step generation", chartTitle: "\(task.task): baselines")
        html += comparison(task.beyondBest, heading: "Beyond the best checkpoint", chartTitle: "\(task.task): beyond the best")
        html += alignment(task.alignment, task: task.task)
        html += trainingCurve(task.trainingCurve, task: task.task)
        html += novelty(task.novelty)
        if let audit = task.audit { html += self.audit(audit) }
        html += overlays(task.overlays, overlayData: overlayData)
        return html + "</section>\n"
    }

    static func summary(_ task: TaskExperiment) -> String {
        func single(_ label: String, _ value: Double) -> [HTML.Cell] {
            [.text(label), .number(Markup.fixed(value)), .number("1")]
        }
        func estimate(_ label: String, _ value: Estimate) -> [HTML.Cell] {
            [.text(label), .number(Markup.interval(value)), .number("\(value.values.count)")]
        }
        let rows = [
            single("Best zoo checkpoint (chosen by validation Dice)", task.bestCheckpointTestDice),
            single("Best zoo checkpoint (highest test Dice)", task.bestZooTestDice),
            estimate("Unseen initialisations", task.initialisation),
            estimate("Generated from unseen initialisations", task.generatedUnseen),
            estimate("Generated from the zoo's (seen) initialisations", task.generatedSeen),
        ]
        return "<h3>Summary</h3>\n"
            + HTML.table(headers: ["Network", "Test Dice: mean [95% CI]", "n"], numeric: [1, 2], rows: rows)
    }

    /// A comparison table (method, detail, mean, CI, n) with its bar chart.
    static func comparison(_ rows: [ComparisonRow], heading: String, chartTitle: String) -> String {
        var html = "<h3>\(Markup.escape(heading))</h3>\n"
        guard !rows.isEmpty else { return html + HTML.paragraph("No rows were recorded.", className: "note") }
        let cells = rows.map { row in
            [HTML.Cell.text(row.method, tooltip: row.detail), .text(row.detail, className: "detail")] + HTML.estimateCells(row.dice)
        }
        html += HTML.table(headers: ["Method", "Detail", "Mean", "95% CI", "n"], numeric: [2, 3, 4], rows: cells)
        return html + "<div class=\"plots\">\(SVGPlot.comparisonBars(rows, title: chartTitle))</div>\n"
    }

    static func alignment(_ alignment: PromptAlignment, task: String) -> String {
        "<h3>Prompt alignment</h3>\n"
            + HTML.paragraph("Achieved against prompted test Dice for \(alignment.points.count) generated networks; "
                + "R² about the identity line = \(Markup.interval(alignment.r2)) over \(alignment.r2.values.count) starts.")
            + "<div class=\"plots\">\(SVGPlot.promptAlignment(alignment, title: "\(task): prompted vs achieved Dice"))</div>\n"
    }

    static func trainingCurve(_ curve: TrainingCurve, task: String) -> String {
        let generated = Markup.fixed(curve.generatedDice)
        var sentences = ["One-step generation reaches a mean test Dice of \(generated)."]
        if let match = curve.iterationsToMatchGenerated {
            sentences.append("Training with the zoo's recipe from the same initialisations first matches it after \(match) iterations.")
        } else if let first = curve.dice.first, curve.iterations.first == 0, first.mean >= curve.generatedDice {
            sentences.append("The initialisations already match it before training (\(Markup.fixed(first.mean)) at iteration 0).")
        } else {
            sentences.append("Training does not match it within the \(curve.iterations.max() ?? 0) iterations measured.")
        }
        if let ratio = curve.wallTimeRatio {
            sentences.append("Training to that point takes \(Markup.significant(ratio))× the wall time of one generation.")
        }
        sentences.append("Measured cost: \(Markup.significant(curve.secondsPerIteration)) s per training iteration, "
            + "\(Markup.significant(curve.secondsPerGeneration)) s per generated network.")
        return "<h3>Training curve</h3>\n" + HTML.paragraph(sentences.joined(separator: " "))
            + "<div class=\"plots\">\(SVGPlot.trainingCurve(curve, title: "\(task): test Dice during training"))</div>\n"
    }

    static func novelty(_ novelty: Novelty) -> String {
        let alignment = novelty.permutationAligned ? "after aligning channel permutations" : "without permutation alignment"
        let rows: [[HTML.Cell]] = [
            [HTML.Cell.text("Generated → nearest zoo checkpoint (RMS distance)")] + HTML.estimateCells(novelty.generatedToZoo),
            [HTML.Cell.text("Held-out zoo run → nearest other-run checkpoint (RMS distance)")] + HTML.estimateCells(novelty.zooToZoo),
            [HTML.Cell.text("Error-voxel overlap with the nearest zoo checkpoint (Dice)")] + HTML.estimateCells(novelty.errorOverlap),
        ]
        return "<h3>Novelty</h3>\n" + HTML.paragraph("Parameter distances are measured \(alignment).")
            + HTML.table(headers: ["Measure", "Mean", "95% CI", "n"], numeric: [1, 2, 3], rows: rows)
    }

    static func overlays(_ overlays: [Overlay], overlayData: (String) -> Data?) -> String {
        var html = "<h3>Overlays</h3>\n"
        guard !overlays.isEmpty else { return html + HTML.paragraph("No overlays were recorded.", className: "note") }
        html += "<p class=\"legend\">Boundaries:<span class=\"swatch\" style=\"background:#00dc00\"></span>ground truth"
            + "<span class=\"swatch\" style=\"background:#ff00ff\"></span>prediction"
            + "<span class=\"swatch\" style=\"background:#ffff00\"></span>both</p>\n"
        var figures: [String] = []
        var missing: [String] = []
        for overlay in overlays {
            guard let data = overlayData(overlay.file) else {
                missing.append(overlay.file)
                continue
            }
            let caption = Markup.escape(overlay.caption)
            figures.append("<figure><img src=\"data:image/png;base64,\(data.base64EncodedString())\" alt=\"\(caption)\">"
                + "<figcaption>\(caption) — Dice \(Markup.fixed(overlay.dice))</figcaption></figure>")
        }
        if !figures.isEmpty {
            html += "<div class=\"overlays\">\n\(figures.joined(separator: "\n"))\n</div>\n"
        }
        if !missing.isEmpty {
            html += HTML.paragraph("Missing overlay files (not embedded): \(missing.joined(separator: ", ")).", className: "note")
        }
        return html
    }
}
