/// A coverage c of `risk_at_coverage` (docs/api.md, "selective"): its response key and the
/// exact number of rows m = max(1, ⌈c·N⌉) it keeps.
///
/// c is read as the shortest decimal that reads back to the same double (what the client wrote,
/// e.g. 0.9), d/10^s with integers d and s, so c·N = d·N/10^s is taken exactly: 0.9 × 100 keeps
/// 90 rows, not ⌈90.00000000000001⌉ = 91. The key is that decimal in positional notation with
/// at least one digit after the point: "0.5", "0.95", "1.0", "0.00001" (never "1e-05").
public struct CoverageLevel: Sendable, Equatable {
    public let value: Double
    /// The decimal digits d (no sign, no point) and the power s of c = d/10^s.
    let digits: UInt64
    let scale: Int
    public let key: String

    /// c in (0, 1] (checked by the caller).
    public init(_ c: Double) {
        precondition(c > 0 && c <= 1)
        value = c
        // Swift's description is the shortest round-trip text: "0.95", "1.0", "1e-05", "5.5e-07".
        let text = c.description
        var mantissa = text
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = String(text[..<e])
            exponent = Int(text[text.index(after: e)...])!
        }
        let parts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
        let whole = String(parts[0])
        var fraction = parts.count > 1 ? String(parts[1]) : ""
        while fraction.hasSuffix("0") { fraction.removeLast() }
        var allDigits = whole + fraction
        // Leading zeros carry no value; a double has at most 17 significant digits, so d < 10^17.
        while allDigits.count > 1 && allDigits.hasPrefix("0") { allDigits.removeFirst() }
        digits = UInt64(allDigits)!
        // c ≤ 1, so s ≥ 0 (c = 1 is "1.0": d = 1, s = 0).
        scale = Swift.max(fraction.count - exponent, 0)
        // Positional key: d with the point s digits from the right, at least "0.x".
        var body = String(digits)
        if scale >= body.count { body = String(repeating: "0", count: scale - body.count + 1) + body }
        let point = body.index(body.endIndex, offsetBy: -scale)
        let integerPart = String(body[..<point])
        let fractionPart = String(body[point...])
        key = integerPart + "." + (fractionPart.isEmpty ? "0" : fractionPart)
    }

    /// m = max(1, ⌈c·N⌉) with c·N = d·N/10^s in exact integer arithmetic: d·N < 2^57·2^63 fits
    /// 128 bits, then s exact divisions by 10 that remember whether anything was cut off.
    public func rows(of n: Int) -> Int {
        precondition(n >= 0)
        var product = UInt128(digits) * UInt128(n)
        var inexact = false
        for _ in 0..<scale {
            if product == 0 { break }
            if product % 10 != 0 { inexact = true }
            product /= 10
        }
        return Swift.max(1, Int(product) + (inexact ? 1 : 0))
    }
}
