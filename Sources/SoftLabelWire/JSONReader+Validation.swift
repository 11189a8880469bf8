/// Skipping and validating values without recursion.
extension JSONReader {
    /// Skips the next value, whatever it is, checking its syntax on the way (strings, numbers,
    /// nesting up to `maxDepth` counting the containers already open). Iterative: no input can
    /// overflow the stack. Errors carry the path of the offending nested value.
    public mutating func skipValue() throws {
        let basePath = currentPath
        // The containers open inside the skipped value: enough to continue and to name a path.
        var stack: [(isObject: Bool, count: Int, keyStart: UnsafePointer<UInt8>, keyEnd: UnsafePointer<UInt8>)] = []

        func path() -> String {
            var path = basePath
            for level in stack {
                if level.isObject {
                    let key = JSONReader.decodeEscaped(UnsafeBufferPointer(start: level.keyStart, count: level.keyEnd - level.keyStart))
                    path = JSONPath.key(key, in: path)
                } else {
                    path = JSONPath.index(max(level.count - 1, 0), in: path)
                }
            }
            return path
        }

        /// Reads `"key" :` at the cursor into the innermost stack level.
        func readKey(_ reader: inout JSONReader, expected: String) throws {
            reader.skipWhitespace()
            guard reader.cursor < reader.end && reader.cursor.pointee == UInt8(ascii: "\"") else {
                if reader.cursor < reader.end && reader.cursor.pointee == UInt8(ascii: "}") {
                    throw JSONReadError.syntax("Trailing comma before '}' at byte \(reader.offset).", at: reader.offset, path: path())
                }
                throw JSONReadError.expected(expected, found: reader.currentByte, at: reader.offset, path: path())
            }
            let keyStart = reader.cursor + 1
            let (keyEnd, _) = try reader.scanString(path: path())
            stack[stack.count - 1].keyStart = keyStart
            stack[stack.count - 1].keyEnd = keyEnd
            stack[stack.count - 1].count += 1
            reader.skipWhitespace()
            guard reader.cursor < reader.end && reader.cursor.pointee == UInt8(ascii: ":") else {
                throw JSONReadError.expected("':' after the key", found: reader.currentByte, at: reader.offset, path: path())
            }
            reader.cursor += 1
        }

        while true {
            // A value starts here.
            skipWhitespace()
            guard cursor < end else { throw JSONReadError.expected("a JSON value", found: nil, at: offset, path: path()) }
            switch cursor.pointee {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                let isObject = cursor.pointee == UInt8(ascii: "{")
                if frames.count + stack.count >= maxDepth { throw depthError(path: path()) }
                stack.append((isObject, 0, cursor, cursor))
                cursor += 1
                skipWhitespace()
                if cursor < end && cursor.pointee == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                    cursor += 1
                    stack.removeLast()
                } else if isObject {
                    try readKey(&self, expected: "a key in double quotes or '}'")
                    continue
                } else {
                    stack[stack.count - 1].count = 1
                    continue
                }
            case UInt8(ascii: "\""):
                _ = try scanString(path: path())
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                var number = DecimalNumber()
                guard let next = scanNumber(cursor, end, into: &number) else {
                    let (at, message) = diagnoseNumber(cursor, end, base: base)
                    throw JSONReadError.syntax(message, at: at, path: path())
                }
                cursor = next
            default:
                if !(matchLiteral("true") || matchLiteral("false") || matchLiteral("null")) {
                    throw JSONReadError.expected("a JSON value", found: cursor.pointee, at: offset, path: path())
                }
            }

            // After a value: close containers or move to the next member/element.
            while true {
                guard let level = stack.last else { return }
                skipWhitespace()
                let close = level.isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")
                guard cursor < end else {
                    throw JSONReadError.expected("',' or \(describeByte(close))", found: nil, at: offset, path: path())
                }
                if cursor.pointee == close {
                    cursor += 1
                    stack.removeLast()
                    continue
                }
                guard cursor.pointee == UInt8(ascii: ",") else {
                    throw JSONReadError.expected("',' or \(describeByte(close))", found: cursor.pointee, at: offset, path: path())
                }
                cursor += 1
                if level.isObject {
                    try readKey(&self, expected: "a key in double quotes")
                } else {
                    skipWhitespace()
                    if cursor < end && cursor.pointee == UInt8(ascii: "]") {
                        throw JSONReadError.syntax("Trailing comma before ']' at byte \(offset).", at: offset, path: path())
                    }
                    stack[stack.count - 1].count += 1
                }
                break
            }
        }
    }

    /// Checks that `bytes` is exactly one RFC 8259 JSON value with optional whitespace around it,
    /// nested at most `maxDepth` deep. Syntax only: duplicate keys and huge numbers are valid JSON
    /// (the typed reads reject them). Used on error paths to prefer a 400 over a 422.
    public static func validate(_ bytes: UnsafeRawBufferPointer, maxDepth: Int = 128) throws {
        var reader = JSONReader(bytes, maxDepth: maxDepth)
        try reader.skipValue()
        try reader.finish()
    }
}
