/// Self-contained inline SVG charts for the report: no scripts, no external fonts, every label escaped,
/// and a "no data" message instead of NaN coordinates when there is nothing finite to draw.
public enum SVGPlot {
    static let accent = "#1f6fb2"
    static let highlight = "#d9480f"

    /// Ticks 0, 0.2, …, 1 as (pixel position, label) for a Dice axis.
    static func unitTicks(_ scale: LinearScale) -> [(Double, String)] {
        stride(from: 0, through: 10, by: 2).map { Double($0) / 10 }.map { (scale($0), Markup.fixed($0, 1)) }
    }

    /// Achieved against prompted Dice, one point per start, with the identity line and R² in the corner.
    public static func promptAlignment(_ alignment: PromptAlignment, title: String) -> String {
        var canvas = SVGCanvas(width: 400, height: 420, marginLeft: 60, marginRight: 20, marginTop: 44, marginBottom: 56)
        let x = LinearScale(domain: (0, 1), range: (canvas.left, canvas.right))
        let y = LinearScale(domain: (0, 1), range: (canvas.bottom, canvas.top))
        canvas.axes(xTicks: unitTicks(x), yTicks: unitTicks(y), xTitle: "prompted Dice", yTitle: "achieved Dice")
        canvas.line(x(0), y(0), x(1), y(1), stroke: "#999", width: 1.5,
                    attributes: "class=\"identity\" stroke-dasharray=\"6 4\"")

        let points = alignment.points.filter { $0.prompted.isFinite && $0.achieved.isFinite }
        guard !points.isEmpty else {
            canvas.noData()
            return canvas.render(title: title)
        }
        for point in points {
            // Dice lies in [0, 1]; clamping keeps a stray value on the chart's edge rather than off it.
            canvas.circle(x(min(max(point.prompted, 0), 1)), y(min(max(point.achieved, 0), 1)), radius: 3.5, fill: accent,
                          attributes: "fill-opacity=\"0.7\"",
                          tooltip: "seed \(point.seed): prompted \(Markup.fixed(point.prompted)), "
                              + "achieved \(Markup.fixed(point.achieved))")
        }
        canvas.text("R² = \(Markup.interval(alignment.r2))", canvas.left + 8, canvas.top + 16, size: 12)
        return canvas.render(title: title)
    }
}
