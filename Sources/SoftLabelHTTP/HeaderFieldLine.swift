/// The header fields whose values decide framing and routing, recognised while parsing.
enum FramingField: Sendable {
    case other, contentLength, transferEncoding, host, connection, expect
}

/// Parses one field line (header or trailer), without its CRLF, strictly:
///
/// - field-line = field-name ":" OWS field-value OWS (RFC 9112 §5)
/// - the name is a non-empty token; whitespace between name and colon is rejected with 400
///   (RFC 9112 §5.1: "A server MUST reject, with a response status code of 400 (Bad Request), any
///   received request message that contains whitespace between a header field name and colon");
/// - a line that starts with SP or HTAB is obs-fold (RFC 9112 §5.2) and rejected (server MAY);
///   the same byte right after the request line is rejected as RFC 9112 §2.2 allows;
/// - the value may hold VCHAR, obs-text, SP and HTAB only: NUL, CR, LF, other controls and DEL are
///   rejected (RFC 9110 §5.5: a recipient MUST reject or replace CR, LF and NUL; we reject).
///
/// Values are decoded as UTF-8 (obs-text that is not UTF-8 becomes U+FFFD; the bytes were valid).
enum HeaderFieldLine {
    static func parse(_ line: UnsafeBufferPointer<UInt8>) throws(HTTPError) -> (HTTPField, FramingField) {
        guard let first = line.first else { throw .invalidHeaderName }
        if ASCII.isWhitespace(first) { throw .obsoleteLineFolding }
        var colon = -1
        for index in 0..<line.count {
            let byte = line[index]
            if byte == ASCII.colon { colon = index; break }
            if ASCII.isTokenByte(byte) { continue }
            if ASCII.isWhitespace(byte) {
                // "Name : value" (whitespace then colon) is the smuggling vector; "Na me: v" is just bad.
                var next = index
                while next < line.count, ASCII.isWhitespace(line[next]) { next += 1 }
                throw next < line.count && line[next] == ASCII.colon ? .whitespaceBeforeColon : .invalidHeaderName
            }
            if byte == ASCII.cr { throw .bareLineFeed }
            throw .invalidHeaderName
        }
        guard colon > 0 else { throw .invalidHeaderName }
        var start = colon + 1, end = line.count
        while start < end, ASCII.isWhitespace(line[start]) { start += 1 }
        while end > start, ASCII.isWhitespace(line[end - 1]) { end -= 1 }
        for index in start..<end where !ASCII.isFieldValueByte(line[index]) {
            throw line[index] == ASCII.cr ? .bareLineFeed : .invalidHeaderValue
        }
        let nameBytes = UnsafeBufferPointer(rebasing: line[0..<colon])
        let name = String(decoding: nameBytes, as: UTF8.self)
        let value = String(decoding: UnsafeBufferPointer(rebasing: line[start..<end]), as: UTF8.self)
        return (HTTPField(name: name, value: value), classify(nameBytes))
    }

    private static func classify(_ name: UnsafeBufferPointer<UInt8>) -> FramingField {
        switch name.count {
        case 4: return HTTPHeaders.equalsIgnoringCase(name, "host".utf8) ? .host : .other
        case 6: return HTTPHeaders.equalsIgnoringCase(name, "expect".utf8) ? .expect : .other
        case 10: return HTTPHeaders.equalsIgnoringCase(name, "connection".utf8) ? .connection : .other
        case 14: return HTTPHeaders.equalsIgnoringCase(name, "content-length".utf8) ? .contentLength : .other
        case 17: return HTTPHeaders.equalsIgnoringCase(name, "transfer-encoding".utf8) ? .transferEncoding : .other
        default: return .other
        }
    }
}
