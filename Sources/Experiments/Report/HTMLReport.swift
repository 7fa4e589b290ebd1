import Foundation

/// Renders `ExperimentResults` as one self-contained HTML page: inline CSS, inline SVG plots,
/// overlays embedded as base64 PNG. Every number shown is read from the results.
public enum HTMLReport {
    /// The complete `index.html`.
    ///
    /// - Parameters:
    ///   - results: the experiment's numbers; all text in them is escaped.
    ///   - overlayData: the PNG bytes of an `Overlay.file` (a path relative to the report folder), or nil when missing;
    ///     missing overlays are listed in a note instead of an image.
    public static func render(_ results: ExperimentResults, overlayData: (String) -> Data?) -> String {
        var page = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>weightgen report — \(Markup.escape(results.setup.dataset))</title>
        <style>
        \(ReportStyle.css)
        </style>
        </head>
        <body>
        <main>
        <h1>weightgen experiment report</h1>
        <p class="subtitle">\(Markup.escape(results.setup.dataset)) · \(Markup.escape(results.setup.date))</p>

        """
        page += conclusions(results.conclusions)
        page += setup(results.setup)
        page += stages(results.stages)
        page += contents(results)
        // The default generator first; the task sections are the diffusion generator's and the baselines'.
        if let learnedOptimizer = results.learnedOptimizer {
            page += learnedOptimizerSection(learnedOptimizer)
        }
        for (index, task) in results.tasks.enumerated() {
            page += taskSection(task, anchor: "task-\(index)", overlayData: overlayData)
        }
        if let multiTask = results.multiTask {
            page += multiTaskSection(multiTask)
        }
        page += "</main>\n</body>\n</html>\n"
        return page
    }

    static func conclusions(_ conclusions: [String]) -> String {
        let items = conclusions.isEmpty
            ? "<li>No conclusions were recorded.</li>"
            : conclusions.map { "<li>\(Markup.escape($0))</li>" }.joined(separator: "\n")
        return "<section class=\"conclusions\" id=\"conclusions\">\n<h2>Conclusions</h2>\n<ol>\n\(items)\n</ol>\n</section>\n"
    }

    static func setup(_ setup: ExperimentSetup) -> String {
        let entries: [(String, String)] = [
            ("Command", "<code>\(Markup.escape(setup.command))</code>"),
            ("Date", Markup.escape(setup.date)),
            ("Dataset", Markup.escape(setup.dataset)),
            ("Tasks", Markup.escape(setup.tasks.joined(separator: ", "))),
            ("Preset", Markup.escape(setup.preset)),
            ("Zoo", "\(setup.zooRuns) runs per task × \(setup.checkpointsPerRun) checkpoints per run "
                + "= \(setup.zooRuns * setup.checkpointsPerRun * setup.tasks.count) checkpoints"),
            ("Generator", Markup.escape(setup.generatorConfiguration)),
            ("Generator training steps", "\(setup.generatorSteps)"),
            ("Unseen initialisations (seeds)", "\(setup.seeds)"),
            ("Test cases", "\(setup.testCases)"),
        ]
        let rows = entries.map { "<dt>\($0.0)</dt><dd>\($0.1)</dd>" }.joined(separator: "\n")
        return "<h2 id=\"setup\">Setup</h2>\n<dl class=\"setup\">\n\(rows)\n</dl>\n"
    }

    static func stages(_ stages: [StageTiming]) -> String {
        guard !stages.isEmpty else { return HTML.paragraph("No stage timings were recorded.", className: "note") }
        var rows = stages.map { stage in
            [HTML.Cell.text(stage.stage), .number(Markup.duration(stage.seconds)), .number(Markup.fixed(stage.seconds, 1))]
        }
        let total = stages.map(\.seconds).reduce(0, +)
        rows.append([HTML.Cell(markup: "<strong>total</strong>"), .number(Markup.duration(total)), .number(Markup.fixed(total, 1))])
        return "<h3>Stage timings</h3>\n" + HTML.table(headers: ["Stage", "Wall time", "Seconds"], numeric: [1, 2], rows: rows)
    }

    static func contents(_ results: ExperimentResults) -> String {
        var links = results.learnedOptimizer == nil ? [] : ["<li><a href=\"#learned-optimizer\">The learned optimiser</a></li>"]
        links += results.tasks.enumerated().map { index, task in
            "<li><a href=\"#task-\(index)\">\(Markup.escape(task.task))</a></li>"
        }
        if results.multiTask != nil {
            links.append("<li><a href=\"#multi-task\">One generator for all tasks</a></li>")
        }
        return "<nav><ul>\n\(links.joined(separator: "\n"))\n</ul></nav>\n"
    }
}
