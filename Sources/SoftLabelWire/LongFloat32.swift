/// The matrix reader's fast path for long decimals, what Python clients send: `json.dumps` of a
/// float32 tensor's `.tolist()` widens each float32 to a double and prints its shortest
/// round-trip form, 16-17 significant digits (`-1.2345678806304932`, `0.37719064950942993`,
/// `1.2345678806304932e-05`). Read here: `-?D{1,7}(.D+)?([eE][+-]?D{1,3})?` with at most 19
/// significant digits (leading zeros of `0.000…` not counted, at most 7 of them), rounded straight
/// to float32 from the decimal, never through a double.
///
/// Digits are read eight bytes at a time as in `CompactFloat32` (`reducedDigits`,
/// `leadingDigitCount`, one SWAR step per eight digits); the significand w < 10^19 < 2^64 is exact.
/// On x86-64-v3 builds (`SOFTLABEL_AVX2`) Python's shape, one integer digit and a fraction, has
/// its fraction found and converted in one 32-byte step instead (`FractionDigitsAVX2`: ~130
/// instructions per number in the row loop instead of ~207).
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
    ///
    /// Python's own shape, one integer digit and 8-24 fraction digits (`-1.2345678806304932`,
    /// `0.0596310347318649`, `1.2345678806304932e-05`), is read without branching on how many
    /// digits there are: after `0.` up to seven zeros are skipped by a conditional move, and the
    /// digits after the first eight are taken from two more words with shifts. (A branch on "a
    /// third word?" mispredicts for the one number in seven that has 16 digits, not 17; one on
    /// "after 0.?" for the quarter of logits below 1.) Other shapes take `scanAnyShape`.
    @inline(__always)
    static func scan(_ start: UnsafePointer<UInt8>, _ tables: CompactFloat32.Tables) -> Scanned? {
        let negative = start.pointee == UInt8(ascii: "-")
        let signBit = UInt32(negative ? 1 : 0) &<< 31
        let p = negative ? start + 1 : start
        let lead = p.pointee &- UInt8(ascii: "0")
        #if SOFTLABEL_AVX2
        if _fastPath(lead < 10 && p[1] == UInt8(ascii: ".")) {
            // All fraction digits at once (`FractionDigitsAVX2`), zeros after "0." included: at
            // most 18 after a nonzero lead, 19 after a zero one, so w < 10^19 either way.
            let f = p + 2
            let (count, reduced) = FractionDigitsAVX2.run(f)
            let limit = lead == 0 ? FractionDigitsAVX2.largestRun : FractionDigitsAVX2.largestRun - 1
            if _fastPath(UInt(bitPattern: count &- 1) < UInt(bitPattern: limit)) {
                let digits = FractionDigitsAVX2.convert(reduced, count: count, controls: tables.fractionControls)
                let tailCount = Swift.max(count &- 16, 0)
                // The first 16 digits as a 16-digit number (zeros after a shorter run), then the tail.
                let w = (UInt64(lead) &* 10_000_000_000_000_000 &+ digits.head) &* tables.integer(tailCount) &+ digits.tail
                var next = f + count
                var exponent = 0
                if _slowPath(next.pointee | 0x20 == UInt8(ascii: "e")) {
                    guard let e = scanExponent(&next) else { return nil }
                    exponent = e
                }
                guard let bits = float32Bits(w, exponent &- 16 &- tailCount, tables) else { return nil }
                return Scanned(value: Float(bitPattern: bits | signBit), next: next)
            }
        }
        #else
        if _fastPath(lead < 10 && p[1] == UInt8(ascii: ".")) {
            let afterPoint = reducedDigits(p + 2)
            // Zeros after "0." only scale the value (a zero digit reduces to a zero byte); at most
            // seven are skipped, and any more are read as digits of w (w's value is the same).
            let zeros = lead == 0 ? Swift.min(afterPoint.trailingZeroBitCount &>> 3, 7) : 0
            let f = p + 2 + zeros
            let first = reducedDigits(f)
            if _fastPath(isEightDigits(first)) {
                let second = reducedDigits(f + 8)
                let secondCount = leadingDigitCount(second)
                let third = reducedDigits(f + 16)
                // The third word counts only after eight digits in the second.
                let thirdCount = secondCount == 8 ? leadingDigitCount(third) : 0
                // At most 19 significant digits: the lead (unless 0), then 8 + second + third.
                let significant = (lead == 0 ? 0 : 1) &+ 8 &+ secondCount &+ thirdCount
                if _fastPath(significant <= maximumSignificantDigits) {
                    var w = UInt64(lead) &* 100_000_000 &+ eightDigitsValue(first)
                    w = w &* tables.integer(secondCount) &+ firstDigitsValue(second, secondCount)
                    w = w &* tables.integer(thirdCount) &+ firstDigitsValue(third, thirdCount)
                    let fractionDigits = zeros &+ 8 &+ secondCount &+ thirdCount
                    var next = f + 8 + secondCount + thirdCount
                    var exponent = 0
                    if _slowPath(next.pointee | 0x20 == UInt8(ascii: "e")) {
                        guard let e = scanExponent(&next) else { return nil }
                        exponent = e
                    }
                    guard let bits = float32Bits(w, exponent &- fractionDigits, tables) else { return nil }
                    return Scanned(value: Float(bitPattern: bits | signBit), next: next)
                }
                return nil  // more than 19 significant digits: the general reader's
            }
        }
        #endif
        return scanAnyShape(start, tables)
    }

    /// True when all eight reduced bytes are digits.
    @inline(__always)
    static func isEightDigits(_ reduced: UInt64) -> Bool {
        ((reduced &+ 0x7676_7676_7676_7676) | reduced) & 0x8080_8080_8080_8080 == 0
    }

    /// The value of the first `count` (0...8) of eight reduced digits, without a branch on 0: two
    /// shifts of 32 - 4 × count bits each move them to the top (and a count of 0 shifts all out).
    @inline(__always)
    static func firstDigitsValue(_ reduced: UInt64, _ count: Int) -> UInt64 {
        let half = UInt64(32 &- (count &<< 2))
        return eightDigitsValue((reduced &<< half) &<< half)
    }

    /// Reads `e`/`E`, an optional sign and 1-3 digits at `p` (which is at the `e`), moving `p`
    /// past them; nil for any other exponent (the general reader's).
    @inline(__always)
    static func scanExponent(_ p: inout UnsafePointer<UInt8>) -> Int? {
        p += 1
        let sign = p.pointee
        let negative = sign == UInt8(ascii: "-")
        if negative || sign == UInt8(ascii: "+") { p += 1 }
        let digits = reducedDigits(p)
        let count = leadingDigitCount(digits)
        guard UInt(bitPattern: count &- 1) < 3 else { return nil }
        let value = Int(leadingDigitsValue(digits, count: count))
        p += count
        return negative ? -value : value
    }

    /// `scan` for every other shape: 1-7 integer digits, up to 19 significant digits in all.
    @inline(never)
    static func scanAnyShape(_ start: UnsafePointer<UInt8>, _ tables: CompactFloat32.Tables) -> Scanned? {
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
        if p.pointee | 0x20 == UInt8(ascii: "e") {
            guard let e = scanExponent(&p) else { return nil }
            exponent = e
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
