import Glibc
import Synchronization

/// The `Date` header value (IMF-fixdate, RFC 9110 §5.6.7), formatted once per second and shared.
/// A `Mutex` (not `@unchecked`) because every event loop and compute thread reads it.
final class HTTPDate: Sendable {
    static let shared = HTTPDate()

    private let cache = Mutex<(second: Int, bytes: [UInt8])>((-1, []))

    /// "Sun, 06 Nov 1994 08:49:37 GMT" for the current second.
    func current() -> [UInt8] {
        let now = time(nil)
        return cache.withLock { cache in
            if cache.second != now {
                cache = (now, Self.format(now))
            }
            return cache.bytes
        }
    }

    static func format(_ seconds: Int) -> [UInt8] {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let text = "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
        return Array(text.utf8)
    }
}
