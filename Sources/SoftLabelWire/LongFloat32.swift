/// The matrix reader's fast path for long decimals, what Python clients send: `json.dumps` of a
/// float32 tensor's `.tolist()` widens each float32 to a double and prints its shortest
/// round-trip form, 16-17 significant digits (`-1.2345678806304932`, `0.37719064950942993`,
/// `1.2345678806304932e-05`). Read here: `-?D{1,7}(.D+)?([eE][+-]?D{1,3})?` with at most 19
/// significant digits (leading zeros of `0.000…` not counted, at most 7 of them), rounded straight
/// to float32 from the decimal, never through a double.
///
/// Digits are read eight bytes at a time as in `CompactFloat32` (`reducedDigits`,
/// `leadingDigitCount`, one SWAR step per eight digits); the significand w < 10^19 < 2^64 is exact.
///
/// Rounding: Eisel-Lemire for binary32 (Lemire, "Number Parsing at a Gigabyte per Second", 2021),
/// with only the high 64 bits of the 128-bit 5^q: the high word of w × 5^q_high is the exact
/// product's high word or one less. Its top 26 bits (24 of mantissa, the rounding bit, one for the
/// product's leading-bit position) are therefore exact unless the 38 bits below them are all ones,
/// when a carry from the dropped part could still reach them: then this path cannot decide and
/// returns nil, and the general reader rounds the number with the full 128-bit product
/// (`FloatParsing.float32`, exact for ≤ 19 digits by Mushtak and Lemire 2023, and strtof past 19).
/// Exact ties (a decimal that is exactly a float32 midpoint, e.g. `1024.00006103515625`, only
/// possible for q in [-17, 10]) round to even by the halfway guard, as in fast_float. Results
/// that would be subnormal, zero from underflow or beyond float32 also go to the general reader
/// (which reports the range error): the fast path only returns normal finite floats, ±0 for a
/// zero significand.
enum LongFloat32 {
    /// The smallest and largest decimal exponent q (value w × 10^q) this path rounds; outside,
    /// every w < 10^19 underflows or overflows float32, which the general reader handles.
    static let smallestExponent = -65
    static let largestExponent = 38
    /// Bytes `scan` may read from its start: sign, 7 integer digits, point, 7 zeros, 19 digits,
    /// `e-ddd` is 40 bytes at most, the last 8-byte load included.
    static let lookahead = 48
    /// The most bytes one number takes (34) with its separator and a leading space.
    static let maximumStep = 36

    /// A long number's float32 value and the byte after it.
    struct Scanned {
        var value: Float
        var next: UnsafePointer<UInt8>
    }

    /// Reads the number at `start` (which must have `lookahead` readable bytes) when it has this
    /// path's form and rounds it, or returns nil: another spelling, more than 19 significant
    /// digits, not a number, a result that is not a normal float32, or a product this path cannot
    /// round (see the type's comment). The general reader then reads (or rejects) it.
    @inline(__always)
    static func scan(_ start: UnsafePointer<UInt8>, _ tables: CompactFloat32.Tables) -> Scanned? {
        let negative = start.pointee == UInt8(ascii: "-")
        let signBit = UInt32(negative ? 1 : 0) &<< 31
        var p = negative ? start + 1 : start
        let integer = reducedDigits(p)
        let integerCount = leadingDigitCount(integer)
        // 1...7 integer digits; a leading zero only alone ("0.5", not "01.5").
        guard UInt(bitPattern: integerCount &- 1) < 7, integer & 0xFF != 0 || integerCount == 1 else { return nil }
        var w = leadingDigitsValue(integer, count: integerCount)
        // Significant digits: a lone integer zero is not one.
        var digits = integer & 0xFF == 0 ? 0 : integerCount
        var fractionDigits = 0
        p += integerCount
        if p.pointee == UInt8(ascii: ".") {
            p += 1
            var chunk = reducedDigits(p)
            if digits == 0 {
                // "0.000123": the zeros only scale the value. A zero digit reduces to a zero byte.
                let zeros = chunk.trailingZeroBitCount &>> 3
                guard zeros < 8 else { return nil }
                fractionDigits = zeros
                p += zeros
                chunk = reducedDigits(p)
            }
            // Python's form has 15-17 fraction digits: two whole chunks of eight and a short third,
            // read without a loop (the branches on "eight digits?" are then predicted per body).
            var count = leadingDigitCount(chunk)
            if count == 8 {
                w = w &* 100_000_000 &+ eightDigitsValue(chunk)
                let second = reducedDigits(p + 8)
                let secondCount = leadingDigitCount(second)
                if secondCount == 8 {
                    w = w &* 100_000_000 &+ eightDigitsValue(second)
                    let third = reducedDigits(p + 16)
                    count = leadingDigitCount(third)
                    // 16 digits so far after the integer's: at most 3 more (19 significant).
                    guard count &+ digits <= 3 else { return nil }
                    w = w &* tables.integer(count) &+ leadingDigitsValue(third, count: count)
                    count &+= 16
                } else {
                    w = w &* tables.integer(secondCount) &+ leadingDigitsValue(second, count: secondCount)
                    count = 8 &+ secondCount
                }
            } else {
                // At least one fraction digit ("1." is not JSON: the general reader says why).
                guard count > 0 || fractionDigits > 0 else { return nil }
                w = w &* tables.integer(count) &+ leadingDigitsValue(chunk, count: count)
            }
            digits &+= count
            guard digits <= maximumSignificantDigits else { return nil }
            fractionDigits &+= count
            p += count
        } else if p.pointee | 0x20 != UInt8(ascii: "e") {
            return nil  // a short integer: the compact path's, or not a number at all
        }
        var exponent = 0
        if _slowPath(p.pointee | 0x20 == UInt8(ascii: "e")) {
            p += 1
            let sign = p.pointee
            let negativeExponent = sign == UInt8(ascii: "-")
            if negativeExponent || sign == UInt8(ascii: "+") { p += 1 }
            let exponentDigits = reducedDigits(p)
            let exponentCount = leadingDigitCount(exponentDigits)
            guard UInt(bitPattern: exponentCount &- 1) < 3 else { return nil }
            exponent = Int(leadingDigitsValue(exponentDigits, count: exponentCount))
            if negativeExponent { exponent = -exponent }
            p += exponentCount
        }
        guard let bits = float32Bits(w, exponent &- fractionDigits, tables) else { return nil }
        return Scanned(value: Float(bitPattern: bits | signBit), next: p)
    }

    /// The bit pattern (without sign) of the float32 nearest w × 10^q, or nil when it is not a
    /// normal finite float32 or the 64-bit product cannot decide (see the type's comment).
    /// Mirrors `eiselLemire(_:_:as:)` for `Binary32`, without the second product.
    @inline(__always)
    static func float32Bits(_ w: UInt64, _ q: Int, _ tables: CompactFloat32.Tables) -> UInt32? {
        if _slowPath(w == 0) { return 0 }
        guard UInt(bitPattern: q &- smallestExponent) <= UInt(largestExponent - smallestExponent) else { return nil }
        let leadingZeros = w.leadingZeroBitCount
        let product = (w &<< UInt64(leadingZeros)).multipliedFullWidth(by: tables.powerOfFive(q))
        // The 38 bits below the 26 that decide: all ones means a carry might still reach them.
        let undecided: UInt64 = (1 << 38) - 1
        guard product.high & undecided != undecided else { return nil }
        let upperBit = Int(product.high &>> 63)
        let shift = upperBit &+ 38
        // 25 bits: the 24 of the result (with the implicit one) and the rounding bit.
        var mantissa = product.high &>> UInt64(shift)
        let power2 = binaryExponent(ofPowerOfTen: q) &+ upperBit &- leadingZeros &+ 127
        // The halfway guard: exactly between two floats (5^|q| small enough to be exact, nothing
        // below the rounding bit dropped): round to even instead of up.
        if _slowPath(product.low <= 1) && q >= -17 && q <= 10 && mantissa & 3 == 1 && (mantissa &<< UInt64(shift)) == product.high {
            mantissa &= ~1
        }
        mantissa = (mantissa &+ (mantissa & 1)) &>> 1
        // The implicit one adds 1 to the exponent field, and a rounding carry into bit 24 (a
        // mantissa of 2^24) adds one more with a zero fraction: both are what IEEE wants.
        let bits = UInt64(bitPattern: Int64(power2 &- 1)) &<< 23 &+ mantissa
        // Normal and finite: power2 ≥ 1 and below the infinite exponent after rounding.
        guard power2 > 0 && bits < 0x7F80_0000 else { return nil }
        return UInt32(truncatingIfNeeded: bits)
    }
}
