import ArgumentParser

#if canImport(Glibc)
import Glibc
#endif

/// `softlabel health`: the container's HEALTHCHECK. One `GET` over a plain TCP socket (the runtime
/// image has no curl, and the check must not depend on DNS or Foundation networking): exit status 0
/// when the status line says 2xx, 1 otherwise with one line on standard error saying why.
///
/// Only the status line is read (`HTTP/1.x NNN ...`); headers and body are ignored. The host must
/// be an IPv4 literal, a bracketed IPv6 literal or `localhost` (127.0.0.1, then ::1) — the same
/// hosts `softlabel serve` binds to. `--timeout` bounds the whole check: before each connect, send
/// and receive the time left is set as SO_SNDTIMEO/SO_RCVTIMEO (Linux `connect` honours
/// SO_SNDTIMEO).
struct Health: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a running server: GET /healthz, exit 0 on a 2xx answer, 1 otherwise.",
        discussion: "The container image's HEALTHCHECK. Plain HTTP only; the host is an IPv4 literal, an IPv6 literal in brackets, or localhost."
    )

    @Option(help: "The URL to GET. Default http://127.0.0.1:PORT/healthz with PORT from env SOFTLABEL_PORT, else 8080.")
    var url: String?

    @Option(help: "Seconds the whole check may take (connect, send, receive).")
    var timeout: Double = 2

    func run() throws {
        do {
            guard timeout.isFinite, timeout > 0, timeout <= 3600 else {
                throw HealthFailure("--timeout must be a number of seconds in (0, 3600], got \(timeout)")
            }
            let target = try HealthTarget(url: url ?? Self.defaultURL())
            let status = try HealthProbe(target: target, timeout: timeout).status()
            guard (200...299).contains(status) else {
                throw HealthFailure("GET \(target.url) answered \(status)")
            }
        } catch let failure as HealthFailure {
            let line = Array("softlabel health: \(failure.message)\n".utf8)
            _ = line.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
            throw ExitCode(1)
        }
    }

    /// http://127.0.0.1:$SOFTLABEL_PORT/healthz (8080 when unset), as `softlabel serve` listens.
    static func defaultURL() throws -> String {
        guard let raw = getenv("SOFTLABEL_PORT") else { return "http://127.0.0.1:8080/healthz" }
        let text = String(cString: raw)
        guard let port = Int(text), (1...65535).contains(port) else {
            throw HealthFailure("SOFTLABEL_PORT=\(text) is not a port in 1...65535; pass --url")
        }
        return "http://127.0.0.1:\(port)/healthz"
    }
}

/// Why the check failed: the one line printed on standard error.
struct HealthFailure: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

/// `http://HOST[:PORT][/PATH]` split into what the probe needs.
struct HealthTarget {
    let url: String
    /// The host as written in the URL (brackets kept for IPv6): the Host header.
    let authorityHost: String
    let port: Int
    /// Origin-form request target, "/" when the URL has no path.
    let path: String
    /// Numeric addresses to try in order.
    let addresses: [String]

    init(url: String) throws {
        self.url = url
        let prefix = "http://"
        guard url.lowercased().hasPrefix(prefix) else {
            throw HealthFailure("\(url): only http:// URLs are supported")
        }
        let rest = url.dropFirst(prefix.count)
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = rest[..<slash]
        path = slash == rest.endIndex ? "/" : String(rest[slash...])
        // A request target with spaces or control bytes would corrupt the request line.
        guard path.utf8.allSatisfy({ $0 > 0x20 && $0 != 0x7F }) else {
            throw HealthFailure("\(url): the path has spaces or control characters")
        }
        guard !authority.contains("@") else { throw HealthFailure("\(url): user info is not supported") }

        let host: Substring, portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw HealthFailure("\(url): unclosed [ in the host") }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            guard after.isEmpty || after.hasPrefix(":") else { throw HealthFailure("\(url): unexpected text after ]") }
            portText = after.isEmpty ? nil : after.dropFirst()
            authorityHost = "[\(host)]"
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
            authorityHost = String(host)
        } else {
            host = authority
            portText = nil
            authorityHost = String(host)
        }
        if let portText {
            guard !portText.isEmpty, portText.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), portText.count <= 5,
                  let port = Int(portText), (1...65535).contains(port)
            else { throw HealthFailure("\(url): the port must be in 1...65535") }
            self.port = port
        } else {
            port = 80
        }
        if host.lowercased() == "localhost" {
            addresses = ["127.0.0.1", "::1"]
        } else if HealthProbe.isNumeric(String(host)) {
            addresses = [String(host)]
        } else {
            throw HealthFailure("\(url): the host must be an IPv4 literal, an IPv6 literal in brackets, or localhost")
        }
    }
}

/// One blocking request with a deadline over the whole exchange.
struct HealthProbe {
    let target: HealthTarget
    let deadline: ContinuousClock.Instant

    init(target: HealthTarget, timeout: Double) {
        self.target = target
        deadline = ContinuousClock.now.advanced(by: .seconds(timeout))
    }

    /// Whether `host` parses as an IPv4 or IPv6 literal (inet_pton).
    static func isNumeric(_ host: String) -> Bool {
        var v4 = in_addr(), v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }

    /// Connects to the first address that accepts, sends the request, returns the status code.
    func status() throws -> Int {
        signal(SIGPIPE, SIG_IGN)
        var lastFailure = HealthFailure("no address to connect to")
        for address in target.addresses {
            let fd: Int32
            do {
                fd = try connect(to: address)
            } catch let failure as HealthFailure {
                lastFailure = failure
                continue
            }
            defer { close(fd) }
            try send(fd)
            return try readStatus(fd)
        }
        throw lastFailure
    }

    private func endpoint(_ address: String) -> String {
        address.contains(":") ? "[\(address)]:\(target.port)" : "\(address):\(target.port)"
    }

    private func connect(to address: String) throws -> Int32 {
        var storage = sockaddr_storage()
        let length: socklen_t
        let domain: Int32
        if address.contains(":") {
            domain = AF_INET6
            length = socklen_t(MemoryLayout<sockaddr_in6>.size)
            withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { a in
                    a.pointee.sin6_family = sa_family_t(AF_INET6)
                    a.pointee.sin6_port = in_port_t(UInt16(target.port).bigEndian)
                    _ = inet_pton(AF_INET6, address, &a.pointee.sin6_addr)
                }
            }
        } else {
            domain = AF_INET
            length = socklen_t(MemoryLayout<sockaddr_in>.size)
            withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { a in
                    a.pointee.sin_family = sa_family_t(AF_INET)
                    a.pointee.sin_port = in_port_t(UInt16(target.port).bigEndian)
                    _ = inet_pton(AF_INET, address, &a.pointee.sin_addr)
                }
            }
        }
        let fd = socket(domain, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw HealthFailure("socket: \(Self.lastError())") }
        do {
            try setTimeout(fd, SO_SNDTIMEO, doing: "connecting to \(endpoint(address))")
            let result = withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, length) }
            }
            if result != 0 {
                let code = errno
                throw HealthFailure(code == EINPROGRESS || code == EAGAIN
                    ? "timed out connecting to \(endpoint(address))"
                    : "cannot connect to \(endpoint(address)): \(Self.describe(code))")
            }
        } catch {
            close(fd)
            throw error
        }
        return fd
    }

    private func send(_ fd: Int32) throws {
        let request = Array("GET \(target.path) HTTP/1.1\r\nHost: \(target.authorityHost):\(target.port)\r\nUser-Agent: softlabel-health\r\nConnection: close\r\n\r\n".utf8)
        var offset = 0
        while offset < request.count {
            try setTimeout(fd, SO_SNDTIMEO, doing: "sending the request")
            let sent = request[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent < 0 {
                let code = errno
                if code == EINTR { continue }
                throw HealthFailure(code == EAGAIN || code == EWOULDBLOCK
                    ? "timed out sending the request to \(target.url)"
                    : "sending the request to \(target.url): \(Self.describe(code))")
            }
            offset += sent
        }
    }

    /// Reads until the status line's CRLF (at most 4 KiB) and parses `HTTP/1.x NNN`.
    private func readStatus(_ fd: Int32) throws -> Int {
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1024)
        let limit = 4096
        while !received.contains(0x0A), received.count < limit {
            try setTimeout(fd, SO_RCVTIMEO, doing: "waiting for the answer")
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count < 0 {
                let code = errno
                if code == EINTR { continue }
                throw HealthFailure(code == EAGAIN || code == EWOULDBLOCK
                    ? "timed out waiting for the answer from \(target.url)"
                    : "reading the answer from \(target.url): \(Self.describe(code))")
            }
            if count == 0 { break }
            received += chunk[..<count]
        }
        let line = received.prefix { $0 != 0x0D && $0 != 0x0A }
        guard let status = Self.parseStatusLine(Array(line)) else {
            let shown = String(decoding: line.prefix(80), as: UTF8.self)
            throw HealthFailure(received.isEmpty
                ? "\(target.url) closed the connection without an answer"
                : "\(target.url) answered no HTTP/1.x status line: \"\(shown)\"")
        }
        return status
    }

    /// `HTTP/1.<digit> SP <3 digits> (SP reason | end)` → the status code; nil for anything else.
    static func parseStatusLine(_ line: [UInt8]) -> Int? {
        let version = Array("HTTP/1.".utf8)
        guard line.count >= 12, Array(line[0..<7]) == version, (0x30...0x39).contains(line[7]), line[8] == 0x20 else { return nil }
        let digits = line[9..<12]
        guard digits.allSatisfy({ (0x30...0x39).contains($0) }), line.count == 12 || line[12] == 0x20 else { return nil }
        return digits.reduce(0) { $0 * 10 + Int($1 - 0x30) }
    }

    /// Sets SO_SNDTIMEO or SO_RCVTIMEO to the time left before the deadline (at least 1 ms).
    private func setTimeout(_ fd: Int32, _ option: Int32, doing what: String) throws {
        let left = deadline - ContinuousClock.now
        guard left > .zero else { throw HealthFailure("timed out \(what) (\(target.url))") }
        let (seconds, attoseconds) = left.components
        var value = timeval(tv_sec: Int(seconds), tv_usec: max(Int(attoseconds / 1_000_000_000_000), seconds == 0 ? 1000 : 0))
        guard setsockopt(fd, SOL_SOCKET, option, &value, socklen_t(MemoryLayout<timeval>.size)) == 0 else {
            throw HealthFailure("setsockopt: \(Self.lastError())")
        }
    }

    private static func lastError() -> String { describe(errno) }

    private static func describe(_ code: Int32) -> String { String(cString: strerror(code)) }
}
