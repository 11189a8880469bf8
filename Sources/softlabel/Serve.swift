import ArgumentParser
import Foundation
import Logging
import SoftLabelHTTP
import SoftLabelService

/// `softlabel serve`: the HTTP service on its embedded defaults (no config file, no database).
/// Every setting is a flag and an environment variable; the flag wins. Every value is checked
/// before the server listens: a bad one exits 64 with one line naming it.
struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the HTTP service (default 0.0.0.0:8080).",
        discussion: "SIGTERM or SIGINT drains gracefully (/readyz turns 503, in-flight requests finish); a second signal stops at once. Logs go to stderr (text or JSON lines, --log-format); the chosen address is always printed there."
    )

    @OptionGroup(title: "Network") var network: NetworkOptions
    @OptionGroup(title: "Limits") var limits: LimitOptions
    @OptionGroup(title: "Compression") var compression: CompressionOptions
    @OptionGroup(title: "Timeouts") var timeouts: TimeoutOptions
    @OptionGroup(title: "Threads") var threads: ThreadOptions
    @OptionGroup(title: "Logging") var logging: LoggingOptions

    @Flag(help: "Print the effective configuration (each value and where it came from) and exit.")
    var printConfig = false

    var flags: [String: String] {
        network.flags.merging(limits.flags) { a, _ in a }.merging(compression.flags) { a, _ in a }
            .merging(timeouts.flags) { a, _ in a }
            .merging(threads.flags) { a, _ in a }.merging(logging.flags) { a, _ in a }
    }

    func run() throws {
        let settings = try ServerSettings.resolveOrExit(flags)
        if printConfig {
            print(Self.report(settings), terminator: "")
            return
        }
        let level = Logger.Level(rawValue: settings.logLevel) ?? .info
        // Every log line (the access log's and swift-log's) goes through one batching writer on
        // stderr, in the chosen format; its dropped lines are counted in /metrics.
        let metrics = ServiceMetrics()
        let writer = LogWriter(fd: STDERR_FILENO, onDrop: { metrics.logLinesDropped($0) })
        defer { writer.close() }
        LoggingSystem.bootstrap { label in
            var handler = LineLogHandler(label: label, format: settings.logFormat, writer: writer)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "softlabel")
        MallocTuning.keepLargeBlocksInHeap()
        MallocTuning.trimPeriodically()
        let server = SoftLabelServer(http: settings.http, service: settings.service, metrics: metrics,
                                     accessLog: AccessLog.Output(writer: writer, format: settings.logFormat, level: level))
        let bound: Int
        do {
            bound = try server.start()
        } catch {
            FileHandle.standardError.write(Data("softlabel: cannot listen on \(settings.http.host) port \(settings.http.port): \(error)\n".utf8))
            throw ExitCode(1)
        }
        server.installSignalHandlers()
        // Always said, whatever the log level and format, at once (not through the writer): with
        // --port 0 this is how a caller learns the port.
        FileHandle.standardError.write(Data("softlabel \(SoftLabelService.version) listening on \(settings.http.host) port \(bound)\n".utf8))
        logger.info("listening", metadata: ["host": .string(settings.http.host), "port": .stringConvertible(bound)])
        server.waitUntilStopped()
        logger.info("stopped")
    }

    /// `--print-config`: one line per setting, `name value (source)`, plus the CPU bounds.
    static func report(_ s: ServerSettings.Resolved) -> String {
        var lines: [String] = []
        let width = ServerSettings.all.map { $0.flag.count }.max() ?? 0
        for (setting, value, source) in s.values {
            let origin = switch source {
            case .default: "default"
            case .environment: "environment \(setting.environment)"
            case .flag: "flag"
            }
            lines.append(setting.flag.padding(toLength: width + 2, withPad: " ", startingAt: 0) + value + "  (\(origin))")
        }
        let cpus = CPUs.bounds
        lines.append("# usable CPUs: \(cpus.available) (online \(cpus.online), affinity \(cpus.affinity.map(String.init) ?? "-"), cgroup quota \(cpus.quota.map(String.init) ?? "none"))")
        return lines.joined(separator: "\n") + "\n"
    }
}
