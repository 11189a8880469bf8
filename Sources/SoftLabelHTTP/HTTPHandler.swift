/// What the service implements. `handle` is synchronous and runs on the server's bounded compute
/// pool (`HTTPConfiguration.computeConcurrency` calls at once), never on a connection's I/O queue.
///
/// HEAD requests reach the handler with method "HEAD": answer as for GET; the server sends the
/// headers and the `Content-Length` of that body, without the body (RFC 9110 §9.3.2).
public protocol HTTPHandler: Sendable {
    func handle(_ request: HTTPRequest) -> HTTPResponse
}

/// A handler made from a closure (handy in tests and small tools).
public struct HTTPClosureHandler: HTTPHandler {
    private let body: @Sendable (HTTPRequest) -> HTTPResponse

    public init(_ body: @escaping @Sendable (HTTPRequest) -> HTTPResponse) {
        self.body = body
    }

    public func handle(_ request: HTTPRequest) -> HTTPResponse { body(request) }
}
