/// Every limit and timeout of the HTTP layer: an immutable value with one initialiser, whose
/// parameter defaults are the server's defaults (the CLI's help and the README's configuration
/// table are generated from, and tested against, these same values), and its own `validate()`.
///
/// | field                 | what happens at the limit                                                   |
/// |-----------------------|-----------------------------------------------------------------------------|
/// | `host`                | numeric IPv4/IPv6 literal or "localhost"; "::" is dual-stack                |
/// | `port`                | 0 binds an ephemeral port (returned by `HTTPServer.start()`)                |
/// | `backlog`             | `listen(2)` backlog (nginx's default 511; the kernel caps it)              |
/// | `maxBodyBytes`        | 413 + close; announced sizes are refused before any body is read            |
/// | `maxRequestLineBytes` | 414 + close                                                                 |
/// | `maxHeaderBytes`      | 431 + close (header section after the request line, or trailers)           |
/// | `maxHeaderCount`      | 431 + close                                                                 |
/// | `headerTimeout`       | head begun but not complete in time: 408 + close; no byte at all: close     |
/// | `bodyTimeout`         | no body byte for this long: 408 + close                                     |
/// | `idleTimeout`         | keep-alive connection without a new request: silent close                   |
/// | `writeTimeout`        | client reads none of our response for this long: close                      |
/// | `lingerTimeout`       | after an error response, unread input is drained this long                  |
/// | `drainTimeout`        | graceful shutdown forces the remaining connections closed                   |
/// | `maxConnections`      | beyond: 503 + `Retry-After` + close (never stops accepting)                 |
/// | `maxInflightBytes`    | bodies being read + responses being written, all connections: 503 + close  |
/// | `minResponseRate`     | bytes/s a client must read a large response at, after `writeTimeout`: close |
/// | `retryAfterSeconds`   | the `Retry-After` value on every 503                                        |
/// | `computeConcurrency`  | handler calls running at once; further requests queue (FIFO)                |
/// | `eventLoopCount`      | threads waiting on sockets (epoll); connections spread over them            |
/// | `serverName`          | the `Server` header; nil sends none                                         |
///
/// A `headerTimeout` starts when a connection is accepted or when the first byte of a request
/// arrives on a kept-alive connection; before that byte `idleTimeout` runs.
public struct HTTPConfiguration: Sendable, Equatable {
    public let host: String
    public let port: Int
    public let backlog: Int
    public let maxBodyBytes: Int
    public let maxRequestLineBytes: Int
    public let maxHeaderBytes: Int
    public let maxHeaderCount: Int
    public let headerTimeout: Duration
    public let bodyTimeout: Duration
    public let idleTimeout: Duration
    public let writeTimeout: Duration
    public let lingerTimeout: Duration
    public let drainTimeout: Duration
    public let maxConnections: Int
    public let maxInflightBytes: Int
    public let minResponseRate: Int
    public let retryAfterSeconds: Int
    public let computeConcurrency: Int
    public let eventLoopCount: Int
    public let serverName: String?

    public init(
        host: String = "0.0.0.0",
        port: Int = 8080,
        backlog: Int = 511,
        maxBodyBytes: Int = 64 << 20,
        maxRequestLineBytes: Int = 8 << 10,
        maxHeaderBytes: Int = 64 << 10,
        maxHeaderCount: Int = 256,
        headerTimeout: Duration = .seconds(30),
        bodyTimeout: Duration = .seconds(30),
        idleTimeout: Duration = .seconds(60),
        writeTimeout: Duration = .seconds(30),
        lingerTimeout: Duration = .seconds(2),
        drainTimeout: Duration = .seconds(25),
        maxConnections: Int = 1024,
        maxInflightBytes: Int = 256 << 20,
        minResponseRate: Int = 16 << 10,
        retryAfterSeconds: Int = 1,
        computeConcurrency: Int = CPUs.available,
        eventLoopCount: Int = CPUs.available,
        serverName: String? = "softlabel"
    ) {
        self.host = host
        self.port = port
        self.backlog = backlog
        self.maxBodyBytes = maxBodyBytes
        self.maxRequestLineBytes = maxRequestLineBytes
        self.maxHeaderBytes = maxHeaderBytes
        self.maxHeaderCount = maxHeaderCount
        self.headerTimeout = headerTimeout
        self.bodyTimeout = bodyTimeout
        self.idleTimeout = idleTimeout
        self.writeTimeout = writeTimeout
        self.lingerTimeout = lingerTimeout
        self.drainTimeout = drainTimeout
        self.maxConnections = maxConnections
        self.maxInflightBytes = maxInflightBytes
        self.minResponseRate = minResponseRate
        self.retryAfterSeconds = retryAfterSeconds
        self.computeConcurrency = computeConcurrency
        self.eventLoopCount = eventLoopCount
        self.serverName = serverName
    }

    /// The accepted range of each field: what `validate()` checks and what an operator is told.
    /// Durations are bounded so that every deadline fits the monotonic clock's nanoseconds.
    public enum Range {
        public static let port = 0...65_535
        public static let backlog = 1...65_535
        public static let maxBodyBytes = 1...(1 << 40)
        public static let maxRequestLineBytes = 64...(1 << 20)
        public static let maxHeaderBytes = 256...(16 << 20)
        public static let maxHeaderCount = 1...100_000
        public static let timeout = Duration.milliseconds(1)...Duration.seconds(86_400)
        public static let lingerTimeout = Duration.zero...Duration.seconds(3_600)
        public static let maxConnections = 1...1_000_000
        public static let maxInflightBytes = (1 << 20)...(1 << 44)
        public static let minResponseRate = 0...(1 << 30)
        public static let retryAfterSeconds = 0...86_400
        public static let threads = 1...4_096
    }

    /// Checks every field against `Range`; the first field out of range is thrown.
    public func validate() throws(ConfigurationError) {
        try ConfigurationError.check("host", host, !host.isEmpty && host.utf8.count <= 255, "a non-empty IP literal or localhost")
        try ConfigurationError.check("port", port, in: Range.port)
        try ConfigurationError.check("backlog", backlog, in: Range.backlog)
        try ConfigurationError.check("maxBodyBytes", maxBodyBytes, in: Range.maxBodyBytes)
        try ConfigurationError.check("maxRequestLineBytes", maxRequestLineBytes, in: Range.maxRequestLineBytes)
        try ConfigurationError.check("maxHeaderBytes", maxHeaderBytes, in: Range.maxHeaderBytes)
        try ConfigurationError.check("maxHeaderCount", maxHeaderCount, in: Range.maxHeaderCount)
        for (name, value) in [("headerTimeout", headerTimeout), ("bodyTimeout", bodyTimeout), ("idleTimeout", idleTimeout),
                              ("writeTimeout", writeTimeout), ("drainTimeout", drainTimeout)] {
            try ConfigurationError.check(name, value, in: Range.timeout)
        }
        try ConfigurationError.check("lingerTimeout", lingerTimeout, in: Range.lingerTimeout)
        try ConfigurationError.check("maxConnections", maxConnections, in: Range.maxConnections)
        try ConfigurationError.check("maxInflightBytes", maxInflightBytes, in: Range.maxInflightBytes)
        try ConfigurationError.check("minResponseRate", minResponseRate, in: Range.minResponseRate)
        if maxInflightBytes < maxBodyBytes {
            throw ConfigurationError(field: "maxInflightBytes", value: String(maxInflightBytes),
                                     accepted: "at least maxBodyBytes (\(maxBodyBytes)), or no body of the maximum size could ever be read")
        }
        try ConfigurationError.check("retryAfterSeconds", retryAfterSeconds, in: Range.retryAfterSeconds)
        try ConfigurationError.check("computeConcurrency", computeConcurrency, in: Range.threads)
        try ConfigurationError.check("eventLoopCount", eventLoopCount, in: Range.threads)
    }

    /// The parser's share of the configuration.
    var parserLimits: RequestParser.Limits {
        RequestParser.Limits(
            maxRequestLineBytes: maxRequestLineBytes,
            maxHeaderBytes: maxHeaderBytes,
            maxHeaderCount: maxHeaderCount,
            maxBodyBytes: maxBodyBytes
        )
    }
}

/// A configuration field outside its accepted range: names the field, the value and the range.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The field's name in its configuration type (`headerTimeout`); the CLI maps it to its flag.
    public let field: String
    public let value: String
    public let accepted: String

    public init(field: String, value: String, accepted: String) {
        self.field = field
        self.value = value
        self.accepted = accepted
    }

    public var description: String { "\(field) is \(value); accepted: \(accepted)" }

    public static func check(_ field: String, _ value: Int, in range: ClosedRange<Int>) throws(ConfigurationError) {
        guard range.contains(value) else {
            throw ConfigurationError(field: field, value: String(value), accepted: "\(range.lowerBound)...\(range.upperBound)")
        }
    }

    public static func check(_ field: String, _ value: Duration, in range: ClosedRange<Duration>) throws(ConfigurationError) {
        guard range.contains(value) else {
            throw ConfigurationError(field: field, value: Self.seconds(value),
                                     accepted: "\(Self.seconds(range.lowerBound))...\(Self.seconds(range.upperBound))")
        }
    }

    public static func check(_ field: String, _ value: String, _ ok: Bool, _ accepted: String) throws(ConfigurationError) {
        guard ok else { throw ConfigurationError(field: field, value: "\"\(value)\"", accepted: accepted) }
    }

    /// "30s", "0.5s", "0.001s": a duration as an operator writes it.
    public static func seconds(_ d: Duration) -> String {
        let (s, atto) = d.components
        if atto == 0 { return "\(s)s" }
        let millis = atto / 1_000_000_000_000_000
        if millis * 1_000_000_000_000_000 == atto { return "\(Double(s) + Double(millis) / 1000)s" }
        return "\(Double(s) + Double(atto) / 1e18)s"
    }
}

extension Duration {
    /// Whole nanoseconds, clamped to [0, UInt64.max] (a validated configuration never clamps).
    var clampedNanoseconds: UInt64 {
        let (seconds, attoseconds) = components
        guard seconds >= 0 else { return 0 }
        let (whole, overflow) = UInt64(seconds).multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow else { return .max }
        let (total, overflow2) = whole.addingReportingOverflow(UInt64(attoseconds / 1_000_000_000))
        return overflow2 ? .max : total
    }
}
