/// The strict subset of Python literal syntax a `.npy` header uses: one dict of string keys whose
/// values are strings ('…' or "…", no escapes), `True`/`False`, or tuples of non-negative decimal
/// ints (`()`, `(3,)`, `(2, 3)`; a Python 2 `L` suffix is accepted). Spaces and tabs may separate
/// tokens and one trailing comma may close the dict or a tuple, as in Python. Anything else
/// (other value types, `(3)` which is an int in Python, leading zeros, duplicate keys, text after
/// the closing brace other than spaces) is an error. A list value is reported as such, so the
/// caller can name structured dtypes.
enum PythonLiteral {
    enum Value: Equatable {
        case string(String)
        case bool(Bool)
        case tuple([Int])
        case list

        var typeName: String {
            switch self {
            case .string: "a string"
            case .bool: "a bool"
            case .tuple: "a tuple"
            case .list: "a list"
            }
        }
    }

    /// The dict's entries in order; `text` is the header without its final newline.
    static func headerDict(_ text: [UInt8]) throws(NumPyError) -> [(String, Value)] {
        var p = Parser(text: text)
        let entries = try p.dict()
        p.skipSpaces()
        guard p.index == text.count else { throw p.error("unexpected text after the dict") }
        return entries
    }

    struct Parser {
        let text: [UInt8]
        var index = 0

        func error(_ what: String) -> NumPyError {
            var shown = text.prefix(200)
            while shown.last == 0x20 { shown.removeLast() }
            return NumPyError("malformed header: \(what) at byte \(index) of \"\(String(decoding: shown, as: UTF8.self))\"")
        }

        var current: UInt8? { index < text.count ? text[index] : nil }

        mutating func skipSpaces() {
            while let c = current, c == 0x20 || c == 0x09 { index += 1 }
        }

        mutating func expect(_ c: UInt8) throws(NumPyError) {
            skipSpaces()
            guard current == c else { throw error("expected '\(Character(Unicode.Scalar(c)))'") }
            index += 1
        }

        mutating func dict() throws(NumPyError) -> [(String, Value)] {
            try expect(UInt8(ascii: "{"))
            var entries: [(String, Value)] = []
            while true {
                skipSpaces()
                if current == UInt8(ascii: "}") { index += 1; return entries }
                let key = try string()
                guard !entries.contains(where: { $0.0 == key }) else { throw error("key '\(key)' repeated") }
                try expect(UInt8(ascii: ":"))
                entries.append((key, try value()))
                skipSpaces()
                if current == UInt8(ascii: ",") { index += 1; continue }
                try expect(UInt8(ascii: "}"))
                return entries
            }
        }

        mutating func value() throws(NumPyError) -> Value {
            skipSpaces()
            switch current {
            case UInt8(ascii: "'"), UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "("): return .tuple(try tuple())
            case UInt8(ascii: "["):
                try skipList()
                return .list
            default:
                if word("True") { return .bool(true) }
                if word("False") { return .bool(false) }
                throw error("expected a string, True, False or a tuple")
            }
        }

        /// Consumes `w` when it is next and not followed by an identifier character.
        mutating func word(_ w: String) -> Bool {
            let bytes = Array(w.utf8)
            guard index + bytes.count <= text.count, Array(text[index..<index + bytes.count]) == bytes else { return false }
            if index + bytes.count < text.count {
                let next = text[index + bytes.count]
                if next == UInt8(ascii: "_") || (next | 0x20 >= UInt8(ascii: "a") && next | 0x20 <= UInt8(ascii: "z")) || (0x30...0x39).contains(next) {
                    return false
                }
            }
            index += bytes.count
            return true
        }

        /// Skips a bracketed list (a structured dtype's descr) so the caller can name it.
        mutating func skipList() throws(NumPyError) {
            var depth = 0
            while let c = current {
                switch c {
                case UInt8(ascii: "["), UInt8(ascii: "("): depth += 1
                case UInt8(ascii: "]"), UInt8(ascii: ")"): depth -= 1
                case UInt8(ascii: "'"), UInt8(ascii: "\""):
                    _ = try string()
                    continue
                default: break
                }
                index += 1
                if depth == 0 { return }
            }
            throw error("unterminated list")
        }

        mutating func string() throws(NumPyError) -> String {
            skipSpaces()
            guard let quote = current, quote == UInt8(ascii: "'") || quote == UInt8(ascii: "\"") else { throw error("expected a quoted string") }
            index += 1
            let start = index
            while let c = current, c != quote {
                guard c != UInt8(ascii: "\\") else { throw error("escape sequences are not supported") }
                guard c >= 0x20, c < 0x7F else { throw error("control character in a string") }
                index += 1
            }
            guard current == quote else { throw error("unterminated string") }
            let s = String(decoding: text[start..<index], as: UTF8.self)
            index += 1
            return s
        }

        mutating func tuple() throws(NumPyError) -> [Int] {
            try expect(UInt8(ascii: "("))
            var items: [Int] = []
            var sawComma = false
            while true {
                skipSpaces()
                if current == UInt8(ascii: ")") {
                    index += 1
                    // `(3)` is the int 3 in Python, not a tuple.
                    guard items.count != 1 || sawComma else { throw error("'(\(items[0]))' is an int, not a tuple; write (\(items[0]),)") }
                    return items
                }
                items.append(try integer())
                skipSpaces()
                if current == UInt8(ascii: ",") {
                    index += 1
                    sawComma = true
                    continue
                }
                guard current == UInt8(ascii: ")") else { throw error("expected ',' or ')' in the shape") }
            }
        }

        /// A non-negative decimal int without leading zeros (Python 3 syntax), optionally `L`.
        mutating func integer() throws(NumPyError) -> Int {
            let start = index
            var n = 0
            while let c = current, (0x30...0x39).contains(c) {
                let (m, o1) = n.multipliedReportingOverflow(by: 10)
                let (s, o2) = m.addingReportingOverflow(Int(c - 0x30))
                guard !o1, !o2 else { throw error("dimension too large") }
                n = s
                index += 1
            }
            guard index > start else { throw error("expected a non-negative integer") }
            guard index - start == 1 || text[start] != 0x30 else { throw error("leading zero in an integer") }
            if current == UInt8(ascii: "L") { index += 1 }
            return n
        }
    }
}
