/// The life of one connection as a pure state machine: events in (bytes, end of input, a
/// response, a finished write, a timer, a drain), actions out. It does no I/O and reads no clock
/// (time comes in as `now`, in monotonic nanoseconds), so every path is testable without sockets
/// (the Hummingbird / SwiftNIO shape).
///
/// One request is handled at a time: pipelined requests (RFC 9112 §9.3.2) wait in the parser's
/// buffer until the previous response is written, so responses leave in request order.
struct ConnectionStateMachine {
    struct Timeouts {
        var header: UInt64
        var body: UInt64
        var idle: UInt64
        var write: UInt64
        var linger: UInt64

        init(_ configuration: HTTPConfiguration) {
            header = configuration.headerTimeout.clampedNanoseconds
            body = configuration.bodyTimeout.clampedNanoseconds
            idle = configuration.idleTimeout.clampedNanoseconds
            write = configuration.writeTimeout.clampedNanoseconds
            linger = configuration.lingerTimeout.clampedNanoseconds
        }
    }

    /// What the request being answered was, for the response head and the access record.
    struct RequestContext: Sendable, Equatable {
        var method: String?
        var path: String?
        var version: HTTPVersion = .http1_1
        var keepAlive = false
        var requestBytes = 0
        var started: UInt64 = 0
        var requestID: String?
        var errorCode: String?
    }

    /// A response to write, and whether the connection closes after it.
    struct Outgoing: Sendable, Equatable {
        var response: HTTPResponse
        var context: RequestContext
        var close: Bool
    }

    /// Equatable, so tests compare actions directly (`== .close`).
    enum Action: Equatable {
        case none
        /// Write "HTTP/1.1 100 Continue" now.
        case sendContinue
        /// Run the handler; call `responseReady` with its answer.
        case dispatch(HTTPRequest)
        /// Write this response; call `writeCompleted` when it is all out.
        case write(Outgoing)
        /// Half-close (shutdown SHUT_WR) and keep reading, discarding, until EOF or the linger
        /// timer: closing with unread input would send a RST that can destroy our response.
        case shutdownOutput
        /// Close the socket now.
        case close
    }

    enum Phase {
        case idle(fresh: Bool)
        case receiving
        case handling
        case writing(close: Bool)
        case lingering
        case closed
    }

    enum DeadlineKind { case header, body, idle, write, linger }

    private(set) var phase: Phase = .idle(fresh: true)
    private(set) var deadline: (at: UInt64, kind: DeadlineKind)?
    private(set) var isDraining = false
    private(set) var inputClosed = false
    private var parser: RequestParser
    private var context = RequestContext()
    private let timeouts: Timeouts
    private let retryAfterSeconds: Int
    /// The body of a response the HTTP layer makes itself, in the service's vocabulary.
    private let errorResponse: HTTPErrorResponder
    /// Bytes buffered while a request is handled before reading pauses: room for a pipelined head.
    private let pipelineBufferLimit: Int

    /// Asked for the bytes a request body will hold before any of it is read (a Content-Length
    /// body its length, a chunked one `maxBodyBytes`); false refuses the request with 503.
    private let admitBody: (Int) -> Bool
    private let maxBodyBytes: Int
    private let minResponseRate: Int
    /// When the response being written was handed over.
    private var writeStarted: UInt64 = 0

    init(configuration: HTTPConfiguration, now: UInt64, errorResponse: @escaping HTTPErrorResponder = HTTPError.plainResponse,
         admitBody: @escaping (Int) -> Bool = { _ in true }) {
        self.errorResponse = errorResponse
        self.admitBody = admitBody
        self.maxBodyBytes = configuration.maxBodyBytes
        self.minResponseRate = configuration.minResponseRate
        parser = RequestParser(limits: configuration.parserLimits)
        timeouts = Timeouts(configuration)
        retryAfterSeconds = configuration.retryAfterSeconds
        pipelineBufferLimit = configuration.maxRequestLineBytes + configuration.maxHeaderBytes
        deadline = (now &+ timeouts.header, .header)
        context.started = now
    }

    /// Whether the connection should be reading its socket now (backpressure while handling).
    var wantsToRead: Bool {
        if inputClosed { return false }
        switch phase {
        case .idle, .receiving, .lingering: return true
        case .handling, .writing: return parser.bufferedByteCount < pipelineBufferLimit
        case .closed: return false
        }
    }

    var isClosed: Bool {
        if case .closed = phase { return true }
        return false
    }

    /// A connection accepted beyond `maxConnections`: answer 503 and close.
    mutating func reject(now: UInt64) -> Action {
        fail(.overloaded, now: now)
    }

    mutating func bytesReceived(_ bytes: UnsafeRawBufferPointer, now: UInt64) -> Action {
        switch phase {
        case .closed, .lingering:
            return .none
        case .handling, .writing:
            parser.append(bytes)
            return .none
        case .idle(let fresh):
            phase = .receiving
            context = RequestContext(started: now)
            // A fresh connection's head deadline runs from the accept, not from its first byte.
            if !fresh { deadline = (now &+ timeouts.header, .header) }
            parser.append(bytes)
            return advance(now: now)
        case .receiving:
            parser.append(bytes)
            return advance(now: now)
        }
    }

    /// True while a fixed-length body is being received with nothing buffered: the connection may
    /// read it straight into place (`receiveBodyInPlace`) instead of through `bytesReceived`.
    var canReceiveBodyInPlace: Bool {
        if case .receiving = phase { return parser.canReceiveBodyInPlace }
        return false
    }

    /// Reads body bytes straight into place with `read` (see `RequestParser.receiveBody`); a
    /// positive count must be followed by `bodyReceivedInPlace(now:)`.
    mutating func receiveBodyInPlace(_ read: (UnsafeMutableRawBufferPointer) throws -> Int) rethrows -> Int {
        try parser.receiveBody(read)
    }

    /// After `receiveBodyInPlace` took bytes: dispatches the request once its body is complete.
    mutating func bodyReceivedInPlace(now: UInt64) -> Action {
        advance(now: now)
    }

    /// The client closed its side (read returned 0).
    mutating func inputEnded(now: UInt64) -> Action {
        inputClosed = true
        switch phase {
        case .idle, .receiving, .lingering:
            return close()
        case .handling, .writing, .closed:
            return .none
        }
    }

    /// The handler answered the request handed out by `.dispatch`.
    mutating func responseReady(_ response: HTTPResponse, now: UInt64) -> Action {
        guard case .handling = phase else { return .none }
        if context.requestID == nil { context.requestID = response.headers["x-request-id"] }
        let close = !context.keepAlive || isDraining || ResponseWriter.requestsClose(response)
        phase = .writing(close: close)
        deadline = (now &+ timeouts.write, .write)
        writeStarted = now
        return .write(Outgoing(response: response, context: context, close: close))
    }

    /// Some of the response left (`written` bytes of it so far): the write timer starts again,
    /// unless the response has been on its way longer than `writeTimeout` at an average below
    /// `minResponseRate` bytes/s: then the pending deadline stands and closes the connection (a
    /// client that reads a byte every few seconds cannot pin a response forever).
    mutating func writeProgressed(now: UInt64, written: Int) {
        guard case .writing = phase else { return }
        let elapsed = now &- writeStarted
        if minResponseRate > 0, elapsed > timeouts.write,
           Double(written) < Double(minResponseRate) * Double(elapsed) / 1e9 {
            return
        }
        deadline = (now &+ timeouts.write, .write)
    }

    mutating func writeCompleted(now: UInt64) -> Action {
        guard case .writing(let close) = phase else { return .none }
        if close {
            if inputClosed { return self.close() }
            phase = .lingering
            deadline = (now &+ timeouts.linger, .linger)
            return .shutdownOutput
        }
        return startNextRequest(now: now)
    }

    mutating func timerFired(now: UInt64) -> Action {
        guard let deadline, now >= deadline.at else { return .none }
        switch deadline.kind {
        case .idle, .write, .linger:
            return close()
        case .header:
            // Nothing received at all: close silently, as nginx does; a partial head gets a 408.
            if case .idle = phase { return close() }
            return fail(.headerTimeout, now: now)
        case .body:
            return fail(.bodyTimeout, now: now)
        }
    }

    /// Graceful shutdown: idle connections close now; a request in progress finishes and its
    /// response carries `Connection: close`.
    mutating func beginDrain(now: UInt64) -> Action {
        isDraining = true
        if case .idle = phase { return close() }
        return .none
    }

    // MARK: - Internals

    private mutating func startNextRequest(now: UInt64) -> Action {
        context = RequestContext(started: now)
        if parser.bufferedByteCount == 0 {
            if isDraining || inputClosed { return close() }
            phase = .idle(fresh: false)
            deadline = (now &+ timeouts.idle, .idle)
            return .none
        }
        phase = .receiving
        deadline = (now &+ timeouts.header, .header)
        let action = advance(now: now)
        if case .none = action, inputClosed { return close() }
        return action
    }

    private mutating func advance(now: UInt64) -> Action {
        while true {
            switch parser.next() {
            case .needMoreData:
                if parser.isReceivingBody { deadline = (now &+ timeouts.body, .body) }
                return .none
            case .head(let head):
                context.method = head.method
                context.path = HTTPRequest.split(target: head.target).path
                context.version = head.version
                context.keepAlive = head.wantsKeepAlive
                context.requestID = head.headers["x-request-id"]
                switch head.framing {
                case .none: break
                case .length(let length): guard admitBody(length) else { return fail(.inflightBytesExceeded, now: now) }
                case .chunked: guard admitBody(maxBodyBytes) else { return fail(.inflightBytesExceeded, now: now) }
                }
                if head.framing != .none { deadline = (now &+ timeouts.body, .body) }
                if head.expectsContinue && parser.bufferedByteCount == 0 { return .sendContinue }
            case .request(let request):
                context.requestBytes = request.wireBytes
                phase = .handling
                deadline = nil
                return .dispatch(request)
            case .error(let error):
                return fail(error, now: now)
            }
        }
    }

    private mutating func fail(_ error: HTTPError, now: UInt64) -> Action {
        context.errorCode = error.code
        context.requestBytes = max(context.requestBytes, parser.bufferedByteCount)
        phase = .writing(close: true)
        deadline = (now &+ timeouts.write, .write)
        writeStarted = now
        var response = errorResponse(error)
        response.headers.replaceOrAdd(name: "Connection", value: "close")
        if error.status == 503 { response.headers.replaceOrAdd(name: "Retry-After", value: String(retryAfterSeconds)) }
        return .write(Outgoing(response: response, context: context, close: true))
    }

    private mutating func close() -> Action {
        phase = .closed
        deadline = nil
        return .close
    }
}
