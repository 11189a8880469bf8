/// What the service implements. `handle` is synchronous and runs on the server's bounded compute
/// pool (`HTTPConfiguration.computeConcurrency` calls at once), unless `runsInline` says the
/// request is cheap enough to answer on the connection's I/O queue.
///
/// HEAD requests reach the handler with method "HEAD": answer as for GET; the server sends the
/// headers and the `Content-Length` of that body, without the body (RFC 9110 §9.3.2).
public protocol HTTPHandler: Sendable {
    func handle(_ request: HTTPRequest) -> HTTPResponse

    /// True for a request whose handling is known to take microseconds (a health probe, a small
    /// loss): it is then handled on the I/O thread that parsed it, saving the hop to a compute
    /// thread and back (two context switches, which cost more than such a request's work:
    /// 53 % of the CPU went to the kernel's task switching on 32×10 loss bodies). Default false.
    /// Return true only when the cost is bounded by the body size and the body is small.
    func runsInline(_ request: HTTPRequest) -> Bool
}

extension HTTPHandler {
    public func runsInline(_ request: HTTPRequest) -> Bool { false }
}

/// A handler made from a closure (handy in tests and small tools).
public struct HTTPClosureHandler: HTTPHandler {
    private let body: @Sendable (HTTPRequest) -> HTTPResponse

    public init(_ body: @escaping @Sendable (HTTPRequest) -> HTTPResponse) {
        self.body = body
    }

    public func handle(_ request: HTTPRequest) -> HTTPResponse { body(request) }
}
