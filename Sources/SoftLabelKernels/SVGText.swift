/// Text for the SVG the diagrams write.
enum SVGText {
    /// XML text escaping (`&`, `<`, `>`, `"`), for labels and titles inside elements and attributes.
    static func escape(_ s: String) -> String {
        var r = ""
        for c in s {
            switch c {
            case "&": r += "&amp;"
            case "<": r += "&lt;"
            case ">": r += "&gt;"
            case "\"": r += "&quot;"
            default: r.append(c)
            }
        }
        return r
    }
}
