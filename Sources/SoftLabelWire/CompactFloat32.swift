/// The common spelling of a logit, `-?D{1,7}(.D{1,15})?` with at most 15 digits in all and no
/// exponent, read into the nearest float32 without bounds checks, Eisel-Lemire or a table of
/// 128-bit powers: the matrix reader's fast path (what Python's `repr`, numpy, orjson and
/// `JSON.stringify` print for float32 values between 1e-4 and 1e7).
///
/// Digits: the integer part and then the fraction are each loaded eight bytes at a time, reduced
/// to digit values and converted with one SWAR step (`eightDigitsValue`), as in `consumeDigits`;
/// a single integer digit (|x| < 10) is a byte. Rows are read in one loop (`scanRow`) that
/// checks the body's end once per number instead of at every byte.
///
/// Measured on the 2.7 MB `loss_256_1000` body (one core): the reader went from 506 to ~890 MB/s.
/// The loop is bound by instructions (~55 per number), not by latency (one bounds comparison per
/// number, the sign or-ed in rather than branched on: +13 % and +5 %): dividing instead of
/// multiplying costs nothing measurable, and predicting each number's extent from its bytes (to
/// break the chain from one number's end to the next one's start) gained nothing.
///
/// Rounding: the significand w < 10^15 < 2^53 and 10^f with f ≤ 15 are both exact doubles, so
/// d = w / 10^f is the correctly rounded double of the decimal x (Clinger, "How to Read Floating
/// Point Numbers Accurately", PLDI 1990). Rounding d again to float32 gives the float32 nearest x
/// unless d is itself a float32 midpoint (its 29 dropped bits are exactly 1 followed by zeros):
/// were a float32 rounding boundary strictly between x and d, that boundary (25 significant
/// bits, so a double) would be nearer x than d is. Only in that case (about one value in 2^29)
/// is the caller asked to take the general path, which rounds once (`FloatParsing.float32`).
enum CompactFloat32 {
    /// Bytes `scanDecimal` may read at and after its start: with fewer left, the general path reads.
    static let lookahead = 32
    /// The most bytes one number takes in `scanRow`: a space, a sign, 15 digits, the point and the
    /// separator.
    static let maximumStep = 19

    /// Powers of ten as UInt64 (for shifting the significand) and as exact Doubles, 10^0...10^15,
    /// then for `LongFloat32` the high 64 bits of the 128-bit 5^q of `EiselLemireTable` for q in
    /// [`LongFloat32.smallestExponent`, `LongFloat32.largestExponent`], then (AVX2 builds) the
    /// `vpshufb` controls of `FractionDigitsAVX2`.
    // Written once at initialisation, only read after: safe to share between threads.
    nonisolated(unsafe) private static let tables: UnsafePointer<UInt64> = {
        let powers = LongFloat32.largestExponent - LongFloat32.smallestExponent + 1
        let table = UnsafeMutablePointer<UInt64>.allocate(capacity: 32 + powers + controlWords)
        var power: UInt64 = 1
        for n in 0..<16 {
            table[n] = power
            table[16 + n] = Double(power).bitPattern
            power *= 10
        }
        for i in 0..<powers {
            let q = LongFloat32.smallestExponent + i
            table[32 + i] = EiselLemireTable.powersOfFive[2 * (q - EiselLemireTable.smallestPowerOfFive)]
        }
        #if SOFTLABEL_AVX2
        FractionDigitsAVX2.writeControls(UnsafeMutableRawPointer(table + 32 + powers))
        #endif
        return UnsafePointer(table)
    }()

    #if SOFTLABEL_AVX2
    private static let controlWords = (FractionDigitsAVX2.largestRun + 1) * FractionDigitsAVX2.rowBytes / 8
    #else
    private static let controlWords = 0
    #endif

    /// The tables, fetched once per matrix (a global's lazy initialisation check stays out of the
    /// per-number loop).
    struct Tables {
        fileprivate let base: UnsafePointer<UInt64>
        @inline(__always) func integer(_ n: Int) -> UInt64 { base[n] }
        @inline(__always) fileprivate func double(_ n: Int) -> Double { Double(bitPattern: base[16 &+ n]) }
        /// The high 64 bits of 5^q, q in [`LongFloat32.smallestExponent`, `LongFloat32.largestExponent`].
        @inline(__always) func powerOfFive(_ q: Int) -> UInt64 { base[32 &+ q &- LongFloat32.smallestExponent] }
        #if SOFTLABEL_AVX2
        /// `FractionDigitsAVX2`'s shuffle controls, after the powers of five.
        @inline(__always) var fractionControls: UnsafeRawPointer {
            UnsafeRawPointer(base + 33 + LongFloat32.largestExponent - LongFloat32.smallestExponent)
        }
        #endif
    }

    static var sharedTables: Tables { Tables(base: tables) }

    /// `leadingDigitsValue` for a count known to be 1...7: a masking shift, without the
    /// overshift check a count of 0 would need.
    @inline(__always)
    private static func value(ofFirstFew count: Int, _ reduced: UInt64) -> UInt64 {
        eightDigitsValue(reduced &<< UInt64((8 &- count) &<< 3))
    }

    /// A compact number's decimal value `significand / 10^fractionDigits`, its sign, and the byte after it.
    struct Decimal {
        var significand: UInt64
        var fractionDigits: Int
        /// 0x8000_0000 for a leading '-', else 0: or-ed into the float's bits, since a branch on
        /// the sign mispredicts on half of all logits.
        var signBit: UInt32
        var next: UnsafePointer<UInt8>
    }

    /// Reads the compact number at `start` (which must have `lookahead` readable bytes), or
    /// returns nil when the bytes there are not one (another spelling, or not a number at all):
    /// the caller then reads them with the general scanner, which accepts or rejects them by
    /// RFC 8259. What follows the number (`next`) is the caller's to check: `1.5e3` is read as
    /// `1.5` followed by `e`.
    ///
    /// One integer digit (|x| < 10, nearly every logit) is tested first: then the integer part
    /// is a byte and the fraction one SWAR step (two for 9-15 fraction digits).
    @inline(__always)
    static func scanDecimal(_ start: UnsafePointer<UInt8>, _ tables: Tables) -> Decimal? {
        let negative = start.pointee == UInt8(ascii: "-")
        let signBit = UInt32(negative ? 1 : 0) &<< 31
        var p = negative ? start + 1 : start
        var significand: UInt64
        var integerCount = 1
        let lead = p.pointee &- UInt8(ascii: "0")
        if lead < 10 && p[1] == UInt8(ascii: ".") {
            significand = UInt64(lead)
            p += 1
        } else {
            let integer = reducedDigits(p)
            integerCount = leadingDigitCount(integer)
            // 1...7 integer digits; a leading zero only alone ("0.5", not "01.5").
            guard UInt(bitPattern: integerCount &- 1) < 7, integer & 0xFF != 0 || integerCount == 1 else { return nil }
            significand = leadingDigitsValue(integer, count: integerCount)
            p += integerCount
            guard p.pointee == UInt8(ascii: ".") else {
                return Decimal(significand: significand, fractionDigits: 0, signBit: signBit, next: p)
            }
        }
        // p is at the '.'. With ≤ 7 integer digits and ≤ 7 fraction digits the total is ≤ 14.
        let fraction = reducedDigits(p + 1)
        let fractionCount = leadingDigitCount(fraction)
        if UInt(bitPattern: fractionCount &- 1) < 7 {
            significand = significand &* tables.integer(fractionCount) &+ value(ofFirstFew: fractionCount, fraction)
            return Decimal(significand: significand, fractionDigits: fractionCount, signBit: signBit, next: p + 1 + fractionCount)
        }
        // No fraction digit ("1."): not a JSON number; the general reader says why. 8 or more
        // fraction digits only after one integer digit: 1 + 8 + at most 6 more = 15 digits.
        guard fractionCount == 8, integerCount == 1 else { return nil }
        let more = reducedDigits(p + 9)
        let moreCount = leadingDigitCount(more)
        guard moreCount < 7 else { return nil }
        significand = (significand &* 100_000_000 &+ eightDigitsValue(fraction)) &* tables.integer(moreCount)
            &+ leadingDigitsValue(more, count: moreCount)
        return Decimal(significand: significand, fractionDigits: 8 &+ moreCount, signBit: signBit, next: p + 9 + moreCount)
    }

    /// The float32 nearest `decimal`, or nil when the double quotient is a float32 midpoint (see
    /// the type's comment): then the general reader rounds it once, exactly.
    @inline(__always)
    static func float32(_ decimal: Decimal, _ tables: Tables) -> Float? {
        let quotient = Double(Int64(bitPattern: decimal.significand)) / tables.double(decimal.fractionDigits)
        guard quotient.bitPattern & 0x1FFF_FFFF != 0x1000_0000 else { return nil }
        return Float(bitPattern: Float(quotient).bitPattern | decimal.signBit)
    }
}

extension CompactFloat32 {
    /// What `scanRow` read: `count` values stored, the position after them, and whether that
    /// position is past the row's closing `]`.
    struct RowProgress {
        var count: Int
        var position: UnsafePointer<UInt8>
        var closed: Bool
    }

    /// Bytes readable at a number's start for `scanRow` to read it: the larger of the two paths'.
    static let rowLookahead = Swift.max(lookahead, LongFloat32.lookahead)
    /// The most bytes one number takes in `scanRow` with its separator and a leading space.
    static let rowStep = Swift.max(maximumStep, LongFloat32.maximumStep)

    /// Reads numbers separated by `,` (each optionally preceded by one space, as Python's
    /// `json.dumps` writes them) from `start` into `out`, until the row's `]` (consumed), `room`
    /// values, fewer than `rowLookahead` bytes before `end`, or anything else: a number in another
    /// spelling, whitespace before a separator, an error. Then `position` is at the start of the
    /// value it did not take or at whitespace before it, and the general reader goes on from there.
    ///
    /// Each number is tried as a compact one (`scanDecimal`) and as a long one (`LongFloat32.scan`,
    /// Python's 17-digit form), in the order that read the one before it; a compact number
    /// followed by an exponent is read again as a long one.
    @inline(__always)
    static func scanRow(
        _ start: UnsafePointer<UInt8>, _ end: UnsafePointer<UInt8>, into out: UnsafeMutablePointer<Float>, room: Int,
        _ tables: Tables
    ) -> RowProgress {
        var s = start
        var count = 0
        // After a long number the next one is tried as a long one first: a body is written in one
        // form, and a compact scan of a long number costs a third of the long scan before failing.
        var longFirst = false
        while true {
            // A number with its separator and one space takes at most `rowStep` bytes, so this
            // many more can be read before the lookahead has to be checked again: the inner loop
            // compares once per number instead of twice.
            let ahead = end - s - rowLookahead
            guard ahead >= 0 else { break }
            let stop = count + Swift.min(room - count, ahead / rowStep + 1)
            guard stop > count else { break }
            while count < stop {
                if _slowPath(s.pointee == UInt8(ascii: " ")) { s += 1 }
                var next: UnsafePointer<UInt8>
                if !longFirst, let decimal = scanDecimal(s, tables), let value = float32(decimal, tables) {
                    out[count] = value
                    next = decimal.next
                } else if let long = LongFloat32.scan(s, tables) {
                    out[count] = long.value
                    next = long.next
                    longFirst = true
                } else if longFirst, let decimal = scanDecimal(s, tables), let value = float32(decimal, tables) {
                    out[count] = value
                    next = decimal.next
                    longFirst = false
                } else {
                    return RowProgress(count: count, position: s, closed: false)
                }
                var separator = next.pointee
                if _fastPath(separator == UInt8(ascii: ",")) {
                    count &+= 1
                    s = next + 1
                    continue
                }
                if separator | 0x20 == UInt8(ascii: "e"), let long = LongFloat32.scan(s, tables) {
                    // A compact mantissa with an exponent ("1.5e-05"): read again as a whole.
                    out[count] = long.value
                    next = long.next
                    separator = next.pointee
                    if separator == UInt8(ascii: ",") {
                        count &+= 1
                        s = next + 1
                        continue
                    }
                }
                if separator == UInt8(ascii: "]") {
                    return RowProgress(count: count &+ 1, position: next + 1, closed: true)
                }
                // The row's end, or whitespace or something wrong after the number.
                return RowProgress(count: count, position: s, closed: false)
            }
        }
        return RowProgress(count: count, position: s, closed: false)
    }
}
