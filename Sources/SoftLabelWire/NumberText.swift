/// Numbers as JSON text, written straight into a byte buffer.
///
/// Floats use the layout of Python's `repr` (and numpy's float32 repr): fixed notation with at
/// least one fractional digit when the leading digit's power of ten is in [-4, 16) (`0.1`,
/// `1.0`, `123.5`, `0.0001`), scientific otherwise (`1e-05`, `3.4028235e+38`); the digits are
/// the shortest that read back to the same float32 (`ShortestFloat`).
enum NumberText {
    /// The longest text `writeFloat32` produces (`-1234567800000000.0` is 19 bytes).
    static let maximumFloat32Length = 24
    /// The longest text `writeInt` produces (`-9223372036854775808`).
    static let maximumIntLength = 20

    private static let digitPairs: StaticString =
        "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"

    /// Writes finite `value`; returns the number of bytes written (at most `maximumFloat32Length`).
    @inline(__always)
    static func writeFloat32(_ value: Float, to out: UnsafeMutablePointer<UInt8>) -> Int {
        let bits = value.bitPattern
        var p = out
        if bits >> 31 != 0 {
            p.pointee = UInt8(ascii: "-")
            p += 1
        }
        let (digits, exponent) = ShortestFloat.decimal(bits: bits)
        if digits == 0 {
            p[0] = UInt8(ascii: "0"); p[1] = UInt8(ascii: "."); p[2] = UInt8(ascii: "0")
            return p + 3 - out
        }
        let length = decimalLength(digits)
        let leading = exponent + length - 1
        if leading >= -4 && leading < 16 {
            if exponent >= 0 {
                // 1230000.0
                writeDigits(UInt64(digits), length, to: p)
                p += length
                for _ in 0..<exponent { p.pointee = UInt8(ascii: "0"); p += 1 }
                p[0] = UInt8(ascii: "."); p[1] = UInt8(ascii: "0")
                return p + 2 - out
            } else if leading >= 0 {
                // 12.345: the digits one byte to the right, then the integer part moved back.
                writeDigits(UInt64(digits), length, to: p + 1)
                for index in 0...leading { p[index] = p[index + 1] }
                p[leading + 1] = UInt8(ascii: ".")
                return p + length + 1 - out
            } else {
                // 0.00123
                p[0] = UInt8(ascii: "0"); p[1] = UInt8(ascii: ".")
                p += 2
                for _ in 0..<(-leading - 1) { p.pointee = UInt8(ascii: "0"); p += 1 }
                writeDigits(UInt64(digits), length, to: p)
                return p + length - out
            }
        }
        // 1.2345e-07, 3e+38
        writeDigits(UInt64(digits), length, to: p + 1)
        p[0] = p[1]
        if length > 1 {
            p[1] = UInt8(ascii: ".")
            p += length + 1
        } else {
            p += 1
        }
        p[0] = UInt8(ascii: "e")
        p[1] = leading < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+")
        let magnitude = UInt64(leading.magnitude)
        let exponentLength = max(2, decimalLength(magnitude))
        writeDigits(magnitude, exponentLength, to: p + 2)
        return p + 2 + exponentLength - out
    }

    /// Writes `value` in decimal; returns the number of bytes written.
    @inline(__always)
    static func writeInt(_ value: Int, to out: UnsafeMutablePointer<UInt8>) -> Int {
        var p = out
        if value < 0 {
            p.pointee = UInt8(ascii: "-")
            p += 1
        }
        let magnitude = UInt64(value.magnitude)
        let length = decimalLength(magnitude)
        writeDigits(magnitude, length, to: p)
        return p + length - out
    }

    /// The number of decimal digits of `value` (1 for 0).
    @inline(__always)
    static func decimalLength(_ value: UInt32) -> Int {
        // Float32 digits have at most 9; this is a short, well-predicted chain.
        if value < 10_000 {
            return value < 100 ? (value < 10 ? 1 : 2) : (value < 1_000 ? 3 : 4)
        }
        if value < 100_000_000 {
            return value < 1_000_000 ? (value < 100_000 ? 5 : 6) : (value < 10_000_000 ? 7 : 8)
        }
        return value < 1_000_000_000 ? 9 : 10
    }

    /// The number of decimal digits of `value` (1 for 0).
    @inline(__always)
    static func decimalLength(_ value: UInt64) -> Int {
        if value <= UInt64(UInt32.max) { return decimalLength(UInt32(value)) }
        var length = 10
        var threshold: UInt64 = 10_000_000_000
        while length < 20 && value >= threshold {
            length += 1
            threshold = threshold &* 10
        }
        return length
    }

    /// Writes exactly `count` digits of `value` (left-padded with zeros) ending at `out + count`.
    @inline(__always)
    static func writeDigits(_ value: UInt64, _ count: Int, to out: UnsafeMutablePointer<UInt8>) {
        let pairs = digitPairs.utf8Start
        var value = value
        var index = count
        while index >= 2 {
            let pair = Int(value % 100) &* 2
            value /= 100
            index -= 2
            out[index] = pairs[pair]
            out[index + 1] = pairs[pair + 1]
        }
        if index == 1 { out[0] = UInt8(truncatingIfNeeded: value) &+ UInt8(ascii: "0") }
    }
}
