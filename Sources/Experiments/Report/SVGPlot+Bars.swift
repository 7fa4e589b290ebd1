extension SVGPlot {
    /// Horizontal bars of each row's mean with 95% CI whiskers; full method and detail as each row's tooltip.
    public static func comparisonBars(_ rows: [ComparisonRow], title: String) -> String {
        let rowHeight = 28.0
        var canvas = SVGCanvas(width: 680, height: 44 + Double(max(rows.count, 2)) * rowHeight + 50,
                               marginLeft: 230, marginRight: 70, marginTop: 44, marginBottom: 50)
        let finite = rows.flatMap { [$0.dice.mean, $0.dice.lower, $0.dice.upper] }.filter(\.isFinite)
        // Dice rows fit [0, 1]; other metrics widen the axis to include all their values.
        let x = LinearScale(domain: (min(0, finite.min() ?? 0), max(1, finite.max() ?? 1)), range: (canvas.left, canvas.right))
        canvas.axes(xTicks: x.ticks().map { (x($0), Markup.significant($0)) }, yTicks: [], xTitle: "test Dice (mean, 95% CI)",
                    yTitle: "")
        guard !finite.isEmpty else {
            canvas.noData()
            return canvas.render(title: title)
        }

        for (index, row) in rows.enumerated() {
            let middle = canvas.top + (Double(index) + 0.5) * rowHeight
            let label = row.method.count > 34 ? String(row.method.prefix(33)) + "…" : row.method
            canvas.append("<g><title>\(Markup.escape(row.method)): \(Markup.escape(row.detail))</title>")
            canvas.text(label, canvas.left - 8, middle + 4, anchor: "end")
            let dice = row.dice
            if dice.mean.isFinite {
                canvas.rect(min(x(0), x(dice.mean)), middle - 8, abs(x(dice.mean) - x(0)), 16, fill: accent, attributes: "fill-opacity=\"0.75\" class=\"bar\"")
                canvas.line(x(dice.lower), middle, x(dice.upper), middle, stroke: "#222", width: 1.5, attributes: "class=\"whisker\"")
                canvas.line(x(dice.lower), middle - 5, x(dice.lower), middle + 5, stroke: "#222", width: 1.5)
                canvas.line(x(dice.upper), middle - 5, x(dice.upper), middle + 5, stroke: "#222", width: 1.5)
                let end = [dice.mean, dice.upper].filter(\.isFinite).max() ?? dice.mean
                canvas.text(Markup.fixed(dice.mean), x(end) + 6, middle + 4, size: 11)
            } else {
                canvas.text("n/a", x(0) + 6, middle + 4, size: 11, fill: "#999")
            }
            canvas.append("</g>")
        }
        return canvas.render(title: title)
    }
}
