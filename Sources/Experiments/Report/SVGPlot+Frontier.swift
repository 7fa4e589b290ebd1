import Generator

extension SVGPlot {
    /// Colours of the baseline families in the accuracy-vs-novelty plot.
    static let familyColours: [BaselineFamily: String] = [
        .noise: "#2b8a3e", .average: "#7048e8", .gaussian: "#c2255c", .interpolation: "#e67700", .initialisation: "#868e96",
    ]

    /// Test Dice against novelty: every baseline setting (its mean, with the Dice interval as a
    /// bar), the frontier (their upper envelope) as a step line, and the generated networks from
    /// unseen and seen starts as larger markers with both intervals.
    public static func accuracyAgainstNovelty(_ audit: MemorisationAudit, title: String) -> String {
        var canvas = SVGCanvas(width: 640, height: 420, marginLeft: 60, marginRight: 170, marginTop: 44, marginBottom: 56)
        let generated = [("unseen starts", audit.unseen, highlight), ("seen starts", audit.seen, accent)]
        let novelties = audit.frontier.points.map(\.novelty.mean) + generated.map { $0.1.novelty.upper }
        let finite = novelties.filter(\.isFinite)
        let maximum = max(1.2, (finite.max() ?? 1) * 1.05)
        let x = LinearScale(domain: (0, maximum), range: (canvas.left, canvas.right))
        let y = LinearScale(domain: (0, 1), range: (canvas.bottom, canvas.top))
        let xTicks = x.ticks().map { (x($0), Markup.fixed($0, 1)) }
        canvas.axes(xTicks: xTicks, yTicks: unitTicks(y), xTitle: "novelty (distance to nearest learned network ÷ zoo reference)",
                    yTitle: "test Dice")
        guard !finite.isEmpty else {
            canvas.noData()
            return canvas.render(title: title)
        }
        func clamped(_ value: Double) -> Double { min(max(value, 0), 1) }
        // A copy lies at 0, another training run at 1.
        canvas.line(x(1), canvas.top, x(1), canvas.bottom, stroke: "#bbb", attributes: "stroke-dasharray=\"3 3\" class=\"reference\"")
        var envelope: [(Double, Double)] = []
        for (index, corner) in audit.frontier.envelope.enumerated() {
            let previous = index == 0 ? 0 : audit.frontier.envelope[index - 1].novelty
            envelope += [(x(previous), y(clamped(corner.dice))), (x(corner.novelty), y(clamped(corner.dice)))]
        }
        if !envelope.isEmpty {
            canvas.path(envelope, closed: false, fill: "none", stroke: "#495057",
                        attributes: "stroke-width=\"2\" stroke-dasharray=\"8 4\" class=\"frontier\"")
        }
        for point in audit.frontier.points where point.novelty.mean.isFinite && point.dice.mean.isFinite {
            let colour = familyColours[point.family] ?? "#333"
            let px = x(point.novelty.mean)
            canvas.line(px, y(clamped(point.dice.lower)), px, y(clamped(point.dice.upper)), stroke: colour)
            canvas.circle(px, y(clamped(point.dice.mean)), radius: 4, fill: colour, attributes: "class=\"baseline\"",
                          tooltip: "\(point.family.rawValue) \(point.setting): Dice \(Markup.interval(point.dice)), novelty \(Markup.interval(point.novelty))")
        }
        for (label, kind, colour) in generated where kind.novelty.mean.isFinite && kind.dice.mean.isFinite {
            let px = x(kind.novelty.mean), py = y(clamped(kind.dice.mean))
            canvas.line(x(kind.novelty.lower), py, x(kind.novelty.upper), py, stroke: colour, width: 2)
            canvas.line(px, y(clamped(kind.dice.lower)), px, y(clamped(kind.dice.upper)), stroke: colour, width: 2)
            canvas.circle(px, py, radius: 7, fill: colour, attributes: "stroke=\"white\" stroke-width=\"2\" class=\"generated\"",
                          tooltip: "generated, \(label): Dice \(Markup.interval(kind.dice)), novelty \(Markup.interval(kind.novelty))")
        }
        // Legend to the right of the plot.
        var legendY = canvas.top + 8
        let legendX = canvas.right + 16
        for (label, _, colour) in generated {
            canvas.circle(legendX, legendY - 4, radius: 6, fill: colour)
            canvas.text("generated, \(label)", legendX + 12, legendY, size: 11)
            legendY += 20
        }
        for family in BaselineFamily.allCases where audit.frontier.points.contains(where: { $0.family == family }) {
            canvas.circle(legendX, legendY - 4, radius: 4, fill: familyColours[family] ?? "#333")
            canvas.text("baseline: \(family.rawValue)", legendX + 12, legendY, size: 11)
            legendY += 20
        }
        canvas.line(legendX - 6, legendY - 4, legendX + 6, legendY - 4, stroke: "#495057", width: 2, attributes: "stroke-dasharray=\"4 2\"")
        canvas.text("frontier", legendX + 12, legendY, size: 11)
        return canvas.render(title: title)
    }
}
