import Generator

/// Small builders for the report's HTML; text passed as `String` is escaped here, cells are markup.
enum HTML {
    /// A table cell: markup plus an optional class (`num`, `detail`, …) and tooltip.
    struct Cell {
        var markup: String
        var className: String? = nil
        var tooltip: String? = nil

        /// Escaped text.
        static func text(_ text: String, className: String? = nil, tooltip: String? = nil) -> Cell {
            Cell(markup: Markup.escape(text), className: className, tooltip: tooltip)
        }

        /// A right-aligned number (already formatted).
        static func number(_ text: String) -> Cell {
            Cell(markup: Markup.escape(text), className: "num")
        }

        var rendered: String {
            let classAttribute = className.map { " class=\"\($0)\"" } ?? ""
            let titleAttribute = tooltip.map { " title=\"\(Markup.escape($0))\"" } ?? ""
            return "<td\(classAttribute)\(titleAttribute)>\(markup)</td>"
        }
    }

    /// A scrollable table; `numeric` marks header columns to right-align like their cells.
    static func table(headers: [String], numeric: Set<Int> = [], rows: [[Cell]]) -> String {
        let head = headers.enumerated().map { index, header in
            "<th\(numeric.contains(index) ? " class=\"num\"" : "")>\(Markup.escape(header))</th>"
        }.joined()
        let body = rows.map { "<tr>" + $0.map(\.rendered).joined() + "</tr>" }.joined(separator: "\n")
        return "<div class=\"table-wrap\"><table><thead><tr>\(head)</tr></thead><tbody>\n\(body)\n</tbody></table></div>\n"
    }

    /// The columns every Estimate shows: mean, 95% CI, n.
    static func estimateCells(_ estimate: Estimate) -> [Cell] {
        [.number(Markup.fixed(estimate.mean)),
         .number("[\(Markup.fixed(estimate.lower)), \(Markup.fixed(estimate.upper))]"),
         .number("\(estimate.values.count)")]
    }

    static func paragraph(_ text: String, className: String? = nil) -> String {
        "<p\(className.map { " class=\"\($0)\"" } ?? "")>\(Markup.escape(text))</p>\n"
    }
}
