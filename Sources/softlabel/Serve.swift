import ArgumentParser
import Logging
import SoftLabelHTTP
import SoftLabelService

/// `softlabel serve`: the HTTP service on its embedded defaults (no config file, no database).
/// Every setting is a flag and an environment variable; the flag wins.
struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the HTTP service (default 0.0.0.0:8080).",
        discussion: "SIGTERM or SIGINT drains gracefully (/readyz turns 503, in-flight requests finish); a second signal stops at once."
    )

    @Option(help: "Address to bind: an IPv4/IPv6 literal, \"::\" for dual-stack, or localhost. Env SOFTLABEL_HOST. Default 0.0.0.0.")
    var host: String?

    @Option(help: "TCP port; 0 picks a free one. Env SOFTLABEL_PORT. Default 8080.")
    var port: Int?

    @Option(help: "Largest request header section in bytes (→ 431). Env SOFTLABEL_MAX_HEADER_BYTES. Default 65536.")
    var maxHeaderBytes: Int?

    @Option(help: "Largest request line in bytes (→ 414). Env SOFTLABEL_MAX_REQUEST_LINE_BYTES. Default 8192.")
    var maxRequestLineBytes: Int?

    @Option(help: "Seconds a client has to send a complete request head (→ 408). Env SOFTLABEL_HEADER_TIMEOUT. Default 30.")
    var headerTimeout: Double?

    @Option(help: "Seconds without a body byte before the request is cut (→ 408). Env SOFTLABEL_BODY_TIMEOUT. Default 30.")
    var bodyTimeout: Double?

    @Option(help: "Seconds an idle keep-alive connection is kept. Env SOFTLABEL_IDLE_TIMEOUT. Default 60.")
    var idleTimeout: Double?

    @Option(help: "Seconds the graceful drain waits for in-flight requests. Env SOFTLABEL_DRAIN_TIMEOUT. Default 25.")
    var drainTimeout: Double?

    @Option(help: "Open connections beyond which new ones get 503 + Retry-After. Env SOFTLABEL_MAX_CONNECTIONS. Default 1024.")
    var maxConnections: Int?

    @Option(help: "Requests computed at once; more queue. Env SOFTLABEL_COMPUTE_CONCURRENCY. Default: the number of cores.")
    var computeConcurrency: Int?

    @Option(help: "Threads serving the connections' sockets (epoll event loops). Env SOFTLABEL_EVENT_LOOPS. Default: the number of cores.")
    var eventLoops: Int?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical. Env SOFTLABEL_LOG_LEVEL. Default info.")
    var logLevel: String?

    @OptionGroup var limits: ServiceLimitOptions

    var httpConfiguration: HTTPConfiguration {
        var c = HTTPConfiguration()
        c.host = host ?? Environment.string("SOFTLABEL_HOST") ?? c.host
        c.port = port ?? Environment.int("SOFTLABEL_PORT") ?? c.port
        c.maxBodyBytes = limits.serviceConfiguration.maxBodyBytes
        c.maxHeaderBytes = maxHeaderBytes ?? Environment.int("SOFTLABEL_MAX_HEADER_BYTES") ?? c.maxHeaderBytes
        c.maxRequestLineBytes = maxRequestLineBytes ?? Environment.int("SOFTLABEL_MAX_REQUEST_LINE_BYTES") ?? c.maxRequestLineBytes
        c.headerTimeout = headerTimeout ?? Environment.double("SOFTLABEL_HEADER_TIMEOUT") ?? c.headerTimeout
        c.bodyTimeout = bodyTimeout ?? Environment.double("SOFTLABEL_BODY_TIMEOUT") ?? c.bodyTimeout
        c.idleTimeout = idleTimeout ?? Environment.double("SOFTLABEL_IDLE_TIMEOUT") ?? c.idleTimeout
        c.drainTimeout = drainTimeout ?? Environment.double("SOFTLABEL_DRAIN_TIMEOUT") ?? c.drainTimeout
        c.maxConnections = maxConnections ?? Environment.int("SOFTLABEL_MAX_CONNECTIONS") ?? c.maxConnections
        c.computeConcurrency = computeConcurrency ?? Environment.int("SOFTLABEL_COMPUTE_CONCURRENCY") ?? c.computeConcurrency
        c.eventLoopCount = eventLoops ?? Environment.int("SOFTLABEL_EVENT_LOOPS") ?? c.eventLoopCount
        return c
    }

    func run() throws {
        let level = logLevel ?? Environment.string("SOFTLABEL_LOG_LEVEL") ?? "info"
        guard let logLevel = Logger.Level(rawValue: level) else {
            throw ValidationError("unknown log level \(level)")
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardOutput(label: label)
            handler.logLevel = logLevel
            return handler
        }
        let logger = Logger(label: "softlabel")
        MallocTuning.keepLargeBlocksInHeap()
        let server = SoftLabelServer(http: httpConfiguration, service: limits.serviceConfiguration, logger: logger)
        let bound = try server.start()
        server.installSignalHandlers()
        logger.info("listening", metadata: ["host": .string(httpConfiguration.host), "port": .stringConvertible(bound)])
        server.waitUntilStopped()
        logger.info("stopped")
    }
}
