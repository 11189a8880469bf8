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

/// 10^n for n in 0...8.
private let smallPowersOfTen: [UInt64] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000]

/// The value of eight decimal digits already reduced to 0...9 per byte, loaded little-endian
/// (first digit in the low byte): SWAR, three multiplies instead of eight dependent
/// multiply-adds (as in fast_float and simdjson).
@inline(__always)
func eightDigitsValue(_ digits: UInt64) -> UInt64 {
    let mask: UInt64 = 0x0000_00FF_0000_00FF
    let mul1: UInt64 = 0x000F_4240_0000_0064  // 100 + (1_000_000 << 32)
    let mul2: UInt64 = 0x0000_2710_0000_0001  // 1 + (10_000 << 32)
    let pairs = (digits &* 10) &+ (digits >> 8)
    return (((pairs & mask) &* mul1) &+ (((pairs >> 16) & mask) &* mul2)) >> 32
}

/// The eight bytes at `p` with `'0'` subtracted from each: a digit becomes its value 0...9.
@inline(__always)
func reducedDigits(_ p: UnsafePointer<UInt8>) -> UInt64 {
    UnsafeRawPointer(p).loadUnaligned(as: UInt64.self) &- 0x3030_3030_3030_3030
}

/// How many of eight reduced bytes (`reducedDigits`), from the low one, are digits before the
/// first non-digit (0...8). A borrow or carry only ever moves toward later bytes, so the first
/// non-digit is found exactly (what follows it is not, and is not used).
@inline(__always)
func leadingDigitCount(_ reduced: UInt64) -> Int {
    let nonDigits = ((reduced &+ 0x7676_7676_7676_7676) | reduced) & 0x8080_8080_8080_8080
    return nonDigits.trailingZeroBitCount &>> 3
}

/// The value of the first `count` (0...8) of eight reduced digits: the others shifted out, then
/// one SWAR step.
@inline(__always)
func leadingDigitsValue(_ reduced: UInt64, count: Int) -> UInt64 {
    eightDigitsValue(reduced << UInt64((8 &- count) &<< 3))
}

/// Consumes the run of digits at `p` into `significand` while it holds at most
/// `maximumSignificantDigits` digits; digits beyond that are consumed and counted in `dropped`
/// (and `truncated` is set if one is nonzero). Returns how many digits went into `significand`.
///
/// Eight bytes at a time when eight are readable: the bytes are reduced to digit values
/// (`reducedDigits`), the first non-digit found from the low byte (`leadingDigitCount`), and the
/// n leading digits converted with one SWAR step (`leadingDigitsValue`).
@inline(__always)
func consumeDigits(
    _ p: inout UnsafePointer<UInt8>, _ end: UnsafePointer<UInt8>, significand: inout UInt64,
    digitCount: inout Int, dropped: inout Int, truncated: inout Bool
) -> Int {
    var taken = 0
    while digitCount <= maximumSignificantDigits - 8 && end - p >= 8 {
        let reduced = reducedDigits(p)
        let count = leadingDigitCount(reduced)
        if count == 0 { return taken }
        let value = leadingDigitsValue(reduced, count: count)
        significand = significand &* smallPowersOfTen[count] &+ value
        digitCount &+= count
        taken &+= count
        p += count
        if count < 8 { return taken }
    }
    while p < end {
        let digit = p.pointee &- UInt8(ascii: "0")
        if digit >= 10 { break }
        if digitCount < maximumSignificantDigits {
            significand = significand &* 10 &+ UInt64(digit)
            digitCount &+= 1
            taken &+= 1
        } else {
            dropped &+= 1
            if digit != 0 { truncated = true }
        }
        p += 1
    }
    return taken
}

/// Scans one JSON number (RFC 8259: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`) that
/// starts at `start`, without reading at or past `end`.
///
/// Returns the first byte after the token and fills `number`, or nil when the bytes at `start` are
/// not a number (`diagnoseNumber` then says why). What follows the token is the caller's business.
@_transparent
func scanNumber(
    _ start: UnsafePointer<UInt8>, _ end: UnsafePointer<UInt8>, into number: inout DecimalNumber
) -> UnsafePointer<UInt8>? {
    var p = start
    guard p < end else { return nil }
    let negative = p.pointee == UInt8(ascii: "-")
    if negative {
        p += 1
        guard p < end else { return nil }
    }
    var significand: UInt64 = 0
    var digitCount = 0
    var exponent = 0
    var dropped = 0
    var truncated = false

    // Integer part: "0" alone, or a nonzero digit followed by digits.
    let first = p.pointee &- UInt8(ascii: "0")
    if first == 0 {
        p += 1
        if p < end && isDigit(p.pointee) { return nil }
    } else if first < 10 {
        significand = UInt64(first)
        digitCount = 1
        p += 1
        _ = consumeDigits(&p, end, significand: &significand, digitCount: &digitCount, dropped: &dropped, truncated: &truncated)
        exponent = dropped  // digits past the 19th still scale the integer part
        dropped = 0
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
            exponent &-= p - fractionStart
        }
        let taken = consumeDigits(&p, end, significand: &significand, digitCount: &digitCount, dropped: &dropped, truncated: &truncated)
        exponent &-= taken
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
        exponent &+= negativeExponent ? -value : value
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
