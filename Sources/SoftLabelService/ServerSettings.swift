import SoftLabelHTTP

/// Every operator setting of `softlabel serve` in one table: its configuration field, flag,
/// environment variable, default (read from `HTTPConfiguration()` / `ServiceConfiguration()`,
/// never written twice), accepted range and help. The CLI's options and help, `--print-config`
/// and the README's configuration table (checked by a test) all come from here.
///
/// Why not apple/swift-configuration: flags already come from swift-argument-parser, and what
/// this table adds (per-value source, a range message naming flag and variable, exit 64 before
/// listening) is ~200 lines; another package and its build time in every CI run did not pay.
public enum ServerSettings {
    public enum Kind: Sendable {
        case integer(ClosedRange<Int>)
        case duration(ClosedRange<Duration>)
        case host
        case logLevel
        case logFormat
    }

    public enum Source: String, Sendable { case `default`, environment, flag }

    public struct Setting: Sendable {
        /// The configuration field (`headerTimeout`).
        public let field: String
        public let group: String
        public let kind: Kind
        public let help: String
        public let defaultValue: String
        public var flag: String { SettingName.flag(field) }
        /// The default as documented: the thread counts depend on the machine.
        public var documentedDefault: String {
            field == "computeConcurrency" || field == "eventLoopCount" ? "usable CPUs" : defaultValue
        }
        public var environment: String { SettingName.environment(field) }

        /// "0...65535", "0.001s...86400s": what the setting accepts.
        public var accepted: String {
            switch kind {
            case .integer(let r): "an integer in \(r.lowerBound)...\(r.upperBound)"
            case .duration(let r): "seconds in \(ConfigurationError.seconds(r.lowerBound).dropLast())...\(ConfigurationError.seconds(r.upperBound).dropLast()) (e.g. 30, 2.5, 500ms)"
            case .host: "an IPv4/IPv6 literal, :: for dual-stack, or localhost"
            case .logLevel: "one of \(ServerSettings.logLevels.joined(separator: ", ")) (any case)"
            case .logFormat: "one of \(LogFormat.allCases.map(\.rawValue).joined(separator: ", ")) (any case)"
            }
        }
    }

    public static let logLevels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

    public static let all: [Setting] = {
        let h = HTTPConfiguration()
        let s = ServiceConfiguration()
        let R = HTTPConfiguration.Range.self
        func seconds(_ d: Duration) -> String { String(ConfigurationError.seconds(d).dropLast()) }
        return [
            Setting(field: "host", group: "Network", kind: .host, help: "Address to bind", defaultValue: h.host),
            Setting(field: "port", group: "Network", kind: .integer(R.port), help: "TCP port; 0 picks a free one (the chosen port is printed on stderr)", defaultValue: String(h.port)),
            Setting(field: "maxBodyBytes", group: "Limits", kind: .integer(R.maxBodyBytes), help: "Largest request body in bytes (→ 413, refused before the body is read)", defaultValue: String(h.maxBodyBytes)),
            Setting(field: "maxHeaderBytes", group: "Limits", kind: .integer(R.maxHeaderBytes), help: "Largest request header section in bytes (→ 431)", defaultValue: String(h.maxHeaderBytes)),
            Setting(field: "maxRequestLineBytes", group: "Limits", kind: .integer(R.maxRequestLineBytes), help: "Largest request line in bytes (→ 414)", defaultValue: String(h.maxRequestLineBytes)),
            Setting(field: "maxElements", group: "Limits", kind: .integer(ServiceConfiguration.Range.maxElements), help: "Largest element count of one matrix, B·K (→ 422 too_large)", defaultValue: String(s.maxElements)),
            Setting(field: "maxClasses", group: "Limits", kind: .integer(ServiceConfiguration.Range.maxClasses), help: "Largest number of classes K (→ 422 too_large)", defaultValue: String(s.maxClasses)),
            Setting(field: "maxResponseBytes", group: "Limits", kind: .integer(ServiceConfiguration.Range.maxResponseBytes), help: "Largest response or working memory one request may cost, estimated from its sizes before any work (→ 422 too_large)", defaultValue: String(s.maxResponseBytes)),
            Setting(field: "maxConnections", group: "Limits", kind: .integer(R.maxConnections), help: "Open connections beyond which new ones get 503 + Retry-After", defaultValue: String(h.maxConnections)),
            Setting(field: "maxInflightBytes", group: "Limits", kind: .integer(R.maxInflightBytes), help: "Request bodies being read plus responses being written, over all connections; a body that would pass it gets 503 + Retry-After before it is read (a chunked body counts as --max-body-bytes)", defaultValue: String(h.maxInflightBytes)),
            Setting(field: "compressMinBytes", group: "Compression", kind: .integer(ServiceConfiguration.Range.compressMinBytes), help: "Text responses (not binary tensors) of at least this many bytes are gzip-compressed when the request's Accept-Encoding allows gzip; 0 never compresses (gzip request bodies are accepted either way)", defaultValue: String(s.compressMinBytes)),
            Setting(field: "headerTimeout", group: "Timeouts", kind: .duration(R.timeout), help: "Seconds to send a complete request head once begun (→ 408; a connection that sends nothing is closed)", defaultValue: seconds(h.headerTimeout)),
            Setting(field: "bodyTimeout", group: "Timeouts", kind: .duration(R.timeout), help: "Seconds without a body byte before the request is cut (→ 408)", defaultValue: seconds(h.bodyTimeout)),
            Setting(field: "idleTimeout", group: "Timeouts", kind: .duration(R.timeout), help: "Seconds an idle keep-alive connection is kept", defaultValue: seconds(h.idleTimeout)),
            Setting(field: "writeTimeout", group: "Timeouts", kind: .duration(R.timeout), help: "Seconds a client may read none of a response before the connection is closed", defaultValue: seconds(h.writeTimeout)),
            Setting(field: "minResponseRate", group: "Timeouts", kind: .integer(R.minResponseRate), help: "Bytes per second a client must read a response at, on average, once it has taken longer than the write timeout (0: no minimum)", defaultValue: String(h.minResponseRate)),
            Setting(field: "drainTimeout", group: "Timeouts", kind: .duration(R.timeout), help: "Seconds the graceful drain waits for in-flight requests", defaultValue: seconds(h.drainTimeout)),
            Setting(field: "computeConcurrency", group: "Threads", kind: .integer(R.threads), help: "Requests computed at once; more queue (default: usable CPUs, cgroup quota and affinity included)", defaultValue: String(h.computeConcurrency)),
            Setting(field: "eventLoopCount", group: "Threads", kind: .integer(R.threads), help: "Threads serving the sockets (epoll event loops; default: usable CPUs)", defaultValue: String(h.eventLoopCount)),
            Setting(field: "logLevel", group: "Logging", kind: .logLevel, help: "Log level (one access-log line per request at info)", defaultValue: "info"),
            Setting(field: "logFormat", group: "Logging", kind: .logFormat, help: "Log line format: text (key=value) or json (one object per line), for the access log and every other log line", defaultValue: LogFormat.text.rawValue),
        ]
    }()

    public static func setting(_ field: String) -> Setting? { all.first { $0.field == field } }

    /// A setting whose value cannot be used: exit 64 with this line.
    public struct Invalid: Error, CustomStringConvertible {
        public let setting: Setting
        public let value: String
        public let source: Source
        /// Overrides the setting's range when the value fails a rule between settings.
        public var reason: String? = nil
        public var description: String {
            let origin = source == .environment ? setting.environment : setting.flag
            return "invalid \(origin) \"\(value)\": expected \(reason ?? setting.accepted)"
        }
    }

    /// The effective configuration: each value from its flag, else its environment variable,
    /// else its default; parsed, range-checked, with where it came from.
    public struct Resolved: Sendable {
        public let http: HTTPConfiguration
        public let service: ServiceConfiguration
        public let logLevel: String
        public let logFormat: LogFormat
        /// Each setting's value as text and its source, in table order.
        public let values: [(setting: Setting, value: String, source: Source)]
    }

    public static func resolve(flags: [String: String], environment: [String: String]) throws(Invalid) -> Resolved {
        var values: [(Setting, String, Source)] = []
        var ints: [String: Int] = [:], durations: [String: Duration] = [:]
        var host = HTTPConfiguration().host, level = "info", format = LogFormat.text
        for setting in all {
            // A malformed environment variable is an error even where a flag overrides it.
            if flags[setting.field] != nil, let v = environment[setting.environment], !accepts(setting, v) {
                throw Invalid(setting: setting, value: v, source: .environment)
            }
            let (text, source): (String, Source) =
                if let v = flags[setting.field] { (v, .flag) }
                else if let v = environment[setting.environment] { (v, .environment) }
                else { (setting.defaultValue, .default) }
            let invalid = Invalid(setting: setting, value: text, source: source)
            switch setting.kind {
            case .integer(let range):
                guard let n = parseInteger(text), range.contains(n) else { throw invalid }
                ints[setting.field] = n
            case .duration(let range):
                guard let d = parseDuration(text), range.contains(d) else { throw invalid }
                durations[setting.field] = d
            case .host:
                guard !text.isEmpty, text.utf8.count <= 255, !text.contains(where: { $0 == " " || $0 == "/" }) else { throw invalid }
                host = text
            case .logLevel:
                guard logLevels.contains(text.lowercased()) else { throw invalid }
                level = text.lowercased()
            case .logFormat:
                guard let f = LogFormat(rawValue: text.lowercased()) else { throw invalid }
                format = f
            }
            values.append((setting, text, source))
        }
        let d = HTTPConfiguration()
        let http = HTTPConfiguration(
            host: host, port: ints["port"]!, maxBodyBytes: ints["maxBodyBytes"]!,
            maxRequestLineBytes: ints["maxRequestLineBytes"]!, maxHeaderBytes: ints["maxHeaderBytes"]!,
            headerTimeout: durations["headerTimeout"]!, bodyTimeout: durations["bodyTimeout"]!,
            idleTimeout: durations["idleTimeout"]!, writeTimeout: durations["writeTimeout"]!,
            lingerTimeout: d.lingerTimeout, drainTimeout: durations["drainTimeout"]!,
            maxConnections: ints["maxConnections"]!, maxInflightBytes: ints["maxInflightBytes"]!,
            minResponseRate: ints["minResponseRate"]!, computeConcurrency: ints["computeConcurrency"]!,
            eventLoopCount: ints["eventLoopCount"]!)
        do { try http.validate() } catch {
            let setting = all.first { $0.field == error.field } ?? all[0]
            let source = values.first { $0.0.field == error.field }?.2 ?? .default
            throw Invalid(setting: setting, value: error.value, source: source, reason: error.accepted)
        }
        let service = ServiceConfiguration(maxElements: ints["maxElements"]!, maxClasses: ints["maxClasses"]!,
                                           maxBodyBytes: ints["maxBodyBytes"]!, maxResponseBytes: ints["maxResponseBytes"]!,
                                           compressMinBytes: ints["compressMinBytes"]!)
        return Resolved(http: http, service: service, logLevel: level, logFormat: format, values: values)
    }

    /// Whether `text` is a valid value of `setting` (its kind and range).
    static func accepts(_ setting: Setting, _ text: String) -> Bool {
        switch setting.kind {
        case .integer(let range): parseInteger(text).map(range.contains) ?? false
        case .duration(let range): parseDuration(text).map(range.contains) ?? false
        case .host: !text.isEmpty && text.utf8.count <= 255 && !text.contains(where: { $0 == " " || $0 == "/" })
        case .logLevel: logLevels.contains(text.lowercased())
        case .logFormat: LogFormat(rawValue: text.lowercased()) != nil
        }
    }

    /// A decimal integer: optional sign, digits only (no "+5", no "1e3", no "80a").
    static func parseInteger(_ text: String) -> Int? {
        let digits = text.hasPrefix("-") ? text.dropFirst() : Substring(text)
        guard !digits.isEmpty, digits.utf8.count <= 18, digits.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        return Int(text)
    }

    /// "30", "2.5", "30s", "500ms": a finite, non-negative number of seconds (or milliseconds).
    static func parseDuration(_ text: String) -> Duration? {
        var number = Substring(text), scale = 1.0
        if number.hasSuffix("ms") { number = number.dropLast(2); scale = 1e-3 }
        else if number.hasSuffix("s") { number = number.dropLast() }
        guard !number.isEmpty, number.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || $0 == 46 }),
              let value = Double(number), value.isFinite, value >= 0 else { return nil }
        let seconds = value * scale
        guard seconds <= 1e9 else { return nil }
        return .nanoseconds(Int64((seconds * 1e9).rounded()))
    }
}
