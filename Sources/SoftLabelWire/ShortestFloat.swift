/// Shortest round-trip decimal digits of a float32, by Ryu (Ulf Adams, "Ryu: fast float-to-string
/// conversion", PLDI 2018; the f2s algorithm with 64-bit tables).
///
/// For a finite positive float `v`, returns the decimal `digits × 10^exponent` with the fewest
/// digits that reads back (round to nearest even) as exactly `v`, and among those the one nearest
/// to `v`. No allocation; about 10-20 ns.
enum ShortestFloat {
    /// (digits, exponent) for the float32 with bit pattern `bits` (sign ignored). Zero gives (0, 0).
    /// Must not be called for infinity or NaN.
    @inline(__always)
    static func decimal(bits: UInt32) -> (digits: UInt32, exponent: Int) {
        let ieeeMantissa = bits & 0x7F_FFFF
        let ieeeExponent = Int((bits >> 23) & 0xFF)
        if ieeeExponent == 0 && ieeeMantissa == 0 { return (0, 0) }

        // Step 1: decode into m2 × 2^e2, with two extra bits for the bounds.
        let e2: Int
        let m2: UInt32
        if ieeeExponent == 0 {
            e2 = 1 - 127 - 23 - 2
            m2 = ieeeMantissa
        } else {
            e2 = ieeeExponent - 127 - 23 - 2
            m2 = (1 << 23) | ieeeMantissa
        }
        let acceptBounds = m2 & 1 == 0

        // Step 2: the interval of decimals that round to this float: (mm, mp) around mv, ×4.
        let mv = 4 &* m2
        let mp = 4 &* m2 &+ 2
        let mmShift: UInt32 = (ieeeMantissa != 0 || ieeeExponent <= 1) ? 1 : 0
        let mm = 4 &* m2 &- 1 &- mmShift

        // Step 3: convert to a decimal power base.
        var vr: UInt32, vp: UInt32, vm: UInt32
        var e10: Int
        var vmIsTrailingZeros = false
        var vrIsTrailingZeros = false
        var lastRemovedDigit: UInt32 = 0
        if e2 >= 0 {
            let q = log10Pow2(e2)
            e10 = q
            let k = ShortestFloatTable.inverseBitCount + pow5Bits(q) - 1
            let i = -e2 + q + k
            vr = mulPow5InvDivPow2(mv, q, i)
            vp = mulPow5InvDivPow2(mp, q, i)
            vm = mulPow5InvDivPow2(mm, q, i)
            if q != 0 && (vp &- 1) / 10 <= vm / 10 {
                // One removed digit is needed even if the loop below does not run.
                let l = ShortestFloatTable.inverseBitCount + pow5Bits(q - 1) - 1
                lastRemovedDigit = mulPow5InvDivPow2(mv, q - 1, -e2 + q - 1 + l) % 10
            }
            if q <= 9 {
                // Only one of mp, mv, mm can be a multiple of 5, if any.
                if mv % 5 == 0 {
                    vrIsTrailingZeros = isMultipleOfPowerOf5(mv, q)
                } else if acceptBounds {
                    vmIsTrailingZeros = isMultipleOfPowerOf5(mm, q)
                } else if isMultipleOfPowerOf5(mp, q) {
                    vp &-= 1
                }
            }
        } else {
            let q = log10Pow5(-e2)
            e10 = q + e2
            let i = -e2 - q
            let k = pow5Bits(i) - ShortestFloatTable.bitCount
            var j = q - k
            vr = mulPow5DivPow2(mv, i, j)
            vp = mulPow5DivPow2(mp, i, j)
            vm = mulPow5DivPow2(mm, i, j)
            if q != 0 && (vp &- 1) / 10 <= vm / 10 {
                j = q - 1 - (pow5Bits(i + 1) - ShortestFloatTable.bitCount)
                lastRemovedDigit = mulPow5DivPow2(mv, i + 1, j) % 10
            }
            if q <= 1 {
                // mv = 4 m2 has at least two trailing zero bits.
                vrIsTrailingZeros = true
                if acceptBounds {
                    vmIsTrailingZeros = mmShift == 1
                } else {
                    vp &-= 1
                }
            } else if q < 31 {
                vrIsTrailingZeros = mv & ((1 << UInt32(q - 1)) - 1) == 0
            }
        }

        // Step 4: the shortest decimal in the interval, rounded correctly.
        var removed = 0
        let output: UInt32
        if vmIsTrailingZeros || vrIsTrailingZeros {
            while vp / 10 > vm / 10 {
                vmIsTrailingZeros = vmIsTrailingZeros && vm % 10 == 0
                vrIsTrailingZeros = vrIsTrailingZeros && lastRemovedDigit == 0
                lastRemovedDigit = vr % 10
                vr /= 10; vp /= 10; vm /= 10
                removed &+= 1
            }
            if vmIsTrailingZeros {
                while vm % 10 == 0 {
                    vrIsTrailingZeros = vrIsTrailingZeros && lastRemovedDigit == 0
                    lastRemovedDigit = vr % 10
                    vr /= 10; vp /= 10; vm /= 10
                    removed &+= 1
                }
            }
            if vrIsTrailingZeros && lastRemovedDigit == 5 && vr % 2 == 0 {
                lastRemovedDigit = 4  // exactly ...50..0: round to even
            }
            let roundUp = (vr == vm && (!acceptBounds || !vmIsTrailingZeros)) || lastRemovedDigit >= 5
            output = vr &+ (roundUp ? 1 : 0)
        } else {
            while vp / 10 > vm / 10 {
                lastRemovedDigit = vr % 10
                vr /= 10; vp /= 10; vm /= 10
                removed &+= 1
            }
            output = vr &+ ((vr == vm || lastRemovedDigit >= 5) ? 1 : 0)
        }
        return (output, e10 &+ removed)
    }

    /// ceil(log2(5^e)) for 0 ≤ e ≤ 3528 (1 for e = 0).
    @inline(__always)
    private static func pow5Bits(_ e: Int) -> Int { Int((UInt32(e) &* 1_217_359) >> 19) + 1 }

    /// floor(log10(2^e)) for 0 ≤ e ≤ 1650.
    @inline(__always)
    private static func log10Pow2(_ e: Int) -> Int { Int((UInt32(e) &* 78_913) >> 18) }

    /// floor(log10(5^e)) for 0 ≤ e ≤ 2620.
    @inline(__always)
    private static func log10Pow5(_ e: Int) -> Int { Int((UInt32(e) &* 732_923) >> 20) }

    @inline(__always)
    private static func isMultipleOfPowerOf5(_ value: UInt32, _ p: Int) -> Bool {
        var value = value
        var count = 0
        while value % 5 == 0 && value != 0 {
            value /= 5
            count += 1
        }
        return count >= p
    }

    /// (m × factor) >> shift for shift > 32, in 64-bit pieces.
    @inline(__always)
    private static func mulShift(_ m: UInt32, _ factor: UInt64, _ shift: Int) -> UInt32 {
        let bits0 = UInt64(m) &* (factor & 0xFFFF_FFFF)
        let bits1 = UInt64(m) &* (factor >> 32)
        let sum = (bits0 >> 32) &+ bits1
        return UInt32(truncatingIfNeeded: sum >> UInt64(shift - 32))
    }

    @inline(__always)
    private static func mulPow5InvDivPow2(_ m: UInt32, _ q: Int, _ j: Int) -> UInt32 {
        mulShift(m, ShortestFloatTable.inversePowersOfFive[q], j)
    }

    @inline(__always)
    private static func mulPow5DivPow2(_ m: UInt32, _ i: Int, _ j: Int) -> UInt32 {
        mulShift(m, ShortestFloatTable.powersOfFive[i], j)
    }
}
