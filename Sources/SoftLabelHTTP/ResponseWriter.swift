/// Serializes a response head (RFC 9112 §4, §6.2): the status line, then `Server`, `Date`,
/// `Content-Length` and `Connection` chosen by the server, then the handler's fields.
///
/// - The body always goes with `Content-Length` (no chunked responses): handler-supplied
///   `Content-Length`, `Transfer-Encoding`, `Connection` and `Keep-Alive` fields are dropped.
/// - HEAD (RFC 9110 §9.3.2): the head of the GET, body not sent; `Content-Length` is the body's
///   length, or the handler's own `Content-Length` when it left the body empty.
/// - 1xx, 204: no `Content-Length`, no body (RFC 9110 §8.6); 304: no body, `Content-Length` only
///   when the handler set one.
/// - Fields whose name is not a token or whose value holds CR, LF, NUL or another control are
///   dropped rather than sent (no response splitting through a handler).
/// - `Connection: close` when the connection closes after this response; `Connection:
///   keep-alive` to an HTTP/1.0 client that asked for it. Always "HTTP/1.1" (RFC 9110 §2.5).
struct ResponseWriter {
    /// "HTTP/1.1 100 Continue" (RFC 9110 §15.2.1).
    static let continueResponse: [UInt8] = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    let serverName: [UInt8]?

    init(serverName: String?) {
        self.serverName = serverName.map { Array($0.utf8) }
    }

    struct Head {
        var bytes: [UInt8]
        var sendsBody: Bool
    }

    func head(for response: HTTPResponse, method: String?, version: HTTPVersion, close: Bool, date: [UInt8]) -> Head {
        var out: [UInt8] = []
        out.reserveCapacity(128 + response.headers.count * 48)
        out.append(contentsOf: Self.statusLine(response.status))
        let isHead = method == "HEAD"
        let status = response.status
        let noBodyStatus = status < 200 || status == 204 || status == 304
        var handlerLength: String? = nil
        var hasServer = false, hasDate = false
        for field in response.headers {
            let name = field.name
            if HTTPHeaders.equalsIgnoringCase(name, "content-length") { handlerLength = field.value; continue }
            if HTTPHeaders.equalsIgnoringCase(name, "transfer-encoding") || HTTPHeaders.equalsIgnoringCase(name, "connection")
                || HTTPHeaders.equalsIgnoringCase(name, "keep-alive") { continue }
            if HTTPHeaders.equalsIgnoringCase(name, "server") { hasServer = true }
            if HTTPHeaders.equalsIgnoringCase(name, "date") { hasDate = true }
        }
        if let serverName, !hasServer { append(&out, name: "Server", value: serverName) }
        if !hasDate { append(&out, name: "Date", value: date) }
        if status >= 200 && status != 204 {
            if status == 304 || (isHead && response.body.isEmpty) {
                if let handlerLength, ASCII.parseDecimal(handlerLength.utf8) != nil {
                    append(&out, name: "Content-Length", value: Array(handlerLength.utf8))
                } else if status != 304 {
                    append(&out, name: "Content-Length", value: Array("0".utf8))
                }
            } else {
                append(&out, name: "Content-Length", value: Array(String(response.body.count).utf8))
            }
        }
        if close {
            append(&out, name: "Connection", value: Array("close".utf8))
        } else if version == .http1_0 {
            append(&out, name: "Connection", value: Array("keep-alive".utf8))
        }
        for field in response.headers where Self.isSendable(field) {
            let name = field.name
            if HTTPHeaders.equalsIgnoringCase(name, "content-length") || HTTPHeaders.equalsIgnoringCase(name, "transfer-encoding")
                || HTTPHeaders.equalsIgnoringCase(name, "connection") || HTTPHeaders.equalsIgnoringCase(name, "keep-alive") {
                continue
            }
            out.append(contentsOf: name.utf8)
            out.append(contentsOf: [ASCII.colon, ASCII.space])
            out.append(contentsOf: field.value.utf8)
            out.append(contentsOf: [ASCII.cr, ASCII.lf])
        }
        out.append(contentsOf: [ASCII.cr, ASCII.lf])
        return Head(bytes: out, sendsBody: !isHead && !noBodyStatus)
    }

    /// Whether the handler asked to close the connection after this response.
    static func requestsClose(_ response: HTTPResponse) -> Bool {
        response.headers.containsToken("close", in: "connection")
    }

    private func append(_ out: inout [UInt8], name: StaticString, value: [UInt8]) {
        out.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        out.append(contentsOf: [ASCII.colon, ASCII.space])
        out.append(contentsOf: value)
        out.append(contentsOf: [ASCII.cr, ASCII.lf])
    }

    private static func isSendable(_ field: HTTPField) -> Bool {
        ASCII.isToken(field.name.utf8) && field.value.utf8.allSatisfy { ASCII.isFieldValueByte($0) }
    }

    private static let commonStatusLines: [Int: [UInt8]] = {
        var lines: [Int: [UInt8]] = [:]
        for status in [200, 201, 204, 400, 404, 405, 408, 413, 414, 415, 422, 431, 500, 501, 503, 505] {
            lines[status] = Array("HTTP/1.1 \(status) \(HTTPResponse.reasonPhrase(status))\r\n".utf8)
        }
        return lines
    }()

    static func statusLine(_ status: Int) -> [UInt8] {
        if let line = commonStatusLines[status] { return line }
        return Array("HTTP/1.1 \(status) \(HTTPResponse.reasonPhrase(status))\r\n".utf8)
    }
}
