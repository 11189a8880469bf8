/// How a reliability diagram is drawn. Sizes are SVG user units (pixels at 100 %).
public struct ReliabilityDiagramOptions: Sendable, Equatable {
    /// The first title line; nil: "Reliability diagram". The metrics line is always added.
    public var title: String?
    /// Side of the square reliability panel.
    public var panelSize: Double
    /// Height of the confidence histogram under it (0: no histogram).
    public var histogramHeight: Double

    public init(title: String? = nil, panelSize: Double = 360, histogramHeight: Double = 110) {
        self.title = title
        self.panelSize = panelSize
        self.histogramHeight = histogramHeight
    }
}

/// The reliability diagram of `/v1/reliability-diagram` as a standalone SVG 1.1 document, in the
/// style of Guo et al. 2017 (Fig. 1) and Niculescu-Mizil & Caruana 2005: per-bin accuracy bars
/// over [lower, upper] against the dashed diagonal, the gap between accuracy and the bin's mean
/// confidence hatched in red, a confidence histogram (fraction of rows per bin) underneath with
/// the mean confidence and accuracy marked, and ECE / accuracy in the title. A pure function of
/// the metrics: no I/O, no Foundation; renders in browsers, rsvg-convert and Inkscape.
public enum ReliabilityDiagram {
    /// The SVG text.
    public static func svg(_ metrics: CalibrationMetrics, options: ReliabilityDiagramOptions = .init()) -> String {
        var d = Drawing(metrics: metrics, options: options)
        return d.render()
    }

    /// The SVG as UTF-8 bytes (the `image/svg+xml` body).
    public static func svgBytes(_ metrics: CalibrationMetrics, options: ReliabilityDiagramOptions = .init()) -> [UInt8] {
        Array(svg(metrics, options: options).utf8)
    }
}

private struct Drawing {
    let metrics: CalibrationMetrics
    let options: ReliabilityDiagramOptions
    var out = ""

    let left = 64.0, top = 92.0, right = 24.0, gapBetweenPanels = 22.0, bottomMargin = 48.0
    let accent = "#2b5d8a", accentFill = "#4a7fb5", gapStroke = "#c0392b", gridColour = "#e3e3e3", ink = "#222222"
    let font = "Times New Roman, Times, DejaVu Serif, serif"

    init(metrics: CalibrationMetrics, options: ReliabilityDiagramOptions) {
        self.metrics = metrics
        self.options = options
    }

    var size: Double { options.panelSize }
    var histogramTop: Double { top + size + gapBetweenPanels }
    var width: Double { left + size + right }
    var height: Double { (options.histogramHeight > 0 ? histogramTop + options.histogramHeight : top + size) + bottomMargin }
    func x(_ v: Double) -> Double { left + v * size }
    func y(_ v: Double) -> Double { top + (1 - v) * size }

    /// A bin's drawn extent: the torchmetrics [1, 1] bin gets a sliver ending at 1.
    func extent(_ bin: ReliabilityBin) -> (Double, Double) {
        bin.upper > bin.lower ? (bin.lower, bin.upper) : (Swift.max(0, bin.upper - 0.006), bin.upper)
    }

    mutating func line(_ s: String) { out += s + "\n" }

    mutating func render() -> String {
        line(##"<?xml version="1.0" encoding="UTF-8"?>"##)
        line(##"<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="\##(f(width, 0))" height="\##(f(height, 0))" viewBox="0 0 \##(f(width, 0)) \##(f(height, 0))" font-family="\##(font)" font-size="13" fill="\##(ink)">"##)
        line(##"<defs><pattern id="gap-hatch" patternUnits="userSpaceOnUse" width="5" height="5" patternTransform="rotate(45)"><rect width="5" height="5" fill="\##(gapStroke)" fill-opacity="0.12"/><line x1="0" y1="0" x2="0" y2="5" stroke="\##(gapStroke)" stroke-width="1.6" stroke-opacity="0.8"/></pattern></defs>"##)
        line(##"<rect width="100%" height="100%" fill="#ffffff"/>"##)
        title()
        reliabilityPanel()
        if options.histogramHeight > 0 { histogramPanel() }
        line("</svg>")
        return out
    }

    mutating func title() {
        let text = SVGText.escape(options.title ?? "Reliability diagram")
        line(##"<text x="\##(f(width / 2, 1))" y="24" text-anchor="middle" font-size="16" font-weight="bold">\##(text)</text>"##)
        var parts = [String]()
        if let ece = metrics.ece { parts.append("ECE = \(f(ece, 4))") }
        if let accuracy = metrics.accuracy { parts.append("accuracy = \(f(accuracy, 4))") }
        if let smooth = metrics.smoothECE { parts.append("smECE = \(f(smooth, 4))") }
        parts.append("N = \(grouped(metrics.count))")
        line(##"<text x="\##(f(width / 2, 1))" y="44" text-anchor="middle" font-size="13">\##(parts.joined(separator: "  ·  "))</text>"##)
        let state = metrics.state
        let rule: String
        switch state.edgeRule {
        case .lowerClosed: rule = "bins [lo, hi), the last [lo, 1]"
        case .upperClosed: rule = "bins (lo, hi], the first [0, hi]"
        case .separateOne: rule = "bins [lo, hi), 1.0 in its own bin"
        }
        let binning = state.binning == .equalMass ? "\(metrics.reliability.count) equal-mass bins" : "\(state.bins) equal-width \(rule)"
        line(##"<text x="\##(f(width / 2, 1))" y="60" text-anchor="middle" font-size="11" fill="#666666">\##(binning)</text>"##)
    }

    mutating func axes(yTop: Double, height h: Double, yTicks: [Double], yMax: Double, yLabel: String, tickFormat: (Double) -> String, xLabels: Bool) {
        // Grid and ticks.
        for t in stride(from: 0.0, through: 1.0001, by: 0.2) {
            let gx = x(t)
            line(##"<line x1="\##(f(gx))" y1="\##(f(yTop))" x2="\##(f(gx))" y2="\##(f(yTop + h))" stroke="\##(gridColour)" stroke-width="1"/>"##)
            line(##"<line x1="\##(f(gx))" y1="\##(f(yTop + h))" x2="\##(f(gx))" y2="\##(f(yTop + h + 4))" stroke="\##(ink)" stroke-width="1"/>"##)
            if xLabels { line(##"<text x="\##(f(gx))" y="\##(f(yTop + h + 17))" text-anchor="middle" font-size="12">\##(f(t, 1))</text>"##) }
        }
        for t in yTicks {
            let gy = yTop + h * (1 - t / yMax)
            line(##"<line x1="\##(f(left))" y1="\##(f(gy))" x2="\##(f(left + size))" y2="\##(f(gy))" stroke="\##(gridColour)" stroke-width="1"/>"##)
            line(##"<line x1="\##(f(left - 4))" y1="\##(f(gy))" x2="\##(f(left))" y2="\##(f(gy))" stroke="\##(ink)" stroke-width="1"/>"##)
            line(##"<text x="\##(f(left - 7))" y="\##(f(gy + 4))" text-anchor="end" font-size="12">\##(tickFormat(t))</text>"##)
        }
        let mid = yTop + h / 2
        line(##"<text x="\##(f(left - 44))" y="\##(f(mid))" text-anchor="middle" font-size="14" transform="rotate(-90 \##(f(left - 44)) \##(f(mid)))">\##(yLabel)</text>"##)
    }

    mutating func frame(yTop: Double, height h: Double) {
        line(##"<rect x="\##(f(left))" y="\##(f(yTop))" width="\##(f(size))" height="\##(f(h))" fill="none" stroke="\##(ink)" stroke-width="1.2"/>"##)
    }

    mutating func reliabilityPanel() {
        axes(yTop: top, height: size, yTicks: [0, 0.2, 0.4, 0.6, 0.8, 1.0], yMax: 1, yLabel: "Accuracy", tickFormat: { f($0, 1) },
             xLabels: options.histogramHeight <= 0)
        for bin in metrics.reliability {
            guard bin.count > 0, let accuracy = bin.accuracy, let confidence = bin.meanConfidence else { continue }
            let (lo, hi) = extent(bin)
            let x0 = x(lo) + 0.5, w = Swift.max((hi - lo) * size - 1, 0.8)
            line(##"<rect x="\##(f(x0))" y="\##(f(y(accuracy)))" width="\##(f(w))" height="\##(f(accuracy * size))" fill="\##(accentFill)" stroke="\##(accent)" stroke-width="0.8"><title>[\##(f(bin.lower, 3)), \##(f(bin.upper, 3))]: n = \##(bin.count), accuracy \##(f(accuracy, 3)), confidence \##(f(confidence, 3))</title></rect>"##)
            let (a, b) = (Swift.min(accuracy, confidence), Swift.max(accuracy, confidence))
            if (b - a) * size >= 0.5 {
                line(##"<rect x="\##(f(x0))" y="\##(f(y(b)))" width="\##(f(w))" height="\##(f((b - a) * size))" fill="url(#gap-hatch)" stroke="\##(gapStroke)" stroke-width="0.9"/>"##)
            }
        }
        line(##"<line x1="\##(f(x(0)))" y1="\##(f(y(0)))" x2="\##(f(x(1)))" y2="\##(f(y(1)))" stroke="#555555" stroke-width="1.4" stroke-dasharray="6 4"/>"##)
        frame(yTop: top, height: size)
        legend()
        if options.histogramHeight <= 0 { xAxisLabel(below: top + size) }
    }

    /// A one-row legend between the title and the panel, where no bar can hide it.
    mutating func legend() {
        let ly = top - 20
        var lx = left + size / 2 - 150
        line(##"<line x1="\##(f(lx))" y1="\##(f(ly))" x2="\##(f(lx + 24))" y2="\##(f(ly))" stroke="#555555" stroke-width="1.4" stroke-dasharray="6 4"/>"##)
        line(##"<text x="\##(f(lx + 30))" y="\##(f(ly + 4))" font-size="12">Perfect calibration</text>"##)
        lx += 160
        line(##"<rect x="\##(f(lx))" y="\##(f(ly - 5.5))" width="20" height="11" fill="\##(accentFill)" stroke="\##(accent)" stroke-width="0.8"/>"##)
        line(##"<text x="\##(f(lx + 26))" y="\##(f(ly + 4))" font-size="12">Accuracy</text>"##)
        lx += 88
        line(##"<rect x="\##(f(lx))" y="\##(f(ly - 5.5))" width="20" height="11" fill="url(#gap-hatch)" stroke="\##(gapStroke)" stroke-width="0.9"/>"##)
        line(##"<text x="\##(f(lx + 26))" y="\##(f(ly + 4))" font-size="12">Gap</text>"##)
    }

    mutating func histogramPanel() {
        let h = options.histogramHeight
        let total = Double(Swift.max(metrics.count, 1))
        let largest = metrics.reliability.map { Double($0.count) / total }.max() ?? 0
        let yMax = niceCeiling(Swift.max(largest, 0.01))
        let ticks = [0, yMax / 2, yMax]
        axes(yTop: histogramTop, height: h, yTicks: ticks, yMax: yMax, yLabel: "% of rows", tickFormat: { percent($0) }, xLabels: true)
        for bin in metrics.reliability where bin.count > 0 {
            let (lo, hi) = extent(bin)
            let share = Double(bin.count) / total
            let bh = share / yMax * h
            line(##"<rect x="\##(f(x(lo) + 0.5))" y="\##(f(histogramTop + h - bh))" width="\##(f(Swift.max((hi - lo) * size - 1, 0.8)))" height="\##(f(bh))" fill="#9db4cc" stroke="\##(accent)" stroke-width="0.6"/>"##)
        }
        if let accuracy = metrics.accuracy, let confidence = metrics.meanConfidence {
            let marks: [(Double, String, String)] = [(accuracy, "Accuracy", "6 3"), (confidence, "Avg. confidence", "2 2")]
            // Put the label of the mark further right on the right of its line, the other on the left.
            for (i, (value, label, dash)) in marks.enumerated() {
                let mx = x(value)
                line(##"<line x1="\##(f(mx))" y1="\##(f(histogramTop))" x2="\##(f(mx))" y2="\##(f(histogramTop + h))" stroke="#111111" stroke-width="1.5" stroke-dasharray="\##(dash)"/>"##)
                let rightSide = value >= marks[1 - i].0
                let anchor = rightSide ? "start" : "end"
                let tx = rightSide ? mx + 4 : mx - 4
                line(##"<text x="\##(f(tx))" y="\##(f(histogramTop + 14 + Double(i) * 14))" text-anchor="\##(anchor)" font-size="11" stroke="#ffffff" stroke-width="3" stroke-linejoin="round" paint-order="stroke">\##(label)</text>"##)
            }
        }
        frame(yTop: histogramTop, height: h)
        xAxisLabel(below: histogramTop + h)
    }

    mutating func xAxisLabel(below: Double) {
        line(##"<text x="\##(f(left + size / 2))" y="\##(f(below + 36))" text-anchor="middle" font-size="14">Confidence</text>"##)
    }
}

/// A share as a percentage with at most one decimal ("12.5", "25", "0.5").
private func percent(_ share: Double) -> String {
    let text = f(share * 100, 1)
    return text.hasSuffix(".0") ? String(text.dropLast(2)) : text
}

/// The smallest of 1, 2, 2.5, 5 × 10^k at or above v (axis tops).
private func niceCeiling(_ v: Double) -> Double {
    var scale = 1.0
    while scale > v { scale /= 10 }
    while scale * 10 < v { scale *= 10 }
    for m in [1.0, 2, 2.5, 5, 10] where m * scale >= v { return m * scale }
    return 10 * scale
}

/// `value` with `decimals` digits after the point (no Foundation; round half away from zero).
/// Non-finite values print as "0"; magnitudes whose scaled digits would not fit an exact Int
/// (≥ 2⁵³) print as Swift's shortest text ("1e+20"), which SVG also reads as a number.
func f(_ value: Double, _ decimals: Int = 2) -> String {
    guard value.isFinite else { return "0" }
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let scaled = (Swift.abs(value) * scale).rounded()
    guard scaled < 9_007_199_254_740_992 else { return value.description }
    let negative = value < 0 && scaled > 0
    let integer = Int(scaled / scale)
    var fraction = String(Int(scaled - Double(integer) * scale))
    while fraction.count < decimals { fraction = "0" + fraction }
    return (negative ? "-" : "") + String(integer) + (decimals > 0 ? "." + fraction : "")
}

/// 12,345 style grouping.
private func grouped(_ n: Int) -> String {
    let digits = Array(String(n))
    var result = ""
    for (i, c) in digits.enumerated() {
        if i > 0 && (digits.count - i) % 3 == 0 { result.append(",") }
        result.append(c)
    }
    return result
}
