import Glibc

/// Log timestamps: RFC 3339 in UTC with milliseconds, `2026-12-02T09:41:07.123Z`, always 24 bytes.
///
/// Formatted by hand from `clock_gettime(CLOCK_REALTIME)`: the civil date of a day number is
/// Howard Hinnant's `civil_from_days` (proleptic Gregorian, exact for every Int64 day), a handful
/// of integer divisions. That is cheaper per line than `strftime` + `localtime` (which take
/// glibc's time-zone lock), than Foundation's date formatters, and than a per-second cache shared
/// between the event-loop and compute threads (its synchronisation alone would cost as much).
/// UTC, not local time: a log pipeline compares lines from hosts in any zone.
public enum LogTimestamp {
    /// Bytes `append` writes for years 0...9999.
    public static let byteCount = 24

    /// Now: whole seconds since the Unix epoch and the milliseconds into that second.
    public static func now() -> (seconds: Int, milliseconds: Int) {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return (Int(spec.tv_sec), Int(spec.tv_nsec) / 1_000_000)
    }

    /// (year, month 1...12, day 1...31) of `days` since 1970-01-01 (negative before it).
    public static func civil(days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468                                   // days since 0000-03-01
        let era = (z >= 0 ? z : z - 146_096) / 146_097           // 400-year eras
        let dayOfEra = z - era * 146_097                         // 0...146096
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)  // from March 1
        let monthFromMarch = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthFromMarch + 2) / 5 + 1
        let month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Appends `YYYY-MM-DDTHH:MM:SS.mmmZ` for `seconds` since the epoch plus `milliseconds` (0...999).
    public static func append(seconds: Int, milliseconds: Int, to out: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: maxByteCount) { buffer in
            let n = write(seconds: seconds, milliseconds: milliseconds, to: buffer.baseAddress!)
            out.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[..<n]))
        }
    }

    /// The most bytes `write` writes: `byteCount` for years 0...9999; a year beyond them (not
    /// from the clock) takes its own digits and sign, up to 20.
    public static let maxByteCount = 40

    /// Writes `YYYY-MM-DDTHH:MM:SS.mmmZ` at `p` (room for `maxByteCount` bytes) and returns the
    /// bytes written: `byteCount` for years 0...9999.
    @inline(__always)
    public static func write(seconds: Int, milliseconds: Int, to p: UnsafeMutablePointer<UInt8>) -> Int {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400   // floor
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = civil(days: days)
        let yearBytes: Int
        if (0...9999).contains(year) {
            writeTwo(year / 100, to: p)
            writeTwo(year % 100, to: p + 2)
            yearBytes = 4
        } else {
            yearBytes = writeDigits(year, count: 4, to: p)
        }
        let q = p + yearBytes
        q[0] = UInt8(ascii: "-")
        writeTwo(month, to: q + 1)
        q[3] = UInt8(ascii: "-")
        writeTwo(day, to: q + 4)
        q[6] = UInt8(ascii: "T")
        writeTwo(secondOfDay / 3600, to: q + 7)
        q[9] = UInt8(ascii: ":")
        writeTwo(secondOfDay / 60 % 60, to: q + 10)
        q[12] = UInt8(ascii: ":")
        writeTwo(secondOfDay % 60, to: q + 13)
        q[15] = UInt8(ascii: ".")
        let ms = min(max(milliseconds, 0), 999)
        q[16] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: ms / 100)
        writeTwo(ms % 100, to: q + 17)
        q[19] = UInt8(ascii: "Z")
        return yearBytes + 20
    }

    /// Two digits of `value` (0...99) at `p`.
    @inline(__always)
    static func writeTwo(_ value: Int, to p: UnsafeMutablePointer<UInt8>) {
        p[0] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: value / 10)
        p[1] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: value % 10)
    }

    /// `value` in decimal at `p` (a `-` first when negative), left-padded with zeros to `count`
    /// digits (more if it needs them); returns the bytes written (at most 1 + max(20, `count`)).
    @inline(__always)
    static func writeDigits(_ value: Int, count: Int, to p: UnsafeMutablePointer<UInt8>) -> Int {
        var digits = 1
        var m = value.magnitude / 10
        while m > 0 {
            digits += 1
            m /= 10
        }
        let sign = value < 0 ? 1 : 0
        if sign == 1 { p[0] = UInt8(ascii: "-") }
        let zeros = max(0, count - digits)
        for k in 0..<zeros { p[sign + k] = UInt8(ascii: "0") }
        let at = sign + zeros
        var n = value.magnitude
        let end = at + digits
        var i = end
        repeat {
            i -= 1
            p[i] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: n % 10)
            n /= 10
        } while n > 0
        return end
    }

    /// `value` in decimal, left-padded with zeros to `count` digits (more if it needs them).
    static func appendDigits(_ value: Int, count: Int, to out: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 1 + max(20, count)) { buffer in
            let n = writeDigits(value, count: count, to: buffer.baseAddress!)
            out.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[..<n]))
        }
    }
}
