/// A strict RFC 8259 validator for response bodies, independent of the service's own reader and
/// writer: one value, no trailing bytes, no `NaN` / `Infinity` / leading zeros / lone `-`, no raw
/// control characters in strings, valid escapes, UTF-8 checked by Swift's decoder. Returns nil
/// when valid, else a description of the first problem and its offset.
enum StrictJSON {
    static func problem(_ bytes: ArraySlice<UInt8>) -> String? {
        var v = Validator(bytes: bytes, i: bytes.startIndex)
        do {
            v.skipSpace()
            try v.value(depth: 0)
            v.skipSpace()
            guard v.i == bytes.endIndex else { throw Failure(message: "trailing bytes", offset: v.i) }
        } catch let f as Failure {
            let start = max(bytes.startIndex, f.offset - 40), end = min(bytes.endIndex, f.offset + 40)
            return "\(f.message) at byte \(f.offset - bytes.startIndex): …\(String(decoding: bytes[start..<end], as: UTF8.self))…"
        } catch {
            return "\(error)"
        }
        if String(validating: bytes, as: UTF8.self) == nil { return "invalid UTF-8" }
        return nil
    }

    struct Failure: Error {
        var message: String
        var offset: Int
    }

    private struct Validator {
        let bytes: ArraySlice<UInt8>
        var i: Int

        func fail(_ message: String) -> Failure { Failure(message: message, offset: i) }

        mutating func skipSpace() {
            while i < bytes.endIndex, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
        }

        mutating func expect(_ word: String) throws {
            for b in word.utf8 {
                guard i < bytes.endIndex, bytes[i] == b else { throw fail("expected \(word)") }
                i += 1
            }
        }

        mutating func value(depth: Int) throws {
            guard depth < 512 else { throw fail("nesting deeper than 512") }
            guard i < bytes.endIndex else { throw fail("unexpected end") }
            switch bytes[i] {
            case UInt8(ascii: "n"): try expect("null")
            case UInt8(ascii: "t"): try expect("true")
            case UInt8(ascii: "f"): try expect("false")
            case UInt8(ascii: "\""): try string()
            case UInt8(ascii: "["):
                i += 1
                skipSpace()
                if i < bytes.endIndex, bytes[i] == UInt8(ascii: "]") { i += 1; return }
                while true {
                    skipSpace()
                    try value(depth: depth + 1)
                    skipSpace()
                    guard i < bytes.endIndex else { throw fail("unterminated array") }
                    if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                    if bytes[i] == UInt8(ascii: "]") { i += 1; return }
                    throw fail("expected , or ]")
                }
            case UInt8(ascii: "{"):
                i += 1
                skipSpace()
                if i < bytes.endIndex, bytes[i] == UInt8(ascii: "}") { i += 1; return }
                while true {
                    skipSpace()
                    guard i < bytes.endIndex, bytes[i] == UInt8(ascii: "\"") else { throw fail("expected a key") }
                    try string()
                    skipSpace()
                    guard i < bytes.endIndex, bytes[i] == UInt8(ascii: ":") else { throw fail("expected :") }
                    i += 1
                    skipSpace()
                    try value(depth: depth + 1)
                    skipSpace()
                    guard i < bytes.endIndex else { throw fail("unterminated object") }
                    if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                    if bytes[i] == UInt8(ascii: "}") { i += 1; return }
                    throw fail("expected , or }")
                }
            default:
                try number()
            }
        }

        mutating func digits() -> Int {
            let s = i
            while i < bytes.endIndex, bytes[i] >= 0x30, bytes[i] <= 0x39 { i += 1 }
            return i - s
        }

        mutating func number() throws {
            if i < bytes.endIndex, bytes[i] == UInt8(ascii: "-") { i += 1 }
            guard i < bytes.endIndex else { throw fail("not a value") }
            if bytes[i] == UInt8(ascii: "0") {
                i += 1
            } else if digits() == 0 {
                throw fail("not a value")
            }
            if i < bytes.endIndex, bytes[i] == UInt8(ascii: ".") {
                i += 1
                guard digits() > 0 else { throw fail("no digits after the decimal point") }
            }
            if i < bytes.endIndex, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
                i += 1
                if i < bytes.endIndex, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
                guard digits() > 0 else { throw fail("no exponent digits") }
            }
        }

        mutating func string() throws {
            i += 1
            while i < bytes.endIndex {
                let b = bytes[i]
                if b == UInt8(ascii: "\"") { i += 1; return }
                if b < 0x20 { throw fail("raw control character in a string") }
                if b == UInt8(ascii: "\\") {
                    i += 1
                    guard i < bytes.endIndex else { break }
                    switch bytes[i] {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                         UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                        i += 1
                    case UInt8(ascii: "u"):
                        i += 1
                        for _ in 0..<4 {
                            guard i < bytes.endIndex, UInt8(ascii: "0")...UInt8(ascii: "9") ~= bytes[i]
                                || UInt8(ascii: "a")...UInt8(ascii: "f") ~= bytes[i] || UInt8(ascii: "A")...UInt8(ascii: "F") ~= bytes[i]
                            else { throw fail("bad \\u escape") }
                            i += 1
                        }
                    default: throw fail("bad escape")
                    }
                    continue
                }
                i += 1
            }
            throw fail("unterminated string")
        }
    }
}
