import Foundation

/// Where Foundation's `JSONSerialization` (swift-corelibs-foundation, Swift 6.3 on Linux) and RFC
/// 8259 part ways, so that an accept/reject difference is not a bug of either reader. Measured on
/// JSONTestSuite and by fuzzing; each rule below is one documented difference:
///
/// 1. Trailing commas: JSONSerialization accepts `[1,]` and `{"a":1,}` (JSONTestSuite
///    n_array_extra_comma, n_array_number_and_comma, n_object_trailing_comma); RFC 8259 does not.
/// 2. Encodings: JSONSerialization guesses UTF-16/UTF-32 from NUL bytes among the first four
///    (`"1\0"` is UTF-16LE "1" to it) and skips a UTF-8/UTF-16 byte order mark; softlabel bodies
///    are UTF-8 without a BOM (RFC 8259 §8.1).
/// 3. Numbers beyond float64: JSONSerialization rejects a number that overflows a Double
///    (`1e400`, i_number_huge_exp); they are valid JSON, and the typed reads reject them with a
///    range error instead.
/// 4. Nesting: JSONSerialization allows 512 levels; the comparison runs `validate` with
///    `maxDepth: 512` (production uses 128), so this is not an exclusion.
func excludedFromDifferential(_ bytes: UnsafeRawBufferPointer) -> Bool {
    // Rule 2.
    if bytes.prefix(4).contains(0) { return true }
    if bytes.starts(with: [0xEF, 0xBB, 0xBF]) || bytes.starts(with: [0xFE, 0xFF]) || bytes.starts(with: [0xFF, 0xFE]) {
        return true
    }
    // Rules 1 and 3, outside strings.
    var inString = false
    var escaped = false
    var lastSignificant: UInt8 = 0
    var index = 0
    while index < bytes.count {
        let byte = bytes[index]
        if inString {
            if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
            index += 1
            continue
        }
        switch byte {
        case UInt8(ascii: "\""):
            inString = true
        case UInt8(ascii: "]"), UInt8(ascii: "}"):
            if lastSignificant == UInt8(ascii: ",") { return true }
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            var end = index
            while end < bytes.count, let scalar = Optional(bytes[end]),
                  scalar == UInt8(ascii: "-") || scalar == UInt8(ascii: "+") || scalar == UInt8(ascii: ".")
                  || scalar | 0x20 == UInt8(ascii: "e") || (scalar >= UInt8(ascii: "0") && scalar <= UInt8(ascii: "9")) {
                end += 1
            }
            let token = Array(bytes[index..<end]) + [0]
            let value = token.withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { strtod($0.baseAddress!, nil) }
            }
            if value.isInfinite { return true }
            lastSignificant = byte
            index = end
            continue
        default:
            break
        }
        if byte != 0x20 && byte != 0x0A && byte != 0x0D && byte != 0x09 { lastSignificant = byte }
        index += 1
    }
    return false
}
