import Logging

/// The swift-log handler of `softlabel serve`: every log line (start-up, errors, "stopped") in
/// the `LogFormat` the operator chose, queued on the same `LogWriter` as the access log, so one
/// stream carries both in order and a log pipeline parses every line the same way.
///
/// The layout is `StreamLogHandler`'s (metadata sorted by key), with `LogTimestamp`'s UTC
/// millisecond timestamps; `json` writes the same fields as one object.
public struct LineLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    let label: String
    let format: LogFormat
    let writer: LogWriter

    public init(label: String, format: LogFormat, writer: LogWriter, metadataProvider: Logger.MetadataProvider? = nil) {
        self.label = label
        self.format = format
        self.writer = writer
        self.metadataProvider = metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var metadata = merged(event.metadata)
        if let error = event.error {
            metadata["error.message"] = "\(error)"
            metadata["error.type"] = "\(String(reflecting: type(of: error)))"
        }
        writer.append(Self.line(time: LogTimestamp.now(), format: format, level: event.level, label: label, source: event.source,
                                message: event.message.description, metadata: metadata))
    }

    /// Handler metadata, then the provider's, then the call's (later ones win), as swift-log's own handlers.
    func merged(_ explicit: Logger.Metadata?) -> Logger.Metadata {
        var all = metadata
        if let provided = metadataProvider?.get(), !provided.isEmpty { all.merge(provided) { $1 } }
        if let explicit, !explicit.isEmpty { all.merge(explicit) { $1 } }
        return all
    }

    static func line(time: (seconds: Int, milliseconds: Int), format: LogFormat, level: Logger.Level, label: String,
                     source: String, message: String, metadata: Logger.Metadata) -> [UInt8] {
        var line = LogLine(format: format, time: time, level: level, label: label, source: source, message: message)
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) { line.metadata(key, value) }
        return line.finish()
    }
}
