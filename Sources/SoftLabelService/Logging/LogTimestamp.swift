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
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400   // floor
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = civil(days: days)
        if (0...9999).contains(year) {
            appendFixed(year / 100, to: &out)
            appendFixed(year % 100, to: &out)
        } else {
            appendDigits(year, count: 4, to: &out)
        }
        out.append(UInt8(ascii: "-"))
        appendFixed(month, to: &out)
        out.append(UInt8(ascii: "-"))
        appendFixed(day, to: &out)
        out.append(UInt8(ascii: "T"))
        appendFixed(secondOfDay / 3600, to: &out)
        out.append(UInt8(ascii: ":"))
        appendFixed(secondOfDay / 60 % 60, to: &out)
        out.append(UInt8(ascii: ":"))
        appendFixed(secondOfDay % 60, to: &out)
        out.append(UInt8(ascii: "."))
        let ms = min(max(milliseconds, 0), 999)
        out.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: ms / 100))
        appendFixed(ms % 100, to: &out)
        out.append(UInt8(ascii: "Z"))
    }

    /// Two digits of `value` (0...99).
    @inline(__always)
    static func appendFixed(_ value: Int, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: value / 10))
        out.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: value % 10))
    }

    /// `value` (≥ 0) in decimal, left-padded with zeros to `count` digits (more if it needs them).
    static func appendDigits(_ value: Int, count: Int, to out: inout [UInt8]) {
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = value.magnitude, used = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[19 - used] = UInt8(ascii: "0") + UInt8(n % 10)
                n /= 10
                used += 1
            } while n > 0
            if value < 0 { out.append(UInt8(ascii: "-")) }
            for _ in used..<max(used, count) { out.append(UInt8(ascii: "0")) }
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[(20 - used)...]))
        }
    }
}
