/// A JSON number token reduced to `significand × 10^exponent`, ready for correct rounding.
///
/// `significand` holds the first (at most 19) significant decimal digits; when more nonzero digits
/// follow, `truncated` is set and the exact value lies in
/// `[significand, significand + 1) × 10^exponent`.
struct DecimalNumber {
    var significand: UInt64 = 0
    var exponent: Int = 0
    var negative = false
    var truncated = false
}

/// The most significant digits that fit a UInt64 without overflow.
let maximumSignificantDigits = 19

@inline(__always)
func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }

/// True when all eight bytes of `word` (little-endian) are ASCII digits.
@inline(__always)
func isEightDigits(_ word: UInt64) -> Bool {
    ((word & 0xF0F0_F0F0_F0F0_F0F0)
        | (((word &+ 0x0606_0606_0606_0606) & 0xF0F0_F0F0_F0F0_F0F0) >> 4)) == 0x3333_3333_3333_3333
}

/// The value of eight ASCII digits loaded little-endian (first digit in the low byte): SWAR, three
/// multiplies instead of eight dependent multiply-adds (as in fast_float and simdjson).
@inline(__always)
func parseEightDigits(_ word: UInt64) -> UInt64 {
    let mask: UInt64 = 0x0000_00FF_0000_00FF
    let mul1: UInt64 = 0x000F_4240_0000_0064  // 100 + (1_000_000 << 32)
    let mul2: UInt64 = 0x0000_2710_0000_0001  // 1 + (10_000 << 32)
    var value = word &- 0x3030_3030_3030_3030
    value = (value &* 10) &+ (value >> 8)
    return (((value & mask) &* mul1) &+ (((value >> 16) & mask) &* mul2)) >> 32
}

/// Scans one JSON number (RFC 8259: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`) that
/// starts at `start`, without reading at or past `end`.
///
/// Returns the first byte after the token and fills `number`, or nil when the bytes at `start` are
/// not a number (`diagnoseNumber` then says why). What follows the token is the caller's business.
@inline(__always)
func scanNumber(
    _ start: UnsafePointer<UInt8>, _ end: UnsafePointer<UInt8>, into number: inout DecimalNumber
) -> UnsafePointer<UInt8>? {
    var p = start
    var significand: UInt64 = 0
    var digitCount = 0
    var exponent = 0
    var truncated = false
    let negative = p < end && p.pointee == UInt8(ascii: "-")
    if negative { p += 1 }
    guard p < end else { return nil }

    // Integer part: "0" alone, or a nonzero digit followed by digits.
    if p.pointee == UInt8(ascii: "0") {
        p += 1
        if p < end && isDigit(p.pointee) { return nil }
    } else if isDigit(p.pointee) {
        while p < end {
            let digit = p.pointee &- UInt8(ascii: "0")
            if digit >= 10 { break }
            if digitCount < maximumSignificantDigits {
                significand = significand &* 10 &+ UInt64(digit)
                digitCount += 1
            } else {
                exponent += 1
                if digit != 0 { truncated = true }
            }
            p += 1
        }
    } else {
        return nil
    }

    // Fraction: at least one digit after '.'.
    if p < end && p.pointee == UInt8(ascii: ".") {
        p += 1
        let fractionStart = p
        if significand == 0 {
            // Leading zeros of 0.000123 only scale the value.
            while p < end && p.pointee == UInt8(ascii: "0") { p += 1 }
            exponent -= p - fractionStart
        }
        while digitCount <= maximumSignificantDigits - 8 && end - p >= 8 {
            let word = UnsafeRawPointer(p).loadUnaligned(as: UInt64.self)
            if !isEightDigits(word) { break }
            significand = significand &* 100_000_000 &+ parseEightDigits(word)
            digitCount += 8
            exponent -= 8
            p += 8
        }
        while p < end {
            let digit = p.pointee &- UInt8(ascii: "0")
            if digit >= 10 { break }
            if digitCount < maximumSignificantDigits {
                significand = significand &* 10 &+ UInt64(digit)
                digitCount += 1
                exponent -= 1
            } else if digit != 0 {
                truncated = true
            }
            p += 1
        }
        if p == fractionStart { return nil }
    }

    // Exponent: saturates far beyond any body size, so the sum below cannot overflow.
    if p < end && p.pointee | 0x20 == UInt8(ascii: "e") {
        p += 1
        var negativeExponent = false
        if p < end && (p.pointee == UInt8(ascii: "-") || p.pointee == UInt8(ascii: "+")) {
            negativeExponent = p.pointee == UInt8(ascii: "-")
            p += 1
        }
        guard p < end && isDigit(p.pointee) else { return nil }
        var value = 0
        while p < end {
            let digit = p.pointee &- UInt8(ascii: "0")
            if digit >= 10 { break }
            if value < 1 << 50 { value = value &* 10 &+ Int(digit) }
            p += 1
        }
        exponent += negativeExponent ? -value : value
    }

    number.significand = significand
    number.exponent = exponent
    number.negative = negative
    number.truncated = truncated
    return p
}

/// Why the bytes at `start` are not a JSON number: (offset of the offending byte, message).
func diagnoseNumber(_ start: UnsafePointer<UInt8>, _ end: UnsafePointer<UInt8>, base: UnsafePointer<UInt8>)
    -> (offset: Int, message: String)
{
    var p = start
    func describe(_ expected: String) -> (Int, String) {
        let found = p < end ? describeByte(p.pointee) : "the end of the body"
        return (p - base, "Invalid number: expected \(expected), found \(found) at byte \(p - base).")
    }
    if p < end && p.pointee == UInt8(ascii: "-") { p += 1 }
    guard p < end && isDigit(p.pointee) else { return describe("a digit") }
    if p.pointee == UInt8(ascii: "0") {
        p += 1
        if p < end && isDigit(p.pointee) {
            return (p - base, "Invalid number: leading zeros are not allowed in JSON at byte \(p - base).")
        }
    }
    while p < end && isDigit(p.pointee) { p += 1 }
    if p < end && p.pointee == UInt8(ascii: ".") {
        p += 1
        guard p < end && isDigit(p.pointee) else { return describe("a digit after the decimal point") }
        while p < end && isDigit(p.pointee) { p += 1 }
    }
    if p < end && p.pointee | 0x20 == UInt8(ascii: "e") {
        p += 1
        if p < end && (p.pointee == UInt8(ascii: "-") || p.pointee == UInt8(ascii: "+")) { p += 1 }
        guard p < end && isDigit(p.pointee) else { return describe("a digit in the exponent") }
    }
    return describe("a number")
}

/// A byte for an error message: `'x'` for printable ASCII, `byte 0xC3` otherwise.
func describeByte(_ byte: UInt8) -> String {
    if byte >= 0x21 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
    let hex = String(byte, radix: 16, uppercase: true)
    return "byte 0x\(hex.count == 1 ? "0" + hex : hex)"
}
