#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Every limit and timeout of the HTTP layer, with its default, in one place.
///
/// | field                 | default        | what happens at the limit                                        |
/// |-----------------------|----------------|------------------------------------------------------------------|
/// | `host`                | "0.0.0.0"      | numeric IPv4/IPv6 literal or "localhost"; "::" is dual-stack     |
/// | `port`                | 8080           | 0 binds an ephemeral port (returned by `HTTPServer.start()`)     |
/// | `backlog`             | 511            | `listen(2)` backlog (nginx's default; the kernel caps it)        |
/// | `maxBodyBytes`        | 64 MiB         | 413 + close; announced sizes are refused before any body is read |
/// | `maxRequestLineBytes` | 8 KiB          | 414 + close                                                      |
/// | `maxHeaderBytes`      | 64 KiB         | 431 + close (header section after the request line, or trailers) |
/// | `maxHeaderCount`      | 256            | 431 + close                                                      |
/// | `headerTimeout`       | 30 s           | head not complete in time: 408 + close (silent close if no byte) |
/// | `bodyTimeout`         | 30 s           | no body byte for this long: 408 + close                          |
/// | `idleTimeout`         | 60 s           | keep-alive connection without a new request: silent close        |
/// | `writeTimeout`        | 30 s           | client reads none of our response for this long: close           |
/// | `lingerTimeout`       | 2 s            | after an error response, unread input is drained this long       |
/// | `drainTimeout`        | 25 s           | graceful shutdown forces the remaining connections closed        |
/// | `maxConnections`      | 1024           | beyond: 503 + `Retry-After` + close (never stops accepting)      |
/// | `retryAfterSeconds`   | 1              | the `Retry-After` value on 503s                                  |
/// | `computeConcurrency`  | online cores   | handler calls running at once; further requests queue (FIFO)     |
/// | `eventLoopCount`      | online cores   | threads waiting on sockets (epoll); connections spread over them |
/// | `serverName`          | "softlabel"    | the `Server` header; nil sends none                              |
///
/// Timeouts are in seconds. A `headerTimeout` starts when a connection is accepted or when the
/// first byte of a request arrives on a kept-alive connection; before that byte `idleTimeout` runs.
public struct HTTPConfiguration: Sendable {
    public var host: String = "0.0.0.0"
    public var port: Int = 8080
    public var backlog: Int = 511
    public var maxBodyBytes: Int = 64 << 20
    public var maxRequestLineBytes: Int = 8 << 10
    public var maxHeaderBytes: Int = 64 << 10
    public var maxHeaderCount: Int = 256
    public var headerTimeout: Double = 30
    public var bodyTimeout: Double = 30
    public var idleTimeout: Double = 60
    public var writeTimeout: Double = 30
    public var lingerTimeout: Double = 2
    public var drainTimeout: Double = 25
    public var maxConnections: Int = 1024
    public var retryAfterSeconds: Int = 1
    public var computeConcurrency: Int = HTTPConfiguration.activeProcessorCount
    /// Event loop threads (`EventLoop`); each connection is served by one of them.
    public var eventLoopCount: Int = HTTPConfiguration.activeProcessorCount
    public var serverName: String? = "softlabel"

    public init() {}

    /// Online processors (`sysconf(_SC_NPROCESSORS_ONLN)`). A container's CPU quota is not read
    /// here: set `computeConcurrency` from the deployment when it differs.
    public static var activeProcessorCount: Int {
        max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
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
