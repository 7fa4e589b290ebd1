extension SVGPlot {
    /// Mean test Dice against training iterations with its 95% band, the one-step generated Dice as a dashed line,
    /// and a marker where training first matches it. Log x axis when iterations span more than two decades.
    public static func trainingCurve(_ curve: TrainingCurve, title: String) -> String {
        var canvas = SVGCanvas(width: 640, height: 380, marginLeft: 60, marginRight: 24, marginTop: 44, marginBottom: 56)
        let samples = zip(curve.iterations, curve.dice).filter { $0.1.mean.isFinite }
        let x = IterationScale(iterations: samples.map { $0.0 }, range: (canvas.left, canvas.right))
        let y = LinearScale(domain: (0, 1), range: (canvas.bottom, canvas.top))
        let xTicks = x.ticks(includingZero: samples.contains { $0.0 <= 0 }).map { (x($0.0), $0.1) }
        canvas.axes(xTicks: xTicks, yTicks: unitTicks(y),
                    xTitle: x.isLogarithmic ? "training iterations (log scale)" : "training iterations", yTitle: "test Dice")
        guard !samples.isEmpty else {
            canvas.noData()
            return canvas.render(title: title)
        }

        // Dice cannot leave [0, 1], so a wide t-interval from few seeds is cut at the chart's edges.
        func clamped(_ value: Double) -> Double { min(max(value, 0), 1) }
        let banded = samples.filter { $0.1.lower.isFinite && $0.1.upper.isFinite }
        let upper = banded.map { (x(Double($0.0)), y(clamped($0.1.upper))) }
        let lower = banded.reversed().map { (x(Double($0.0)), y(clamped($0.1.lower))) }
        canvas.path(upper + lower, closed: true, fill: accent, stroke: "none", attributes: "fill-opacity=\"0.18\" class=\"ci-band\"")
        let means = samples.map { (x(Double($0.0)), y(clamped($0.1.mean))) }
        canvas.path(means, closed: false, fill: "none", stroke: accent, attributes: "stroke-width=\"2\" class=\"mean\"")
        for (sample, point) in zip(samples, means) {
            canvas.circle(point.0, point.1, radius: 3, fill: accent,
                          tooltip: "\(sample.0) iterations: \(Markup.interval(sample.1))")
        }

        if curve.generatedDice.isFinite {
            let level = y(clamped(curve.generatedDice))
            canvas.line(canvas.left, level, canvas.right, level, stroke: highlight, width: 1.5,
                        attributes: "stroke-dasharray=\"7 4\" class=\"generated\"")
            // Left-aligned: training starts below the generated Dice, so the curve rarely crosses the label there.
            canvas.text("one-step generated: \(Markup.fixed(curve.generatedDice))", canvas.left + 6, level - 6, fill: highlight)
            if let match = curve.iterationsToMatchGenerated {
                let position = x(Double(match))
                canvas.line(position, canvas.bottom, position, level, stroke: highlight, attributes: "stroke-dasharray=\"2 3\"")
                canvas.circle(position, level, radius: 5, fill: "none",
                              attributes: "stroke=\"\(highlight)\" stroke-width=\"2\" class=\"match\"",
                              tooltip: "training matches generation after \(match) iterations")
                // The label extends away from the nearer edge so it stays inside the plot.
                let rightHalf = position > (canvas.left + canvas.right) / 2
                canvas.text("matched at \(match) iterations", rightHalf ? position - 8 : position + 8, level + 18,
                            anchor: rightHalf ? "end" : "start", fill: highlight)
            }
        }
        return canvas.render(title: title)
    }
}
