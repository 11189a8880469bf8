/// Hooks through which the service logs and measures every response, including those the HTTP
/// layer produces itself (400/408/413/414/431/501/503/505). Called on event-loop and compute threads: keep them short
/// and thread-safe. Every method has an empty default.
public protocol HTTPObserver: Sendable {
    /// A connection was accepted (also one that is then refused with 503).
    func connectionOpened()
    /// A connection was closed; balanced with `connectionOpened`.
    func connectionClosed()
    /// A final response was written to the socket (or the write failed part-way: see `completed`).
    func responseSent(_ record: HTTPResponseRecord)
}

extension HTTPObserver {
    public func connectionOpened() {}
    public func connectionClosed() {}
    public func responseSent(_ record: HTTPResponseRecord) {}
}

/// One response, for the access log and metrics.
public struct HTTPResponseRecord: Sendable {
    /// Method and path of the request; nil when the head could not be parsed.
    public var method: String?
    public var path: String?
    public var status: Int
    /// Bytes of the request on the wire (head, body, framing); what was read for a rejected one.
    public var requestBytes: Int
    /// Bytes of the response on the wire (head and body).
    public var responseBytes: Int
    /// From the first byte of the request (or the accept, for a 503) to the last byte written.
    public var durationSeconds: Double
    /// `X-Request-Id` of the response, else of the request.
    public var requestID: String?
    public var remoteAddress: String?
    /// The machine code when the HTTP layer produced the response itself ("header_timeout", ...).
    public var errorCode: String?
    /// False when the client went away before the whole response was written.
    public var completed: Bool

    public init(
        method: String?, path: String?, status: Int, requestBytes: Int, responseBytes: Int, durationSeconds: Double,
        requestID: String?, remoteAddress: String?, errorCode: String?, completed: Bool
    ) {
        self.method = method
        self.path = path
        self.status = status
        self.requestBytes = requestBytes
        self.responseBytes = responseBytes
        self.durationSeconds = durationSeconds
        self.requestID = requestID
        self.remoteAddress = remoteAddress
        self.errorCode = errorCode
        self.completed = completed
    }
}
