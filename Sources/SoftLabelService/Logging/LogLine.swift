import Logging

/// One log line under construction, in either `LogFormat`, appended to a byte buffer without
/// `String` interpolation or Foundation:
///
///     text: 2026-12-02T09:41:07.123Z info softlabel: bytes_in=312 method=POST path=/v1/loss [SoftLabelService] request
///     json: {"timestamp":"2026-12-02T09:41:07.123Z","level":"info","label":"softlabel","source":"SoftLabelService","message":"request","bytes_in":312,"method":"POST","path":"/v1/loss"}
///
/// Escaping, so that one line is always one line and a JSON line always parses:
/// - JSON strings (keys and values): `"` `\` and the control bytes 0x00-0x1F and 0x7F escaped
///   (`\n` `\r` `\t` `\b` `\f`, else `\u00XX`); other bytes pass (Swift strings are valid UTF-8).
/// - text values: written bare when they are non-empty and hold no space, control byte, `"` or
///   `\`; otherwise in double quotes with the JSON escapes (logfmt style). Keys, the label and
///   the message are written bare with control bytes escaped.
struct LogLine {
    private(set) var bytes: [UInt8]
    let format: LogFormat
    /// Written at the end of a text line, at the start of a JSON one.
    private let source: String
    private let message: String

    /// Starts a line at the end of `buffer` (a `LogWriter`'s pending bytes: no buffer of its own).
    init(format: LogFormat, time: (seconds: Int, milliseconds: Int), level: Logger.Level, label: String,
         source: String, message: String, appendingTo buffer: consuming [UInt8] = []) {
        self.format = format
        self.source = source
        self.message = message
        bytes = consume buffer
        switch format {
        case .text:
            LogTimestamp.append(seconds: time.seconds, milliseconds: time.milliseconds, to: &bytes)
            bytes.append(UInt8(ascii: " "))
            bytes.append(contentsOf: level.rawValue.utf8)
            if !label.isEmpty {
                bytes.append(UInt8(ascii: " "))
                Self.appendEscaped(label, to: &bytes)
            }
            bytes.append(UInt8(ascii: ":"))
        case .json:
            bytes.append(contentsOf: #"{"timestamp":""#.utf8)
            LogTimestamp.append(seconds: time.seconds, milliseconds: time.milliseconds, to: &bytes)
            bytes.append(contentsOf: #"","level":""#.utf8)
            bytes.append(contentsOf: level.rawValue.utf8)
            bytes.append(UInt8(ascii: "\""))
            string("label", label)
            string("source", source)
            string("message", message)
        }
    }

    /// `key=value` / `"key":"value"`.
    mutating func string(_ key: StaticString, _ value: String) {
        self.key(key)
        switch format {
        case .text: Self.appendTextValue(value, to: &bytes)
        case .json: Self.appendJSONString(value, to: &bytes)
        }
    }

    /// A decimal integer (a JSON number).
    mutating func integer(_ key: StaticString, _ value: Int) {
        self.key(key)
        LogTimestamp.appendDigits(value, count: 1, to: &bytes)
    }

    /// Milliseconds with three decimals from a whole number of microseconds (`0.089`); a number in JSON.
    mutating func milliseconds(_ key: StaticString, microseconds: Int) {
        self.key(key)
        if microseconds < 0 { bytes.append(UInt8(ascii: "-")) }
        let m = microseconds.magnitude
        LogTimestamp.appendDigits(Int(m / 1000), count: 1, to: &bytes)
        bytes.append(UInt8(ascii: "."))
        LogTimestamp.appendDigits(Int(m % 1000), count: 3, to: &bytes)
    }

    /// `true`/`false` (a JSON boolean).
    mutating func boolean(_ key: StaticString, _ value: Bool) {
        self.key(key)
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }

    /// A swift-log metadata value: strings as strings, arrays and dictionaries as JSON arrays and
    /// objects (in text, their description as one quoted value).
    mutating func metadata(_ key: String, _ value: Logger.Metadata.Value) {
        self.key(key)
        switch format {
        case .text: Self.appendTextValue(value.description, to: &bytes)
        case .json: Self.appendJSON(value, to: &bytes)
        }
    }

    /// The finished line, with its newline (after what the buffer held).
    mutating func finish() -> [UInt8] {
        switch format {
        case .text:
            bytes.append(contentsOf: " [".utf8)
            Self.appendEscaped(source, to: &bytes)
            bytes.append(contentsOf: "] ".utf8)
            Self.appendEscaped(message, to: &bytes)
        case .json:
            bytes.append(UInt8(ascii: "}"))
        }
        bytes.append(UInt8(ascii: "\n"))
        return bytes
    }

    /// A field name of the code's own (ASCII letters and `_`: nothing to escape).
    private mutating func key(_ key: StaticString) {
        switch format {
        case .text:
            bytes.append(UInt8(ascii: " "))
            key.withUTF8Buffer { bytes.append(contentsOf: $0) }
            bytes.append(UInt8(ascii: "="))
        case .json:
            bytes.append(contentsOf: #",""#.utf8)
            key.withUTF8Buffer { bytes.append(contentsOf: $0) }
            bytes.append(contentsOf: #"":"#.utf8)
        }
    }

    /// A metadata key (anyone's: escaped).
    private mutating func key(_ key: String) {
        switch format {
        case .text:
            bytes.append(UInt8(ascii: " "))
            Self.appendEscaped(key, to: &bytes)
            bytes.append(UInt8(ascii: "="))
        case .json:
            bytes.append(UInt8(ascii: ","))
            Self.appendJSONString(key, to: &bytes)
            bytes.append(UInt8(ascii: ":"))
        }
    }

    // MARK: - Escaping

    private static func isControl(_ byte: UInt8) -> Bool { byte < 0x20 || byte == 0x7F }

    /// A JSON string literal with its quotes.
    static func appendJSONString(_ value: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        appendEscapedContent(value, to: &out, quoteSafe: true)
        out.append(UInt8(ascii: "\""))
    }

    /// A text value: bare when safe, else quoted like a JSON string.
    static func appendTextValue(_ value: String, to out: inout [UInt8]) {
        var value = value
        let bare = value.withUTF8 { utf8 in
            for byte in utf8 where byte <= 0x20 || byte == 0x7F || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                return false
            }
            out.append(contentsOf: utf8)
            return !utf8.isEmpty
        }
        if !bare { appendJSONString(value, to: &out) }
    }

    /// Control bytes escaped, nothing else (keys, the label, the message, the source in text).
    static func appendEscaped(_ value: String, to out: inout [UInt8]) {
        appendEscapedContent(value, to: &out, quoteSafe: false)
    }

    /// The string's bytes with control bytes escaped (`\n` ... or `\u00XX`), and `"`/`\` too when
    /// `quoteSafe`. Runs of bytes that need nothing are copied at once.
    private static func appendEscapedContent(_ value: String, to out: inout [UInt8], quoteSafe: Bool) {
        var value = value
        value.withUTF8 { utf8 in
            var start = 0
            for i in 0..<utf8.count {
                let byte = utf8[i]
                guard isControl(byte) || (quoteSafe && (byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\"))) else { continue }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<i]))
                start = i + 1
                out.append(UInt8(ascii: "\\"))
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): out.append(byte)
                case 0x0A: out.append(UInt8(ascii: "n"))
                case 0x0D: out.append(UInt8(ascii: "r"))
                case 0x09: out.append(UInt8(ascii: "t"))
                case 0x08: out.append(UInt8(ascii: "b"))
                case 0x0C: out.append(UInt8(ascii: "f"))
                default:
                    let hex = Array("0123456789abcdef".utf8)
                    out.append(contentsOf: "u00".utf8)
                    out.append(hex[Int(byte >> 4)])
                    out.append(hex[Int(byte & 0xF)])
                }
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start...]))
        }
    }

    private static func appendJSON(_ value: Logger.Metadata.Value, to out: inout [UInt8]) {
        switch value {
        case .string(let s): appendJSONString(s, to: &out)
        case .stringConvertible(let c): appendJSONString(c.description, to: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                appendJSON(item, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .dictionary(let fields):
            out.append(UInt8(ascii: "{"))
            for (i, (k, v)) in fields.sorted(by: { $0.key < $1.key }).enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                appendJSONString(k, to: &out)
                out.append(UInt8(ascii: ":"))
                appendJSON(v, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }
}
