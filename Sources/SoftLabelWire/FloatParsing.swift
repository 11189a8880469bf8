import Glibc

/// Decimal → binary conversion of a scanned JSON number, correctly rounded (IEEE 754
/// round-to-nearest, ties to even), straight to the target width: a float32 is never produced by
/// rounding a float64 first (that would round twice).
///
/// Paths, fastest first:
/// 1. float64 only, Clinger: significand ≤ 2^53 and |exponent| ≤ 22 are both exact in a Double,
///    so one IEEE multiply or divide rounds correctly. (For float32 the same test — significand
///    ≤ 2^24, |exponent| ≤ 10 — was measured slower than going straight to Eisel-Lemire on a
///    logits body: about half the logits pass it, so the branch mispredicts, and the divide's
///    latency sits on the critical path. Float32 therefore starts at 2.)
/// 2. Eisel-Lemire with the 128-bit power-of-five table: exact for ≤ 19 significant digits.
/// 3. More than 19 significant digits: Eisel-Lemire on the truncated significand w and on w + 1;
///    when both round to the same float, that is the answer.
/// 4. Otherwise (rare, adversarial input) glibc `strtof`/`strtod`, which round correctly, on a
///    stack copy of the digits written as `DIGITSeEXP` (no decimal point, so no locale dependence).
enum FloatParsing {
    private static let float64PowersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    /// The float32 nearest to the number; ±infinity when it is beyond the float32 range (the
    /// caller reports that), ±0 or a subnormal when it is tiny. `token` is the number's bytes.
    /// Transparent (always inlined): the matrix loop's speed depends on it.
    @_transparent
    static func float32(_ number: DecimalNumber, token: UnsafeBufferPointer<UInt8>) -> Float {
        if _fastPath(!number.truncated) {
            return float32(eiselLemire(number.exponent, number.significand, as: Binary32.self), number.negative)
        }
        return float32Truncated(number, token: token)
    }

    /// The float64 nearest to the number; ±infinity beyond the float64 range.
    @inline(__always)
    static func float64(_ number: DecimalNumber, token: UnsafeBufferPointer<UInt8>) -> Double {
        if !number.truncated {
            if number.significand <= 1 << 53 && number.exponent >= -22 && number.exponent <= 22 {
                var value = Double(number.significand)
                if number.exponent < 0 {
                    value /= float64PowersOfTen[-number.exponent]
                } else {
                    value *= float64PowersOfTen[number.exponent]
                }
                return number.negative ? -value : value
            }
            return float64(eiselLemire(number.exponent, number.significand, as: Binary64.self), number.negative)
        }
        return float64Truncated(number, token: token)
    }

    @inline(__always)
    private static func float32(_ m: AdjustedMantissa, _ negative: Bool) -> Float {
        let bits = UInt32(truncatingIfNeeded: m.mantissa) | UInt32(truncatingIfNeeded: m.power2) << 23
        return Float(bitPattern: bits | (negative ? 0x8000_0000 : 0))
    }

    @inline(__always)
    private static func float64(_ m: AdjustedMantissa, _ negative: Bool) -> Double {
        let bits = m.mantissa | UInt64(truncatingIfNeeded: m.power2) << 52
        return Double(bitPattern: bits | (negative ? 0x8000_0000_0000_0000 : 0))
    }

    @inline(never)
    private static func float32Truncated(_ number: DecimalNumber, token: UnsafeBufferPointer<UInt8>) -> Float {
        let low = eiselLemire(number.exponent, number.significand, as: Binary32.self)
        let high = eiselLemire(number.exponent, number.significand + 1, as: Binary32.self)
        if low == high { return float32(low, number.negative) }
        return withCanonicalToken(token) { strtof($0, nil) }
    }

    @inline(never)
    private static func float64Truncated(_ number: DecimalNumber, token: UnsafeBufferPointer<UInt8>) -> Double {
        let low = eiselLemire(number.exponent, number.significand, as: Binary64.self)
        let high = eiselLemire(number.exponent, number.significand + 1, as: Binary64.self)
        if low == high { return float64(low, number.negative) }
        return withCanonicalToken(token) { strtod($0, nil) }
    }

    /// Calls `body` with the token rewritten as a NUL-terminated `-DIGITSeEXP`: every digit kept
    /// (so the value is exact), the decimal point folded into the exponent. strtof/strtod then read
    /// it the same way in every locale.
    static func withCanonicalToken<T>(_ token: UnsafeBufferPointer<UInt8>, _ body: (UnsafePointer<CChar>) -> T) -> T {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: token.count + 24) { buffer in
            var length = 0
            var fractionDigits = 0
            var exponent = 0
            var inFraction = false
            var index = 0
            while index < token.count {
                let byte = token[index]
                if byte == UInt8(ascii: "-") {
                    buffer[length] = CChar(bitPattern: byte); length += 1
                } else if byte == UInt8(ascii: ".") {
                    inFraction = true
                } else if isDigit(byte) {
                    buffer[length] = CChar(bitPattern: byte); length += 1
                    if inFraction { fractionDigits += 1 }
                } else {
                    // 'e' or 'E': the rest is the (already validated) exponent.
                    index += 1
                    var negative = false
                    if token[index] == UInt8(ascii: "-") || token[index] == UInt8(ascii: "+") {
                        negative = token[index] == UInt8(ascii: "-")
                        index += 1
                    }
                    while index < token.count {
                        if exponent < 1 << 50 { exponent = exponent * 10 + Int(token[index] &- UInt8(ascii: "0")) }
                        index += 1
                    }
                    if negative { exponent = -exponent }
                    break
                }
                index += 1
            }
            // |scaled| < 2^51: glibc reads exponents that large correctly (to 0 or infinity).
            let scaled = exponent - fractionDigits
            buffer[length] = CChar(bitPattern: UInt8(ascii: "e")); length += 1
            for byte in String(scaled).utf8 { buffer[length] = CChar(bitPattern: byte); length += 1 }
            buffer[length] = 0
            return body(UnsafePointer(buffer.baseAddress!))
        }
    }
}
