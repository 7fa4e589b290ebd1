import Generator

extension HTMLReport {
    /// The shared generator against per-task ones, and the matrix of parameter sets scored across tasks.
    static func multiTaskSection(_ comparison: MultiTaskComparison) -> String {
        var html = "<section id=\"multi-task\">\n<h2>One generator for all tasks</h2>\n"
        html += "<h3>Shared against per-task generators</h3>\n"
        if comparison.rows.isEmpty {
            html += HTML.paragraph("No rows were recorded.", className: "note")
        } else {
            let rows = comparison.rows.map { row in
                [HTML.Cell.text(row.task), .number(Markup.interval(row.shared)), .number("\(row.shared.values.count)"),
                 .number(Markup.interval(row.perTask)), .number("\(row.perTask.values.count)")]
            }
            html += HTML.table(headers: ["Task", "Shared generator: mean [95% CI]", "n", "Per-task generator: mean [95% CI]", "n"],
                               numeric: [1, 2, 3, 4], rows: rows)
        }
        html += "<h3>Cross-task matrix</h3>\n"
        html += crossTaskMatrix(comparison.crossTask)
        return html + "</section>\n"
    }

    /// Rows: the task a network was prompted for; columns: the task it was scored on; the diagonal is highlighted.
    static func crossTaskMatrix(_ cells: [CrossTaskCell]) -> String {
        guard !cells.isEmpty else { return HTML.paragraph("No cross-task scores were recorded.", className: "note") }
        let prompted = ordered(cells.map(\.promptedTask))
        let scored = ordered(cells.map(\.scoredTask))
        var lookup: [String: [String: Estimate]] = [:]
        for cell in cells {
            lookup[cell.promptedTask, default: [:]][cell.scoredTask] = cell.dice
        }
        let rows = prompted.map { row in
            [HTML.Cell.text(row)] + scored.map { column -> HTML.Cell in
                guard let dice = lookup[row]?[column] else { return .number("—") }
                return HTML.Cell(markup: Markup.escape(Markup.interval(dice)), className: row == column ? "num diagonal" : "num",
                                 tooltip: "prompted for \(row), scored on \(column), n = \(dice.values.count)")
            }
        }
        return HTML.paragraph("Test Dice, mean [95% CI]: rows are the task prompted for, columns the task scored on.")
            + HTML.table(headers: ["Prompted \\ scored"] + scored, numeric: Set(1...scored.count), rows: rows)
    }

    /// Distinct names in order of first appearance, so the matrix follows the experiment's task order.
    private static func ordered(_ names: [String]) -> [String] {
        var seen = Set<String>()
        return names.filter { seen.insert($0).inserted }
    }
}
