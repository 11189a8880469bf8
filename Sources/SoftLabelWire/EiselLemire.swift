/// The parameters of an IEEE 754 binary format that the Eisel-Lemire algorithm needs
/// (Lemire, "Number Parsing at a Gigabyte per Second", Software: Practice and Experience 2021;
/// constants as in fast_float).
protocol EiselLemireFormat {
    static var mantissaExplicitBits: Int { get }
    static var minimumExponent: Int { get }
    static var infinitePower: Int { get }
    /// Below 10^smallestPowerOfTen any w < 10^19 rounds to zero.
    static var smallestPowerOfTen: Int { get }
    /// Above 10^largestPowerOfTen any w ≥ 1 rounds to infinity.
    static var largestPowerOfTen: Int { get }
    static var minExponentRoundToEven: Int { get }
    static var maxExponentRoundToEven: Int { get }
}

enum Binary32: EiselLemireFormat {
    static var mantissaExplicitBits: Int { 23 }
    static var minimumExponent: Int { -127 }
    static var infinitePower: Int { 0xFF }
    static var smallestPowerOfTen: Int { -65 }
    static var largestPowerOfTen: Int { 38 }
    static var minExponentRoundToEven: Int { -17 }
    static var maxExponentRoundToEven: Int { 10 }
}

enum Binary64: EiselLemireFormat {
    static var mantissaExplicitBits: Int { 52 }
    static var minimumExponent: Int { -1023 }
    static var infinitePower: Int { 0x7FF }
    static var smallestPowerOfTen: Int { -342 }
    static var largestPowerOfTen: Int { 308 }
    static var minExponentRoundToEven: Int { -4 }
    static var maxExponentRoundToEven: Int { 23 }
}

/// A binary float as (biased exponent, explicit mantissa bits): the bit pattern without the sign is
/// `power2 << mantissaExplicitBits | mantissa`. `power2 == infinitePower` means infinity.
struct AdjustedMantissa: Equatable {
    var mantissa: UInt64
    var power2: Int
}

/// floor(log2(10^q)) + 63 for q in [-342, 308] (217706 / 2^16 approximates log2(10)).
@inline(__always)
func binaryExponent(ofPowerOfTen q: Int) -> Int {
    (((152_170 + 65_536) &* q) >> 16) &+ 63
}

/// w × 5^q to at least `precision` exact leading bits: the high 64 bits of w × (128-bit 5^q),
/// with the low word refined only when the truncated bits might carry into them.
@inline(__always)
private func productApproximation(_ q: Int, _ w: UInt64, precision: Int) -> (high: UInt64, low: UInt64) {
    let index = 2 &* (q &- EiselLemireTable.smallestPowerOfFive)
    let table = EiselLemireTable.powersOfFive
    var first = w.multipliedFullWidth(by: table[index])
    let mask: UInt64 = precision < 64 ? (UInt64.max >> UInt64(precision)) : UInt64.max
    if first.high & mask == mask {
        let second = w.multipliedFullWidth(by: table[index &+ 1])
        let (low, carry) = first.low.addingReportingOverflow(second.high)
        first.low = low
        if carry { first.high &+= 1 }
    }
    return (first.high, first.low)
}

/// The binary float nearest to w × 10^q (ties to even), for w < 2^64 exact, by Eisel-Lemire.
///
/// Exact for every w that holds at most 19 significant decimal digits and every q (Mushtak and
/// Lemire, "Fast Number Parsing Without Fallback", 2023: the 128-bit product always suffices).
/// Returns zero below the subnormal range and `infinitePower` above the largest finite value.
@_transparent
func eiselLemire<F: EiselLemireFormat>(_ q: Int, _ w: UInt64, as format: F.Type) -> AdjustedMantissa {
    if w == 0 || q < F.smallestPowerOfTen { return AdjustedMantissa(mantissa: 0, power2: 0) }
    if q > F.largestPowerOfTen { return AdjustedMantissa(mantissa: 0, power2: F.infinitePower) }
    let leadingZeros = w.leadingZeroBitCount
    let normalized = w << UInt64(leadingZeros)
    let product = productApproximation(q, normalized, precision: F.mantissaExplicitBits + 3)
    let upperBit = Int(product.high >> 63)
    let shift = upperBit &+ 64 &- F.mantissaExplicitBits &- 3
    var mantissa = product.high >> UInt64(shift)
    var power2 = binaryExponent(ofPowerOfTen: q) &+ upperBit &- leadingZeros &- F.minimumExponent

    if power2 <= 0 {
        // Subnormal (or zero): shift out the bits below the smallest exponent, then round.
        if -power2 + 1 >= 64 { return AdjustedMantissa(mantissa: 0, power2: 0) }
        mantissa >>= UInt64(-power2 + 1)
        mantissa += mantissa & 1
        mantissa >>= 1
        // Rounding may carry into the smallest normal exponent.
        power2 = mantissa < (UInt64(1) << UInt64(F.mantissaExplicitBits)) ? 0 : 1
        return AdjustedMantissa(mantissa: mantissa, power2: power2)
    }

    // Exactly halfway between two floats (only possible when 5^q fits in 64 bits and nothing
    // below the rounding bit was dropped): round to even instead of up.
    if product.low <= 1 && q >= F.minExponentRoundToEven && q <= F.maxExponentRoundToEven
        && mantissa & 3 == 1 && (mantissa << UInt64(shift)) == product.high {
        mantissa &= ~UInt64(1)
    }
    mantissa += mantissa & 1
    mantissa >>= 1
    if mantissa >= (UInt64(2) << UInt64(F.mantissaExplicitBits)) {
        mantissa = UInt64(1) << UInt64(F.mantissaExplicitBits)
        power2 += 1
    }
    mantissa &= ~(UInt64(1) << UInt64(F.mantissaExplicitBits))
    if power2 >= F.infinitePower { return AdjustedMantissa(mantissa: 0, power2: F.infinitePower) }
    return AdjustedMantissa(mantissa: mantissa, power2: power2)
}
