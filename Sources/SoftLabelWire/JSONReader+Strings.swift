/// Strings: validation (escapes, UTF-8, control characters) and decoding to Swift `String`.
extension JSONReader {
    /// Reads a string value, unescaped. Throws `.type` for another kind of value and `.syntax` for
    /// a malformed string (bad escape, invalid UTF-8, raw control character, unpaired surrogate).
    public mutating func readString(path: String) throws -> String {
        skipWhitespace()
        guard cursor < end && cursor.pointee == UInt8(ascii: "\"") else { throw mismatch("a string", path: path) }
        return try scanAndDecodeString(path: path)
    }

    /// Validates and decodes the string whose opening quote is at the cursor; moves past it.
    mutating func scanAndDecodeString(path: String) throws -> String {
        let contentStart = cursor + 1
        let (contentEnd, hasEscapes) = try scanString(path: path)
        let content = UnsafeBufferPointer(start: contentStart, count: contentEnd - contentStart)
        return hasEscapes ? JSONReader.decodeEscaped(content) : String(decoding: content, as: UTF8.self)
    }

    /// Validates the string whose opening quote is at the cursor and moves past its closing quote.
    /// Returns where the content ends (the closing quote) and whether it holds escapes.
    mutating func scanString(path: String) throws -> (contentEnd: UnsafePointer<UInt8>, hasEscapes: Bool) {
        let start = cursor
        var p = cursor + 1
        var hasEscapes = false
        while true {
            // Eight plain ASCII bytes at a time: no quote, backslash, control byte or non-ASCII.
            while end - p >= 8 {
                let word = UnsafeRawPointer(p).loadUnaligned(as: UInt64.self)
                let ones: UInt64 = 0x0101_0101_0101_0101
                let quote = word ^ (ones &* 0x22)
                let backslash = word ^ (ones &* 0x5C)
                let special = ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash)
                    | ((word &- ones &* 0x20) & ~word) | word
                if special & (ones &* 0x80) != 0 { break }
                p += 8
            }
            guard p < end else {
                throw JSONReadError.syntax(
                    "Unterminated string: the string that starts at byte \(start - base) has no closing '\"' (reached the end at byte \(end - base)).",
                    at: end - base, path: path)
            }
            let byte = p.pointee
            if byte == UInt8(ascii: "\"") {
                cursor = p + 1
                return (p, hasEscapes)
            } else if byte == UInt8(ascii: "\\") {
                hasEscapes = true
                p = try scanEscape(p, path: path)
            } else if byte < 0x20 {
                throw JSONReadError.syntax(
                    "Control character \(describeByte(byte)) must be escaped inside a string at byte \(p - base).",
                    at: p - base, path: path)
            } else if byte >= 0x80 {
                p = try scanUTF8Sequence(p, path: path)
            } else {
                p += 1
            }
        }
    }

    /// Checks the escape whose backslash is at `p`; returns the byte after it.
    private func scanEscape(_ p: UnsafePointer<UInt8>, path: String) throws -> UnsafePointer<UInt8> {
        guard p + 1 < end else {
            throw JSONReadError.expected("an escape character after '\\'", found: nil, at: end - base, path: path)
        }
        switch p[1] {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
             UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            return p + 2
        case UInt8(ascii: "u"):
            let unit = try hexEscape(p, path: path)
            if unit >= 0xDC00 && unit <= 0xDFFF {
                throw unpairedSurrogate(unit, at: p, path: path)
            }
            if unit >= 0xD800 && unit <= 0xDBFF {
                let next = p + 6
                guard end - next >= 6, next[0] == UInt8(ascii: "\\"), next[1] == UInt8(ascii: "u") else {
                    throw unpairedSurrogate(unit, at: p, path: path)
                }
                let low = try hexEscape(next, path: path)
                guard low >= 0xDC00 && low <= 0xDFFF else { throw unpairedSurrogate(unit, at: p, path: path) }
                return p + 12
            }
            return p + 6
        default:
            throw JSONReadError.syntax(
                "Invalid escape '\\\(describeByte(p[1]).trimmingQuotes)' at byte \(p - base): JSON allows \\\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX.",
                at: p - base, path: path)
        }
    }

    /// The UTF-16 code unit of the `\uXXXX` escape whose backslash is at `p`.
    private func hexEscape(_ p: UnsafePointer<UInt8>, path: String) throws -> UInt32 {
        var unit: UInt32 = 0
        for index in 2..<6 {
            guard p + index < end, let digit = hexValue(p[index]) else {
                throw JSONReadError.expected("four hex digits after '\\u'", found: p + index < end ? p[index] : nil,
                                             at: min(p + index, end) - base, path: path)
            }
            unit = unit << 4 | digit
        }
        return unit
    }

    private func unpairedSurrogate(_ unit: UInt32, at p: UnsafePointer<UInt8>, path: String) -> JSONReadError {
        let hex = String(unit, radix: 16, uppercase: true)
        return .syntax("Unpaired UTF-16 surrogate \\u\(hex) at byte \(p - base): it encodes no character.",
                       at: p - base, path: path)
    }

    /// Checks the multi-byte UTF-8 sequence that starts at `p` (RFC 3629: no overlong forms, no
    /// surrogates, nothing above U+10FFFF); returns the byte after it.
    private func scanUTF8Sequence(_ p: UnsafePointer<UInt8>, path: String) throws -> UnsafePointer<UInt8> {
        let lead = p.pointee
        let length: Int
        var low: UInt8 = 0x80
        var high: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; high = 0x9F
        case 0xF0: length = 4; low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; high = 0x8F
        default: throw invalidUTF8(at: p, path: path)
        }
        guard end - p >= length else { throw invalidUTF8(at: p, path: path) }
        guard p[1] >= low && p[1] <= high else { throw invalidUTF8(at: p, path: path) }
        for index in 2..<length where p[index] & 0xC0 != 0x80 {
            throw invalidUTF8(at: p, path: path)
        }
        return p + length
    }

    private func invalidUTF8(at p: UnsafePointer<UInt8>, path: String) -> JSONReadError {
        .syntax("Invalid UTF-8 in a string at byte \(p - base): the body must be UTF-8.", at: p - base, path: path)
    }

    /// Decodes string content already checked by `scanString`.
    static func decodeEscaped(_ content: UnsafeBufferPointer<UInt8>) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(content.count)
        var index = 0
        func hex4(_ at: Int) -> UInt32 {
            var unit: UInt32 = 0
            for offset in 0..<4 { unit = unit << 4 | (hexValue(content[at + offset]) ?? 0) }
            return unit
        }
        while index < content.count {
            let byte = content[index]
            guard byte == UInt8(ascii: "\\") else {
                bytes.append(byte)
                index += 1
                continue
            }
            let escape = content[index + 1]
            index += 2
            switch escape {
            case UInt8(ascii: "b"): bytes.append(0x08)
            case UInt8(ascii: "f"): bytes.append(0x0C)
            case UInt8(ascii: "n"): bytes.append(0x0A)
            case UInt8(ascii: "r"): bytes.append(0x0D)
            case UInt8(ascii: "t"): bytes.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = hex4(index)
                index += 4
                if scalar >= 0xD800 && scalar <= 0xDBFF {
                    let low = hex4(index + 2)
                    index += 6
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                bytes.append(contentsOf: (Unicode.Scalar(scalar) ?? "\u{FFFD}").utf8)
            default: bytes.append(escape)  // " \ /
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

@inline(__always)
func hexValue(_ byte: UInt8) -> UInt32? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte &- UInt8(ascii: "0"))
    case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte &- UInt8(ascii: "a") &+ 10)
    case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte &- UInt8(ascii: "A") &+ 10)
    default: nil
    }
}

extension String {
    /// `'x'` → `x` (for messages that quote a byte themselves).
    fileprivate var trimmingQuotes: String {
        hasPrefix("'") && hasSuffix("'") && count >= 3 ? String(dropFirst().dropLast()) : self
    }
}
