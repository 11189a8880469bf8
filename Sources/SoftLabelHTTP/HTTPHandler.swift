/// What the service implements: it sees each parsed request once, on the event loop thread that
/// parsed it, and either answers at once or hands back the work to run on the server's bounded
/// compute pool (`HTTPConfiguration.computeConcurrency` jobs at once).
///
/// `accept` must be cheap: routing, header checks, and at most work bounded by a small body
/// (decoding a few KiB of JSON, computing a 32×10 loss). Anything whose cost grows with the
/// input goes into `.compute`. Answering on the loop saves the hop to a compute thread and back,
/// two context switches that cost more than a small request's work (53 % of the CPU went to the
/// kernel's task switching on 32×10 loss bodies before small requests were answered inline).
///
/// HEAD requests arrive with method "HEAD": answer as for GET; the server sends the headers and
/// the `Content-Length` of that body, without the body (RFC 9110 §9.3.2).
public protocol HTTPHandler: Sendable {
    func accept(_ request: HTTPRequest) -> HTTPHandling

    /// Renders the errors the HTTP layer detects itself (400 framing, 408, 413, 414, 431, 503 ...)
    /// in the service's vocabulary. Default: `HTTPError.plainResponse`.
    var errorResponder: HTTPErrorResponder { get }
}

extension HTTPHandler {
    public var errorResponder: HTTPErrorResponder { HTTPError.plainResponse }
}

/// A handler's answer to a request: the response now, or the work that makes it.
public enum HTTPHandling: Sendable {
    /// Answered on the event loop.
    case respond(HTTPResponse)
    /// Run on a compute thread; skipped when the client has gone before it starts.
    case compute(@Sendable () -> HTTPResponse)
}

/// A handler made from a closure, every request computed on the pool (tests and small tools).
public struct HTTPClosureHandler: HTTPHandler {
    private let body: @Sendable (HTTPRequest) -> HTTPResponse

    public init(_ body: @escaping @Sendable (HTTPRequest) -> HTTPResponse) {
        self.body = body
    }

    public func accept(_ request: HTTPRequest) -> HTTPHandling {
        let body = self.body
        return .compute { body(request) }
    }
}
