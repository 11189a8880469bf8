/// The fuzzer's own JSON tree, independent of SoftLabelWire (the code under test).
///
/// Numbers keep their text, so edge values such as `1e-320`, `9007199254740993` or a 400-digit
/// integer reach the service exactly as written, and `.raw` holds text that is not JSON at all
/// (`NaN`, `Infinity`, `+1`) for the mutations that put it where a number belongs. Objects are
/// ordered lists of entries, so duplicate keys survive. Serialisation is compact.
indirect enum FuzzJSON: Equatable {
    case null
    case bool(Bool)
    case number(String)
    case string(String)
    case array([FuzzJSON])
    case object([(key: String, value: FuzzJSON)])
    /// Text written verbatim: not valid JSON on purpose.
    case raw(String)

    static func == (a: FuzzJSON, b: FuzzJSON) -> Bool {
        switch (a, b) {
        case (.null, .null): true
        case let (.bool(x), .bool(y)): x == y
        case let (.number(x), .number(y)), let (.string(x), .string(y)), let (.raw(x), .raw(y)): x == y
        case let (.array(x), .array(y)): x == y
        case let (.object(x), .object(y)): x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: false
        }
    }

    // MARK: Access

    subscript(key: String) -> FuzzJSON? {
        guard case .object(let entries) = self else { return nil }
        return entries.first { $0.key == key }?.value
    }

    /// Sets `key` (replacing its first occurrence, or appending); self must be an object.
    mutating func set(_ key: String, _ value: FuzzJSON) {
        guard case .object(var entries) = self else { return }
        if let i = entries.firstIndex(where: { $0.key == key }) {
            entries[i].value = value
        } else {
            entries.append((key, value))
        }
        self = .object(entries)
    }

    mutating func remove(_ key: String) {
        guard case .object(let entries) = self else { return }
        self = .object(entries.filter { $0.key != key })
    }

    var isContainer: Bool {
        switch self {
        case .array, .object: true
        default: false
        }
    }

    var children: [FuzzJSON] {
        switch self {
        case .array(let a): a
        case .object(let o): o.map(\.value)
        default: []
        }
    }

    /// The numeric value of a number (or of raw text such as `NaN`), as Swift parses it.
    var doubleValue: Double? {
        switch self {
        case .number(let t), .raw(let t): Double(t)
        default: nil
        }
    }

    /// Every number and raw leaf below (and including) this node, in document order.
    func leaves(into out: inout [FuzzJSON], limit: Int = .max) {
        guard out.count < limit else { return }
        switch self {
        case .array, .object: for c in children { c.leaves(into: &out, limit: limit) }
        default: out.append(self)
        }
    }

    // MARK: Nodes by pre-order index

    /// Calls `body` with every node and its index path, in pre-order, until it returns false.
    func forEachNode(_ body: (FuzzJSON, [Int]) -> Bool) {
        var path: [Int] = []
        _ = Self.visit(self, &path, body)
    }

    private static func visit(_ node: FuzzJSON, _ path: inout [Int], _ body: (FuzzJSON, [Int]) -> Bool) -> Bool {
        guard body(node, path) else { return false }
        switch node {
        case .array(let a):
            for i in a.indices {
                path.append(i)
                defer { path.removeLast() }
                if !visit(a[i], &path, body) { return false }
            }
        case .object(let o):
            for i in o.indices {
                path.append(i)
                defer { path.removeLast() }
                if !visit(o[i].value, &path, body) { return false }
            }
        default:
            break
        }
        return true
    }

    /// The nesting depth (a scalar is 0), counted up to `limit`.
    func depth(limit: Int) -> Int {
        guard limit > 0, isContainer else { return 0 }
        var deepest = 0
        for c in children where c.isContainer {
            deepest = max(deepest, c.depth(limit: limit - 1))
            if deepest + 1 >= limit { break }
        }
        return deepest + 1
    }

    /// How many nodes match `filter` (counting stops at `limit`).
    func count(where filter: (FuzzJSON) -> Bool, limit: Int = 1 << 16) -> Int {
        var n = 0
        forEachNode { node, _ in
            if filter(node) { n += 1 }
            return n < limit
        }
        return n
    }

    /// The path of the `k`-th node (from 0, pre-order) matching `filter`.
    func path(ofMatch k: Int, where filter: (FuzzJSON) -> Bool) -> [Int]? {
        var seen = 0
        var found: [Int]?
        forEachNode { node, path in
            if filter(node) {
                if seen == k { found = path }
                seen += 1
            }
            return found == nil
        }
        return found
    }

    func node(at path: ArraySlice<Int>) -> FuzzJSON? {
        guard let first = path.first else { return self }
        let kids = children
        guard first < kids.count else { return nil }
        return kids[first].node(at: path.dropFirst())
    }

    /// Applies `change` to the node at `path` (no effect when the path does not exist).
    mutating func modify(at path: ArraySlice<Int>, _ change: (inout FuzzJSON) -> Void) {
        guard let first = path.first else {
            change(&self)
            return
        }
        switch self {
        case .array(var a) where first < a.count:
            self = .null  // drop the reference so the array is mutated in place
            a[first].modify(at: path.dropFirst(), change)
            self = .array(a)
        case .object(var o) where first < o.count:
            self = .null
            o[first].value.modify(at: path.dropFirst(), change)
            self = .object(o)
        default:
            break
        }
    }

    // MARK: Text

    var text: String {
        var out = ""
        write(into: &out)
        return out
    }

    func write(into out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let t), .raw(let t): out += t
        case .string(let s): Self.writeString(s, into: &out)
        case .array(let a):
            out += "["
            for (i, v) in a.enumerated() {
                if i > 0 { out += "," }
                v.write(into: &out)
            }
            out += "]"
        case .object(let o):
            out += "{"
            for (i, e) in o.enumerated() {
                if i > 0 { out += "," }
                Self.writeString(e.key, into: &out)
                out += ":"
                e.value.write(into: &out)
            }
            out += "}"
        }
    }

    static func writeString(_ s: String, into out: inout String) {
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20:
                let hex = String(u.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(u)
            }
        }
        out += "\""
    }

    // MARK: Parsing (strict RFC 8259; used on seed bodies)

    /// Parses `bytes` as one JSON value, or nil when it is not JSON (then the body is sent as is).
    static func parse(_ bytes: ArraySlice<UInt8>) -> FuzzJSON? {
        var p = Parser(bytes: Array(bytes))
        guard let v = p.value(depth: 0) else { return nil }
        p.skipSpace()
        return p.i == p.bytes.count ? v : nil
    }

    private struct Parser {
        let bytes: [UInt8]
        var i = 0

        mutating func skipSpace() {
            while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
        }

        mutating func literal(_ word: String, _ v: FuzzJSON) -> FuzzJSON? {
            let w = Array(word.utf8)
            guard i + w.count <= bytes.count, Array(bytes[i..<(i + w.count)]) == w else { return nil }
            i += w.count
            return v
        }

        mutating func value(depth: Int) -> FuzzJSON? {
            guard depth < 128 else { return nil }
            skipSpace()
            guard i < bytes.count else { return nil }
            switch bytes[i] {
            case UInt8(ascii: "n"): return literal("null", .null)
            case UInt8(ascii: "t"): return literal("true", .bool(true))
            case UInt8(ascii: "f"): return literal("false", .bool(false))
            case UInt8(ascii: "\""): return string().map(FuzzJSON.string)
            case UInt8(ascii: "["):
                i += 1
                var a: [FuzzJSON] = []
                skipSpace()
                if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return .array(a) }
                while true {
                    guard let v = value(depth: depth + 1) else { return nil }
                    a.append(v)
                    skipSpace()
                    guard i < bytes.count else { return nil }
                    if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                    if bytes[i] == UInt8(ascii: "]") { i += 1; return .array(a) }
                    return nil
                }
            case UInt8(ascii: "{"):
                i += 1
                var o: [(key: String, value: FuzzJSON)] = []
                skipSpace()
                if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .object(o) }
                while true {
                    skipSpace()
                    guard i < bytes.count, bytes[i] == UInt8(ascii: "\""), let k = string() else { return nil }
                    skipSpace()
                    guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { return nil }
                    i += 1
                    guard let v = value(depth: depth + 1) else { return nil }
                    o.append((k, v))
                    skipSpace()
                    guard i < bytes.count else { return nil }
                    if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                    if bytes[i] == UInt8(ascii: "}") { i += 1; return .object(o) }
                    return nil
                }
            default:
                return number()
            }
        }

        mutating func number() -> FuzzJSON? {
            let start = i
            func digits() -> Int {
                let s = i
                while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 { i += 1 }
                return i - s
            }
            if i < bytes.count, bytes[i] == UInt8(ascii: "-") { i += 1 }
            guard i < bytes.count else { return nil }
            if bytes[i] == UInt8(ascii: "0") {
                i += 1
            } else if digits() == 0 {
                return nil
            }
            if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
                i += 1
                guard digits() > 0 else { return nil }
            }
            if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
                i += 1
                if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
                guard digits() > 0 else { return nil }
            }
            return .number(String(decoding: bytes[start..<i], as: UTF8.self))
        }

        mutating func string() -> String? {
            i += 1  // opening quote
            var run = i
            var out = ""
            while i < bytes.count {
                let b = bytes[i]
                if b == UInt8(ascii: "\"") {
                    out += String(decoding: bytes[run..<i], as: UTF8.self)
                    i += 1
                    return out
                }
                if b < 0x20 { return nil }
                if b == UInt8(ascii: "\\") {
                    out += String(decoding: bytes[run..<i], as: UTF8.self)
                    i += 1
                    guard i < bytes.count else { return nil }
                    let e = bytes[i]
                    i += 1
                    switch e {
                    case UInt8(ascii: "\""): out += "\""
                    case UInt8(ascii: "\\"): out += "\\"
                    case UInt8(ascii: "/"): out += "/"
                    case UInt8(ascii: "b"): out += "\u{08}"
                    case UInt8(ascii: "f"): out += "\u{0C}"
                    case UInt8(ascii: "n"): out += "\n"
                    case UInt8(ascii: "r"): out += "\r"
                    case UInt8(ascii: "t"): out += "\t"
                    case UInt8(ascii: "u"):
                        guard i + 4 <= bytes.count, let v = UInt32(String(decoding: bytes[i..<(i + 4)], as: UTF8.self), radix: 16) else { return nil }
                        i += 4
                        // Lone surrogates become U+FFFD: the tree holds Swift strings.
                        out.unicodeScalars.append(Unicode.Scalar(v) ?? "\u{FFFD}")
                    default: return nil
                    }
                    run = i
                    continue
                }
                i += 1
            }
            return nil
        }
    }
}
