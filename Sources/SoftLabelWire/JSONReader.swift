import Glibc

/// A pull parser over a UTF-8 JSON body: strict RFC 8259, one pass, numbers straight from bytes.
///
/// The caller walks the document it expects (`beginObject`, `nextKey`, `readFloatMatrix`, ...);
/// every value it does not want goes through `skipValue()`, and `finish()` checks that nothing but
/// whitespace follows the top-level value. Everything the reader rejects is a `JSONReadError` with
/// the byte offset and the JSON path; no input crashes it, and nesting is limited to `maxDepth`
/// levels with no recursion.
///
/// Strictness (RFC 8259): no NaN/Infinity, no leading zeros, no trailing commas, no comments, no
/// byte order mark, UTF-8 validated inside strings (no overlongs, no surrogates, ≤ U+10FFFF),
/// control characters in strings rejected, `\u` escapes of unpaired surrogates rejected (RFC 8259
/// leaves them undefined; they cannot become a Swift String).
///
/// The reader keeps pointers into `bytes`: the buffer must stay alive and unchanged while the
/// reader is used. It is a value type with internal state; use one reader per body.
public struct JSONReader {
    /// An open object or array, with what error paths need.
    struct Frame {
        var isObject: Bool
        var path: String
        /// Members or elements started so far.
        var count = 0
        /// The key whose value is being read (objects).
        var key = ""
        /// Keys seen so far (objects), to reject duplicates.
        var keys = SeenKeys()
    }

    let base: UnsafePointer<UInt8>
    let end: UnsafePointer<UInt8>
    var cursor: UnsafePointer<UInt8>
    let maxDepth: Int
    var frames: [Frame] = []

    /// A reader positioned at the start of `bytes`, which must stay valid while the reader is used.
    /// `maxDepth` bounds the nesting of objects and arrays (deeper input is a syntax error).
    public init(_ bytes: UnsafeRawBufferPointer, maxDepth: Int = 128) {
        // An empty buffer may have no address; any non-null pointer works, it is never read.
        let address = bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 0x10)!
        base = address.assumingMemoryBound(to: UInt8.self)
        end = base + bytes.count
        cursor = base
        self.maxDepth = maxDepth
    }

    /// Byte offset of the next unread byte.
    public var offset: Int { cursor - base }

    /// The kind of the next value, after skipping whitespace; consumes nothing else.
    /// Throws `.syntax` when the next byte cannot start a JSON value (or the body ended).
    public mutating func peekKind() throws -> JSONValueKind {
        skipWhitespace()
        guard cursor < end, let kind = valueKind(startingWith: cursor.pointee) else {
            throw JSONReadError.expected("a JSON value", found: currentByte, at: offset, path: currentPath)
        }
        return kind
    }

    /// Consumes the `{` of an object at `path` (the path is kept for later error messages).
    /// Throws `.type` if another kind of value is there, `.syntax` if no value is.
    public mutating func beginObject(path: String) throws {
        skipWhitespace()
        guard cursor < end && cursor.pointee == UInt8(ascii: "{") else { throw mismatch("an object", path: path) }
        try push(isObject: true, path: path)
        cursor += 1
    }

    /// The next key of the innermost open object, with its `:` consumed, or nil at the closing `}`
    /// (which it consumes). Handles the `,` between members. Keys come back unescaped
    /// (`"\u006cogits"` is `logits`). Throws `.duplicateKey` when a key repeats in this object.
    /// Call only while an object is the innermost open container; read or skip each member's value
    /// before asking for the next key.
    public mutating func nextKey() throws -> String? {
        precondition(frames.last?.isObject == true, "JSONReader.nextKey() outside an object")
        let top = frames.count - 1
        let path = frames[top].path
        skipWhitespace()
        guard cursor < end else {
            throw JSONReadError.expected(frames[top].count == 0 ? "a key or '}'" : "',' or '}'",
                                         found: nil, at: offset, path: path)
        }
        if cursor.pointee == UInt8(ascii: "}") {
            cursor += 1
            frames.removeLast()
            return nil
        }
        if frames[top].count > 0 {
            guard cursor.pointee == UInt8(ascii: ",") else {
                let after = "the value of \(quoted(frames[top].key))"
                throw JSONReadError.expected("',' or '}' after \(after)", found: currentByte, at: offset, path: path)
            }
            cursor += 1
            skipWhitespace()
            if cursor < end && cursor.pointee == UInt8(ascii: "}") {
                throw JSONReadError.syntax("Trailing comma before '}' at byte \(offset).", at: offset, path: path)
            }
        }
        guard cursor < end && cursor.pointee == UInt8(ascii: "\"") else {
            let expected = frames[top].count == 0 ? "a key in double quotes or '}'" : "a key in double quotes"
            throw JSONReadError.expected(expected, found: currentByte, at: offset, path: path)
        }
        let keyOffset = offset
        let key = try scanAndDecodeString(path: path)
        if !frames[top].keys.insert(key) {
            throw JSONReadError(
                kind: .duplicateKey,
                message: "Duplicate key \(quoted(key)) in \(JSONPath.describe(path)): each key may appear only once.",
                offset: keyOffset, path: JSONPath.key(key, in: path))
        }
        skipWhitespace()
        guard cursor < end && cursor.pointee == UInt8(ascii: ":") else {
            throw JSONReadError.expected("':' after the key \(quoted(key))", found: currentByte, at: offset, path: path)
        }
        cursor += 1
        frames[top].count += 1
        frames[top].key = key
        return key
    }

    /// Consumes the `[` of an array at `path`. Throws `.type` if another kind of value is there.
    public mutating func beginArray(path: String) throws {
        skipWhitespace()
        guard cursor < end && cursor.pointee == UInt8(ascii: "[") else { throw mismatch("an array", path: path) }
        try push(isObject: false, path: path)
        cursor += 1
    }

    /// True when another element of the innermost open array follows (its `,` consumed); false at
    /// the closing `]`, which it consumes. Read or skip each element before calling it again.
    public mutating func nextElement() throws -> Bool {
        precondition(frames.last?.isObject == false, "JSONReader.nextElement() outside an array")
        let top = frames.count - 1
        let path = frames[top].path
        skipWhitespace()
        guard cursor < end else {
            throw JSONReadError.expected(frames[top].count == 0 ? "a value or ']'" : "',' or ']'",
                                         found: nil, at: offset, path: path)
        }
        if cursor.pointee == UInt8(ascii: "]") {
            cursor += 1
            frames.removeLast()
            return false
        }
        if frames[top].count > 0 {
            guard cursor.pointee == UInt8(ascii: ",") else {
                let after = JSONPath.index(frames[top].count - 1, in: path)
                throw JSONReadError.expected("',' or ']' after \(after)", found: currentByte, at: offset, path: path)
            }
            cursor += 1
            skipWhitespace()
            if cursor < end && cursor.pointee == UInt8(ascii: "]") {
                throw JSONReadError.syntax("Trailing comma before ']' at byte \(offset).", at: offset, path: path)
            }
        }
        frames[top].count += 1
        return true
    }

    /// Reads `true` or `false`. Throws `.type` for another kind of value.
    public mutating func readBool(path: String) throws -> Bool {
        skipWhitespace()
        if matchLiteral("true") { return true }
        if matchLiteral("false") { return false }
        throw mismatch("true or false", path: path)
    }

    /// Consumes `null` and returns true if it is the next value; otherwise consumes nothing and
    /// returns false (only whitespace is skipped).
    public mutating func readNull() throws -> Bool {
        skipWhitespace()
        if matchLiteral("null") { return true }
        if cursor < end && cursor.pointee == UInt8(ascii: "n") {
            throw JSONReadError.expected("a JSON value", found: cursor.pointee, at: offset, path: currentPath)
        }
        return false
    }

    /// Checks that only whitespace remains. Containers still open are read to their end first
    /// (their remaining members are validated and skipped), so it may also be called after the
    /// caller has read all it needs from the top-level object.
    public mutating func finish() throws {
        while let frame = frames.last {
            if frame.isObject {
                while try nextKey() != nil { try skipValue() }
            } else {
                while try nextElement() { try skipValue() }
            }
        }
        skipWhitespace()
        if cursor < end {
            throw JSONReadError.syntax(
                "Unexpected \(describeByte(cursor.pointee)) after the end of the JSON value at byte \(offset).",
                at: offset, path: "")
        }
    }
}

// MARK: - Internals shared by the reader's extensions

extension JSONReader {
    @inline(__always)
    var currentByte: UInt8? { cursor < end ? cursor.pointee : nil }

    /// The path of the value being read now: the innermost container's current member or element.
    var currentPath: String {
        guard let frame = frames.last else { return "" }
        if frame.isObject { return JSONPath.key(frame.key, in: frame.path) }
        return JSONPath.index(max(frame.count - 1, 0), in: frame.path)
    }

    @inline(__always)
    mutating func skipWhitespace() {
        while cursor < end {
            let byte = cursor.pointee
            if byte > 0x20 { return }
            guard byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 else { return }
            cursor += 1
        }
    }

    mutating func push(isObject: Bool, path: String) throws {
        if frames.count >= maxDepth { throw depthError(path: path) }
        frames.append(Frame(isObject: isObject, path: path))
    }

    func depthError(path: String) -> JSONReadError {
        .syntax("Nesting deeper than \(maxDepth) levels at byte \(offset).", at: offset, path: path)
    }

    /// The value kind that `byte` starts, or nil if no JSON value starts with it.
    @inline(__always)
    func valueKind(startingWith byte: UInt8) -> JSONValueKind? {
        switch byte {
        case UInt8(ascii: "{"): .object
        case UInt8(ascii: "["): .array
        case UInt8(ascii: "\""): .string
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): .number
        case UInt8(ascii: "t"), UInt8(ascii: "f"): .bool
        case UInt8(ascii: "n"): .null
        default: nil
        }
    }

    /// Consumes `literal` if the bytes at the cursor spell it.
    @inline(__always)
    mutating func matchLiteral(_ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard end - cursor >= count, memcmp(cursor, literal.utf8Start, count) == 0 else { return false }
        cursor += count
        return true
    }

    /// The error for a value at the cursor that is not what the caller expected (`expected` is a
    /// phrase like "a number"): `.type` when a well-formed value of another kind is there,
    /// `.syntax` otherwise. Consumes nothing.
    func mismatch(_ expected: String, path: String) -> JSONReadError {
        guard cursor < end, let kind = valueKind(startingWith: cursor.pointee) else {
            if let byte = currentByte, byte == UInt8(ascii: "]") || byte == UInt8(ascii: "}") {
                var before = cursor
                while before > base, [0x20, 0x0A, 0x0D, 0x09].contains(before[-1]) { before -= 1 }
                if before > base && before[-1] == UInt8(ascii: ",") {
                    return .syntax("Trailing comma before \(describeByte(byte)) at byte \(offset).", at: offset, path: path)
                }
            }
            return .expected(expected, found: currentByte, at: offset, path: path)
        }
        var probe = self
        switch kind {
        case .null:
            if !probe.matchLiteral("null") { return .expected("a JSON value", found: cursor.pointee, at: offset, path: path) }
        case .bool:
            if !probe.matchLiteral("true") && !probe.matchLiteral("false") {
                return .expected("a JSON value", found: cursor.pointee, at: offset, path: path)
            }
        case .number:
            var number = DecimalNumber()
            if scanNumber(cursor, end, into: &number) == nil {
                let (at, message) = diagnoseNumber(cursor, end, base: base)
                return .syntax(message, at: at, path: path)
            }
        case .object, .array, .string:
            break
        }
        return .type(expected: expected, found: kind, at: offset, path: path)
    }

    func quoted(_ key: String) -> String {
        var writer = JSONWriter(capacity: key.utf8.count + 2)
        writer.writeString(key)
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}

/// The keys of one object so far, for duplicate detection: a short array scanned linearly (a
/// request object has a handful of keys, and hashing each was a measurable share of a small
/// request), a Set once there are more than `linearLimit`, so a huge object stays O(n).
struct SeenKeys {
    private var few: [String] = []
    private var many: Set<String>? = nil
    static let linearLimit = 16

    /// Adds `key`; false if it was already there.
    mutating func insert(_ key: String) -> Bool {
        if many != nil { return many!.insert(key).inserted }
        if few.contains(key) { return false }
        few.append(key)
        if few.count > Self.linearLimit {
            many = Set(few)
            few = []
        }
        return true
    }
}
