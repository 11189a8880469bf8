/// The protocol version of a request line (RFC 9112 §2.3). Only 1.0 and 1.1 reach a handler; a
/// higher 1.x minor is treated as 1.1 (RFC 9110 §2.5), other majors get 505.
public struct HTTPVersion: Sendable, Hashable, CustomStringConvertible {
    public var major: Int
    public var minor: Int

    public init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }

    public static let http1_0 = HTTPVersion(major: 1, minor: 0)
    public static let http1_1 = HTTPVersion(major: 1, minor: 1)

    public var description: String { "HTTP/\(major).\(minor)" }
}

/// A complete request, body included (a handler never sees a partial one).
public struct HTTPRequest: Sendable, Equatable {
    /// The method token, case-sensitive as sent ("GET", "POST", ...).
    public var method: String
    /// The request-target exactly as sent: origin-form "/a?b", absolute-form, "*" or authority-form.
    public var target: String
    /// The path of the target ("/a" for "/a?b" and for "http://host/a?b"; "*" for asterisk-form).
    public var path: String
    /// What follows the first "?", without it; nil when there is no "?".
    public var query: String?
    public var version: HTTPVersion
    /// Header fields in arrival order, duplicates kept.
    public var headers: HTTPHeaders
    /// The decoded body (chunked framing removed).
    public var body: [UInt8]
    /// Trailer fields of a chunked body (RFC 9112 §7.1.2), empty otherwise.
    public var trailers: HTTPHeaders
    /// The client's address ("127.0.0.1:5123", "[::1]:5123"), when known.
    public var remoteAddress: String?
    /// Bytes this request took on the wire: head, body and its framing.
    public var wireBytes: Int

    public init(
        method: String, target: String, version: HTTPVersion = .http1_1, headers: HTTPHeaders = HTTPHeaders(),
        body: [UInt8] = [], trailers: HTTPHeaders = HTTPHeaders(), remoteAddress: String? = nil, wireBytes: Int = 0
    ) {
        self.method = method
        self.target = target
        let (path, query) = HTTPRequest.split(target: target)
        self.path = path
        self.query = query
        self.version = version
        self.headers = headers
        self.body = body
        self.trailers = trailers
        self.remoteAddress = remoteAddress
        self.wireBytes = wireBytes
    }

    /// Whether the client asked to keep the connection open after this request (RFC 9112 §9.3):
    /// HTTP/1.1 unless `Connection: close`; HTTP/1.0 only with `Connection: keep-alive`.
    public var wantsKeepAlive: Bool {
        if headers.containsToken("close", in: "connection") { return false }
        if version == .http1_0 { return headers.containsToken("keep-alive", in: "connection") }
        return true
    }

    /// Splits a request-target into path and query. Absolute-form ("http://h/p?q") yields "/p".
    static func split(target: String) -> (path: String, query: String?) {
        var utf8 = Substring(target).utf8[...]
        if let schemeEnd = findSchemeEnd(utf8) {
            let afterScheme = utf8[schemeEnd...]
            let pathStart = afterScheme.firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") } ?? afterScheme.endIndex
            utf8 = afterScheme[pathStart...]
        }
        guard let mark = utf8.firstIndex(of: UInt8(ascii: "?")) else {
            let path = String(Substring(utf8))
            return (path.isEmpty ? "/" : path, nil)
        }
        let path = String(Substring(utf8[..<mark]))
        let query = String(Substring(utf8[utf8.index(after: mark)...]))
        return (path.isEmpty ? "/" : path, query)
    }

    /// The index after "scheme://" when `target` is in absolute-form.
    private static func findSchemeEnd(_ utf8: Substring.UTF8View) -> Substring.UTF8View.Index? {
        guard let first = utf8.first, first != UInt8(ascii: "/"), first != UInt8(ascii: "*") else { return nil }
        var index = utf8.startIndex
        while index < utf8.endIndex {
            let byte = utf8[index]
            if byte == UInt8(ascii: ":") {
                let rest = utf8[utf8.index(after: index)...]
                guard rest.starts(with: "//".utf8) else { return nil }
                return utf8.index(index, offsetBy: 3)
            }
            let isSchemeByte = ASCII.isTokenByte(byte) && byte != UInt8(ascii: "/")
            guard isSchemeByte else { return nil }
            index = utf8.index(after: index)
        }
        return nil
    }
}
