import Logging
import SoftLabelHTTP

/// The access log's text line, the one written per request by default, formatted with raw
/// pointers into stack memory and appended to the pending bytes in one copy. Byte for byte the
/// line `LogLine` builds for the same record (tested against it):
///
///     2026-12-02T09:41:07.123Z info softlabel: bytes_in=312 bytes_out=171 duration_ms=0.062 method=POST path=/v1/loss remote=127.0.0.1:50312 request_id=- status=200 [SoftLabelService] request
///
/// Why a second writer for one line: through `LogLine` (an `Array.append` per piece, each with
/// its uniqueness and capacity checks) the line cost ~7,200 instructions per 32×10 `/v1/loss`
/// request of ~137,000 (callgrind, access log on vs off). Here it is one bounds computation, stores
/// through a pointer and one `memcpy`. It handles the common case only: every string value bare
/// (non-empty, no space, control byte, `"` or `\`), a label without control bytes; anything
/// else returns false and the caller uses `LogLine`, which quotes and escapes.
enum AccessLineText {
    /// Appends the line for `r` to `out` and returns true, or leaves `out` as it was and returns
    /// false when some value needs quoting or escaping.
    static func append(_ r: HTTPResponseRecord, level: Logger.Level, label: String, time: (seconds: Int, milliseconds: Int),
                       durationMicroseconds: Int, to out: inout [UInt8]) -> Bool {
        let method = r.method ?? "-", path = r.path ?? "-", requestID = r.requestID ?? "-"
        let strings = method.utf8.count + path.utf8.count + requestID.utf8.count
            + (r.errorCode?.utf8.count ?? 0) + (r.remoteAddress?.utf8.count ?? 0) + label.utf8.count
        // Timestamp, level, the keys and the tail: < 200 bytes; four integers: ≤ 21 bytes each.
        let bound = LogTimestamp.maxByteCount + 200 + 4 * 21 + strings
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: bound) { buffer -> Bool in
            var w = Writer(start: buffer.baseAddress!)
            w.advance(LogTimestamp.write(seconds: time.seconds, milliseconds: time.milliseconds, to: w.p))
            w.byte(UInt8(ascii: " "))
            w.text(level.rawValue)
            if !label.isEmpty {
                w.byte(UInt8(ascii: " "))
                guard w.plain(label) else { return false }
            }
            w.byte(UInt8(ascii: ":"))
            if !r.completed { w.literal(" aborted=true") }
            w.literal(" bytes_in=")
            w.integer(r.requestBytes)
            w.literal(" bytes_out=")
            w.integer(r.responseBytes)
            w.literal(" duration_ms=")
            if durationMicroseconds < 0 { w.byte(UInt8(ascii: "-")) }
            let m = Int(durationMicroseconds.magnitude)
            w.integer(m / 1000)
            w.byte(UInt8(ascii: "."))
            w.advance(LogTimestamp.writeDigits(m % 1000, count: 3, to: w.p))
            guard w.field(" error=", r.errorCode), w.field(" method=", method), w.field(" path=", path),
                  w.field(" remote=", r.remoteAddress), w.field(" request_id=", requestID) else { return false }
            w.literal(" status=")
            w.integer(r.status)
            w.literal(" [SoftLabelService] request\n")
            let count = w.p - buffer.baseAddress!
            precondition(count <= bound, "access line of \(count) bytes over its bound \(bound)")
            out.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[..<count]))
            return true
        }
    }

    /// Stores at a cursor; the caller's bound leaves room for every store.
    private struct Writer {
        var p: UnsafeMutablePointer<UInt8>
        init(start: UnsafeMutablePointer<UInt8>) { p = start }

        @inline(__always) mutating func advance(_ n: Int) { p += n }

        @inline(__always) mutating func byte(_ b: UInt8) {
            p.pointee = b
            p += 1
        }

        @inline(__always) mutating func literal(_ s: StaticString) {
            s.withUTF8Buffer { copy($0) }
        }

        @inline(__always) mutating func integer(_ v: Int) {
            p += LogTimestamp.writeDigits(v, count: 1, to: p)
        }

        /// A string of the code's own (the level): written as it is.
        mutating func text(_ s: String) {
            var s = s
            s.withUTF8 { copy($0) }
        }

        /// ` key=value` when there is a value (nothing for nil); false when the value is not bare.
        mutating func field(_ key: StaticString, _ value: String?) -> Bool {
            guard let value else { return true }
            literal(key)
            return bare(value)
        }

        /// A value `LogLine.appendTextValue` would write bare: non-empty, no byte ≤ 0x20, DEL,
        /// `"` or `\`. False (nothing meaningful written) otherwise.
        mutating func bare(_ s: String) -> Bool {
            var s = s
            return s.withUTF8 { utf8 in
                guard !utf8.isEmpty else { return false }
                for byte in utf8 where byte <= 0x20 || byte == 0x7F || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                    return false
                }
                copy(utf8)
                return true
            }
        }

        /// A string `LogLine.appendEscaped` would write unchanged: no control byte.
        mutating func plain(_ s: String) -> Bool {
            var s = s
            return s.withUTF8 { utf8 in
                for byte in utf8 where byte < 0x20 || byte == 0x7F { return false }
                copy(utf8)
                return true
            }
        }

        @inline(__always) private mutating func copy(_ bytes: UnsafeBufferPointer<UInt8>) {
            guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
            p.update(from: base, count: bytes.count)
            p += bytes.count
        }
    }
}
