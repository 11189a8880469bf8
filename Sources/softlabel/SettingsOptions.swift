import ArgumentParser
import Foundation
import SoftLabelService

/// The `serve` settings as flags, grouped as the README's table; each help line, default and
/// range comes from `ServerSettings` (the one table). Values stay text here: `ServerSettings`
/// parses flag and environment values alike, so both are checked the same way.
struct NetworkOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: help("host")) var host: String?
    @Option(parsing: .unconditional, help: help("port")) var port: String?
    var flags: [String: String] { compact(["host": host, "port": port]) }
}

struct LimitOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: help("maxBodyBytes")) var maxBodyBytes: String?
    @Option(parsing: .unconditional, help: help("maxHeaderBytes")) var maxHeaderBytes: String?
    @Option(parsing: .unconditional, help: help("maxRequestLineBytes")) var maxRequestLineBytes: String?
    @Option(parsing: .unconditional, help: help("maxElements")) var maxElements: String?
    @Option(parsing: .unconditional, help: help("maxClasses")) var maxClasses: String?
    @Option(parsing: .unconditional, help: help("maxResponseBytes")) var maxResponseBytes: String?
    @Option(parsing: .unconditional, help: help("maxConnections")) var maxConnections: String?
    @Option(parsing: .unconditional, help: help("maxInflightBytes")) var maxInflightBytes: String?
    var flags: [String: String] {
        compact(["maxBodyBytes": maxBodyBytes, "maxHeaderBytes": maxHeaderBytes, "maxRequestLineBytes": maxRequestLineBytes,
                 "maxElements": maxElements, "maxClasses": maxClasses, "maxConnections": maxConnections,
                 "maxResponseBytes": maxResponseBytes, "maxInflightBytes": maxInflightBytes])
    }
}

struct CompressionOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: help("compressMinBytes")) var compressMinBytes: String?
    var flags: [String: String] { compact(["compressMinBytes": compressMinBytes]) }
}

struct TimeoutOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: help("headerTimeout")) var headerTimeout: String?
    @Option(parsing: .unconditional, help: help("bodyTimeout")) var bodyTimeout: String?
    @Option(parsing: .unconditional, help: help("idleTimeout")) var idleTimeout: String?
    @Option(parsing: .unconditional, help: help("writeTimeout")) var writeTimeout: String?
    @Option(parsing: .unconditional, help: help("minResponseRate")) var minResponseRate: String?
    @Option(parsing: .unconditional, help: help("drainTimeout")) var drainTimeout: String?
    var flags: [String: String] {
        compact(["headerTimeout": headerTimeout, "bodyTimeout": bodyTimeout, "idleTimeout": idleTimeout,
                 "writeTimeout": writeTimeout, "minResponseRate": minResponseRate, "drainTimeout": drainTimeout])
    }
}

struct ThreadOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: help("computeConcurrency")) var computeConcurrency: String?
    @Option(name: .customLong("event-loops"), parsing: .unconditional, help: help("eventLoopCount")) var eventLoops: String?
    var flags: [String: String] { compact(["computeConcurrency": computeConcurrency, "eventLoopCount": eventLoops]) }
}

struct LoggingOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: help("logLevel")) var logLevel: String?
    @Option(parsing: .unconditional, help: help("logFormat")) var logFormat: String?
    var flags: [String: String] { compact(["logLevel": logLevel, "logFormat": logFormat]) }
}

/// "Seconds to ... Env SOFTLABEL_X. Default 30."
private func help(_ field: String) -> ArgumentHelp {
    guard let s = ServerSettings.setting(field) else { preconditionFailure("no setting \(field)") }
    return ArgumentHelp("\(s.help). Env \(s.environment). Default \(s.defaultValue).")
}

private func compact(_ d: [String: String?]) -> [String: String] { d.compactMapValues { $0 } }

extension ServerSettings {
    /// The settings from these flags and the process environment, or exit 64 with one line
    /// naming the setting, the value and the accepted range.
    static func resolveOrExit(_ flags: [String: String]) throws -> Resolved {
        do {
            return try resolve(flags: flags, environment: ProcessInfo.processInfo.environment)
        } catch {
            FileHandle.standardError.write(Data("softlabel: \(error)\n".utf8))
            throw ExitCode(64)
        }
    }
}
