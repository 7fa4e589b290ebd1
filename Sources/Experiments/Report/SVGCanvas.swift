/// Accumulates SVG elements in pixel coordinates and wraps them in a self-contained `<svg>`.
/// Elements with a non-finite coordinate are dropped, so NaN never reaches the markup.
struct SVGCanvas {
    let width: Double
    let height: Double
    /// The plotting area inside the margins.
    let left: Double, top: Double, right: Double, bottom: Double
    private var elements: [String] = []

    init(width: Double, height: Double, marginLeft: Double, marginRight: Double, marginTop: Double, marginBottom: Double) {
        self.width = width
        self.height = height
        left = marginLeft
        right = width - marginRight
        top = marginTop
        bottom = height - marginBottom
    }

    var plotWidth: Double { right - left }
    var plotHeight: Double { bottom - top }

    /// Extra attributes such as `class="identity"` or `stroke-dasharray="6 4"`, written verbatim.
    mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String, width: Double = 1,
                       attributes: String = "") {
        guard [x1, y1, x2, y2].allSatisfy(\.isFinite) else { return }
        elements.append("<line x1=\"\(c(x1))\" y1=\"\(c(y1))\" x2=\"\(c(x2))\" y2=\"\(c(y2))\" stroke=\"\(stroke)\" "
            + "stroke-width=\"\(c(width))\"\(prefixed(attributes))/>")
    }

    mutating func rect(_ x: Double, _ y: Double, _ w: Double, _ h: Double, fill: String, attributes: String = "") {
        guard [x, y, w, h].allSatisfy(\.isFinite) else { return }
        elements.append("<rect x=\"\(c(x))\" y=\"\(c(y))\" width=\"\(c(max(w, 0)))\" height=\"\(c(max(h, 0)))\" "
            + "fill=\"\(fill)\"\(prefixed(attributes))/>")
    }

    /// A circle, optionally with a tooltip (escaped here).
    mutating func circle(_ x: Double, _ y: Double, radius: Double, fill: String, attributes: String = "", tooltip: String? = nil) {
        guard x.isFinite, y.isFinite else { return }
        let open = "<circle cx=\"\(c(x))\" cy=\"\(c(y))\" r=\"\(c(radius))\" fill=\"\(fill)\"\(prefixed(attributes))"
        elements.append(tooltip.map { "\(open)><title>\(Markup.escape($0))</title></circle>" } ?? "\(open)/>")
    }

    /// An open (`polyline`) or closed (`polygon`) path through `points`; finite points only.
    mutating func path(_ points: [(Double, Double)], closed: Bool, fill: String, stroke: String, attributes: String = "") {
        let finite = points.filter { $0.0.isFinite && $0.1.isFinite }
        guard finite.count >= 2 else { return }
        let list = finite.map { "\(c($0.0)),\(c($0.1))" }.joined(separator: " ")
        elements.append("<\(closed ? "polygon" : "polyline") points=\"\(list)\" fill=\"\(fill)\" stroke=\"\(stroke)\""
            + "\(prefixed(attributes))/>")
    }

    /// Text escaped here; `anchor` is start, middle or end.
    mutating func text(_ string: String, _ x: Double, _ y: Double, anchor: String = "start", size: Double = 12,
                       fill: String = "#333", attributes: String = "") {
        guard x.isFinite, y.isFinite else { return }
        elements.append("<text x=\"\(c(x))\" y=\"\(c(y))\" text-anchor=\"\(anchor)\" font-size=\"\(c(size))\" "
            + "fill=\"\(fill)\"\(prefixed(attributes))>\(Markup.escape(string))</text>")
    }

    /// Raw markup built by the caller (e.g. a `<g>` with a tooltip); the caller escapes its text.
    mutating func append(_ markup: String) {
        elements.append(markup)
    }

    /// Grid lines, tick labels and axis titles; ticks are (pixel position, label).
    mutating func axes(xTicks: [(Double, String)], yTicks: [(Double, String)], xTitle: String, yTitle: String) {
        for (x, label) in xTicks {
            line(x, top, x, bottom, stroke: "#e5e5e5")
            text(label, x, bottom + 16, anchor: "middle", size: 11, fill: "#555")
        }
        for (y, label) in yTicks {
            line(left, y, right, y, stroke: "#e5e5e5")
            text(label, left - 6, y + 4, anchor: "end", size: 11, fill: "#555")
        }
        line(left, bottom, right, bottom, stroke: "#888")
        line(left, top, left, bottom, stroke: "#888")
        if !xTitle.isEmpty {
            text(xTitle, (left + right) / 2, bottom + 36, anchor: "middle")
        }
        if !yTitle.isEmpty {
            let yMiddle = (top + bottom) / 2
            text(yTitle, 16, yMiddle, anchor: "middle", attributes: "transform=\"rotate(-90 16 \(c(yMiddle)))\"")
        }
    }

    /// A centred "no data" message in the plotting area.
    mutating func noData() {
        text("no data", (left + right) / 2, (top + bottom) / 2, anchor: "middle", size: 14, fill: "#999",
             attributes: "class=\"no-data\"")
    }

    /// The finished `<svg>`, titled for the eye and for screen readers.
    func render(title: String) -> String {
        let escaped = Markup.escape(title)
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(c(width)) \(c(height))\" width=\"\(c(width))\" "
            + "height=\"\(c(height))\" role=\"img\" font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif\">"
            + "<title>\(escaped)</title>"
            + "<rect x=\"0\" y=\"0\" width=\"\(c(width))\" height=\"\(c(height))\" fill=\"#fff\"/>"
            + "<text x=\"\(c(width / 2))\" y=\"22\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"600\" fill=\"#222\">"
            + "\(escaped)</text>"
            + elements.joined()
            + "</svg>"
    }

    private func c(_ value: Double) -> String { Markup.coordinate(value) }

    private func prefixed(_ attributes: String) -> String { attributes.isEmpty ? "" : " " + attributes }
}
