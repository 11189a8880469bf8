/// The projection diagram of `/v1/projection-diagram` as a standalone SVG 1.1 document, after
/// Müller, Kornblith & Hinton 2019 (Fig. 1): penultimate-layer features of three classes in the
/// plane through their templates (`TemplateProjection`), one colour per class (Okabe–Ito, safe for
/// colour-blind readers), each template marked with a large outlined diamond in its class colour
/// and labelled, equal scales on both axes (distances and angles are those of the plane), and a
/// legend with each class's count. A pure function of the projection, in the house style of
/// `ReliabilityDiagram`: no I/O, no Foundation; renders in browsers, rsvg-convert and Inkscape.
public enum ProjectionDiagram {
    /// The SVG text.
    public static func svg(_ projection: TemplateProjection, title: String? = nil) -> String {
        var d = ProjectionDrawing(projection: projection, title: title)
        return d.render()
    }

    /// The SVG as UTF-8 bytes (the `image/svg+xml` body).
    public static func svgBytes(_ projection: TemplateProjection, title: String? = nil) -> [UInt8] {
        Array(svg(projection, title: title).utf8)
    }
}

private struct ProjectionDrawing {
    let projection: TemplateProjection
    let title: String?
    var out = ""

    let left = 64.0, top = 92.0, size = 420.0, right = 24.0, bottomMargin = 56.0
    let colours = ["#0072B2", "#D55E00", "#009E73"]
    let gridColour = "#e3e3e3", ink = "#222222"
    let font = "Times New Roman, Times, DejaVu Serif, serif"

    /// The data window: one square (equal scales) around every point and template, padded 6 %.
    let xMin: Double, yMin: Double, span: Double

    init(projection: TemplateProjection, title: String?) {
        self.projection = projection
        self.title = title
        let all = projection.points + projection.templates
        let xs = all.map(\.0).filter(\.isFinite), ys = all.map(\.1).filter(\.isFinite)
        let (x0, x1) = (xs.min() ?? -1, xs.max() ?? 1), (y0, y1) = (ys.min() ?? -1, ys.max() ?? 1)
        let raw = Swift.max(x1 - x0, y1 - y0, 1e-12)
        span = raw * 1.12
        xMin = (x0 + x1) / 2 - span / 2
        yMin = (y0 + y1) / 2 - span / 2
    }

    var width: Double { left + size + right }
    var height: Double { top + size + bottomMargin }
    func x(_ v: Double) -> Double { left + (v - xMin) / span * size }
    func y(_ v: Double) -> Double { top + (1 - (v - yMin) / span) * size }

    mutating func line(_ s: String) { out += s + "\n" }

    mutating func render() -> String {
        line(##"<?xml version="1.0" encoding="UTF-8"?>"##)
        line(##"<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="\##(f(width, 0))" height="\##(f(height, 0))" viewBox="0 0 \##(f(width, 0)) \##(f(height, 0))" font-family="\##(font)" font-size="13" fill="\##(ink)">"##)
        line(##"<rect width="100%" height="100%" fill="#ffffff"/>"##)
        line(##"<text x="\##(f(width / 2, 1))" y="24" text-anchor="middle" font-size="16" font-weight="bold">\##(SVGText.escape(title ?? "Penultimate-layer features in the template plane"))</text>"##)
        let c = projection.classes
        line(##"<text x="\##(f(width / 2, 1))" y="44" text-anchor="middle" font-size="13">classes \##(c[0]), \##(c[1]), \##(c[2])  ·  N = \##(projection.points.count)</text>"##)
        line(##"<text x="\##(f(width / 2, 1))" y="60" text-anchor="middle" font-size="11" fill="#666666">plane through w_\##(c[0]), w_\##(c[1]), w_\##(c[2]) (Müller et al. 2019, Fig. 1); equal scales</text>"##)
        axes()
        templates()
        points()
        templateLabels()
        line(##"<rect x="\##(f(left))" y="\##(f(top))" width="\##(f(size))" height="\##(f(size))" fill="none" stroke="\##(ink)" stroke-width="1.2"/>"##)
        legend()
        line("</svg>")
        return out
    }

    mutating func axes() {
        let step = niceStep(span / 5)
        let decimals = Swift.max(0, Int((-log10Floor(step)).rounded(.up)))
        for (isX, low) in [(true, xMin), (false, yMin)] {
            var t = (low / step).rounded(.up) * step
            while t <= low + span {
                if isX {
                    let gx = x(t)
                    line(##"<line x1="\##(f(gx))" y1="\##(f(top))" x2="\##(f(gx))" y2="\##(f(top + size))" stroke="\##(gridColour)" stroke-width="1"/>"##)
                    line(##"<text x="\##(f(gx))" y="\##(f(top + size + 17))" text-anchor="middle" font-size="12">\##(f(t, decimals))</text>"##)
                } else {
                    let gy = y(t)
                    line(##"<line x1="\##(f(left))" y1="\##(f(gy))" x2="\##(f(left + size))" y2="\##(f(gy))" stroke="\##(gridColour)" stroke-width="1"/>"##)
                    line(##"<text x="\##(f(left - 7))" y="\##(f(gy + 4))" text-anchor="end" font-size="12">\##(f(t, decimals))</text>"##)
                }
                t += step
            }
        }
        let c = projection.classes
        line(##"<text x="\##(f(left + size / 2))" y="\##(f(top + size + 40))" text-anchor="middle" font-size="14">along w_\##(c[1]) − w_\##(c[0])</text>"##)
        let mid = top + size / 2
        line(##"<text x="\##(f(left - 46))" y="\##(f(mid))" text-anchor="middle" font-size="14" transform="rotate(-90 \##(f(left - 46)) \##(f(mid)))">toward w_\##(c[2]), orthogonal</text>"##)
    }

    mutating func points() {
        for (p, label) in zip(projection.points, projection.labels) {
            guard let i = projection.classes.firstIndex(of: label) else { continue }
            line(##"<circle cx="\##(f(x(p.0)))" cy="\##(f(y(p.1)))" r="2.6" fill="\##(colours[i])" fill-opacity="0.55"/>"##)
        }
    }

    /// The template diamonds go under the points (translucent, so a cluster on its template shows).
    mutating func templates() {
        for (i, t) in projection.templates.enumerated() {
            let (cx, cy) = (x(t.0), y(t.1))
            let r = 10.0
            line(##"<path d="M \##(f(cx)) \##(f(cy - r)) L \##(f(cx + r)) \##(f(cy)) L \##(f(cx)) \##(f(cy + r)) L \##(f(cx - r)) \##(f(cy)) Z" fill="\##(colours[i])" fill-opacity="0.25" stroke="#111111" stroke-width="1.8"><title>template w_\##(projection.classes[i]) at (\##(f(t.0, 3)), \##(f(t.1, 3)))</title></path>"##)
        }
    }

    /// Each template's name beside it, on the side away from the panel's nearer edge, over the points.
    mutating func templateLabels() {
        for (i, t) in projection.templates.enumerated() {
            let (cx, cy) = (x(t.0), y(t.1))
            let rightHalf = cx > left + size / 2
            let (tx, anchor) = rightHalf ? (cx - 13, "end") : (cx + 13, "start")
            let ty = cy < top + 24 ? cy + 22 : cy - 9
            line(##"<text x="\##(f(tx))" y="\##(f(ty))" text-anchor="\##(anchor)" font-size="13" font-weight="bold" stroke="#ffffff" stroke-width="3" stroke-linejoin="round" paint-order="stroke">w_\##(projection.classes[i])</text>"##)
        }
    }

    /// One row between the title and the panel: a dot per class with its count, and the marker.
    mutating func legend() {
        let ly = top - 20
        var lx = left + 10
        for (i, c) in projection.classes.enumerated() {
            let n = projection.labels.reduce(0) { $0 + ($1 == c ? 1 : 0) }
            line(##"<circle cx="\##(f(lx + 5))" cy="\##(f(ly))" r="5" fill="\##(colours[i])" fill-opacity="0.8"/>"##)
            line(##"<text x="\##(f(lx + 15))" y="\##(f(ly + 4))" font-size="12">class \##(c) (n = \##(n))</text>"##)
            lx += 112
        }
        line(##"<path d="M \##(f(lx + 5)) \##(f(ly - 7)) L \##(f(lx + 12)) \##(f(ly)) L \##(f(lx + 5)) \##(f(ly + 7)) L \##(f(lx - 2)) \##(f(ly)) Z" fill="#888888" fill-opacity="0.25" stroke="#111111" stroke-width="1.6"/>"##)
        line(##"<text x="\##(f(lx + 17))" y="\##(f(ly + 4))" font-size="12">template</text>"##)
    }
}

/// 1, 2 or 5 × 10^k at or above v (tick spacing).
private func niceStep(_ v: Double) -> Double {
    var scale = 1.0
    while scale > v { scale /= 10 }
    while scale * 10 <= v { scale *= 10 }
    for m in [1.0, 2, 5, 10] where m * scale >= v { return m * scale }
    return 10 * scale
}

/// ⌊log10 v⌋ for v > 0, without libm.
private func log10Floor(_ v: Double) -> Double {
    var e = 0.0, x = v
    while x >= 10 { x /= 10; e += 1 }
    while x < 1 { x *= 10; e -= 1 }
    return e
}
