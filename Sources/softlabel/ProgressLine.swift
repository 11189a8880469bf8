import Glibc

/// `eval: read 12,345,678 of 40,000,000 values` on standard error, rewritten in place (`\r`),
/// only when standard error is a terminal and only once the work has taken more than a second
/// (a quick run prints nothing); at most five updates a second, and a newline at the end.
final class ProgressLine {
    private let enabled = isatty(STDERR_FILENO) == 1
    private let start = ContinuousClock.now
    private var last: ContinuousClock.Instant?
    private var shown = false

    func update(_ done: Int, _ total: Int) {
        guard enabled else { return }
        let now = ContinuousClock.now
        guard now - start > .seconds(1) else { return }
        if let last, now - last < .milliseconds(200), done < total { return }
        last = now
        shown = true
        Self.write("\reval: read \(Self.grouped(done)) of \(Self.grouped(total)) values")
    }

    /// Ends the line, if one was shown.
    func finish() {
        if shown { Self.write("\n") }
        shown = false
    }

    /// 12345678 → "12,345,678".
    static func grouped(_ n: Int) -> String {
        let digits = Array(String(n))
        var out = ""
        for (i, d) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(d)
        }
        return out
    }

    static func write(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { Glibc.write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }
}
