/// How log lines are written (`--log-format`): `text`, swift-log's `StreamLogHandler` layout
/// (`<timestamp> <level> <label>: key=value ... [<source>] <message>`), or `json`, one object per
/// line with the same fields (`timestamp`, `level`, `label`, `source`, `message`, then the
/// metadata). The access log and every other log line of `softlabel serve` follow it.
public enum LogFormat: String, Sendable, CaseIterable {
    case text
    case json
}
