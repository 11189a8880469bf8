import Dispatch
import Synchronization
import Testing
@testable import SoftLabelHTTP

import Glibc

/// A parsed response as a raw client sees it.
struct RawResponse {
    var status: Int
    var headers: HTTPHeaders
    var body: [UInt8]
    var bodyText: String { String(decoding: body, as: UTF8.self) }
}

enum RawClientError: Error { case connectFailed(Int32), timedOut, closed, malformed(String) }

/// A blocking TCP client with a receive timeout, for sending exactly the bytes a test wants.
final class RawClient {
    let fd: Int32
    private var pending: [UInt8] = []

    init(port: Int, host: String = "127.0.0.1", timeout: Double = 10) throws {
        let address = SocketAddress(host: host, port: port)!
        fd = socket(address.domain, Int32(SOCK_STREAM.rawValue), 0)
        var storage = address.storage
        let result = withUnsafePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, address.length) }
        }
        guard result == 0 else {
            let code = errno
            close(fd)
            throw RawClientError.connectFailed(code)
        }
        setTimeout(timeout)
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    deinit { close(fd) }

    func setTimeout(_ seconds: Double) {
        var value = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - Double(Int(seconds))) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
    }

    @discardableResult
    func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent <= 0 { return false }
            offset += sent
        }
        return true
    }

    func shutdownWrite() { shutdown(fd, Int32(SHUT_WR)) }

    /// Reads more bytes; nil at EOF (or reset), throws on timeout.
    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if count > 0 {
            pending.append(contentsOf: chunk[0..<count])
            return true
        }
        if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { throw RawClientError.timedOut }
        return false
    }

    /// Reads one response (an interim 1xx counts as one). HEAD responses: pass `isHead`.
    func readResponse(isHead: Bool = false) throws -> RawResponse {
        var headEnd: Int? = nil
        while true {
            if let end = findHeadEnd() { headEnd = end; break }
            guard try fill() else { throw RawClientError.closed }
        }
        let headText = String(decoding: pending[0..<headEnd!], as: UTF8.self)
        pending.removeFirst(headEnd! + 4)
        var lines = headText.split(separator: "\r\n", omittingEmptySubsequences: false).map(String.init)
        let statusLine = lines.removeFirst()
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0] == "HTTP/1.1", let status = Int(parts[1]) else {
            throw RawClientError.malformed(statusLine)
        }
        var headers = HTTPHeaders()
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { throw RawClientError.malformed(line) }
            headers.add(name: String(line[..<colon]), value: String(line[line.index(after: colon)...]).trimmingSpaces)
        }
        var body: [UInt8] = []
        if !isHead, status >= 200, status != 204, status != 304 {
            let length = Int(headers["content-length"] ?? "0") ?? 0
            while pending.count < length {
                guard try fill() else { throw RawClientError.closed }
            }
            body = Array(pending[0..<length])
            pending.removeFirst(length)
        }
        return RawResponse(status: status, headers: headers, body: body)
    }

    /// The final response, skipping a 100 Continue.
    func readFinalResponse(isHead: Bool = false) throws -> RawResponse {
        var response = try readResponse(isHead: isHead)
        while response.status == 100 { response = try readResponse(isHead: isHead) }
        return response
    }

    /// True when the server closes (EOF or reset) within the receive timeout, with no more bytes.
    func isClosedByPeer() -> Bool {
        do {
            while try fill() {}
            return true
        } catch {
            return false
        }
    }

    /// Any bytes that arrived already or arrive within the timeout (empty at EOF).
    var bufferedCount: Int { pending.count }

    private func findHeadEnd() -> Int? {
        guard pending.count >= 4 else { return nil }
        for index in 0...(pending.count - 4)
        where pending[index] == 13 && pending[index + 1] == 10 && pending[index + 2] == 13 && pending[index + 3] == 10 {
            return index
        }
        return nil
    }
}

extension String {
    var trimmingSpaces: String {
        var scalars = Substring(self)
        while scalars.first == " " || scalars.first == "\t" { scalars = scalars.dropFirst() }
        while scalars.last == " " || scalars.last == "\t" { scalars = scalars.dropLast() }
        return String(scalars)
    }
}

/// Echoes what it received: method, path, query, body length, trailers as headers; the body back.
/// "/slow?ms=N" sleeps N ms first; "/close" answers with `Connection: close`; "/big?n=N" answers
/// N bytes.
struct EchoHandler: HTTPHandler {
    func accept(_ request: HTTPRequest) -> HTTPHandling {
        .compute { handle(request) }
    }

    /// The layer's errors as `{"error": ..., "code": ...}` (the service renders its own the same
    /// way): what the raw-socket catalogues check.
    var errorResponder: HTTPErrorResponder {
        { error in
            HTTPResponse(status: error.status, headers: ["Content-Type": "application/json"],
                         body: Array("{\"error\":\"\(error.message)\",\"code\":\"\(error.code)\"}".utf8))
        }
    }

    func handle(_ request: HTTPRequest) -> HTTPResponse {
        var headers: HTTPHeaders = [
            "Content-Type": "application/octet-stream",
            "X-Method": request.method,
            "X-Path": request.path,
            "X-Query": request.query ?? "-",
            "X-Body-Length": String(request.body.count),
            "X-Version": request.version.description,
            "X-Trailers": request.trailers.fields.map { "\($0.name)=\($0.value)" }.joined(separator: ";"),
        ]
        if let id = request.headers["x-request-id"] { headers.add(name: "X-Request-Id", value: id) }
        if request.path == "/slow", let ms = request.query.flatMap({ Int($0.dropFirst(3)) }) {
            usleep(useconds_t(ms * 1000))
        }
        if request.path == "/close" { headers.add(name: "Connection", value: "close") }
        if request.path == "/big", let n = request.query.flatMap({ Int($0.dropFirst(2)) }) {
            return HTTPResponse(status: 200, headers: headers, body: [UInt8](repeating: UInt8(ascii: "x"), count: n))
        }
        return HTTPResponse(status: 200, headers: headers, body: request.body)
    }
}

/// Collects observer callbacks.
final class RecordingObserver: HTTPObserver {
    let records = Mutex<[HTTPResponseRecord]>([])
    let opened = Atomic<Int>(0)
    let closed = Atomic<Int>(0)

    func connectionOpened() { opened.add(1, ordering: .relaxed) }
    func connectionClosed() { closed.add(1, ordering: .relaxed) }
    func responseSent(_ record: HTTPResponseRecord) { records.withLock { $0.append(record) } }
}

/// A configuration with short timeouts for tests, on an ephemeral loopback port.
func testConfiguration(
    host: String = "127.0.0.1", maxBodyBytes: Int = 1 << 20, headerTimeout: Duration = .seconds(5),
    bodyTimeout: Duration = .seconds(5), idleTimeout: Duration = .seconds(10), drainTimeout: Duration = .seconds(10),
    maxConnections: Int = 1024, maxInflightBytes: Int = 512 << 20,
    computeConcurrency: Int = CPUs.available, eventLoopCount: Int = CPUs.available
) -> HTTPConfiguration {
    HTTPConfiguration(
        host: host, port: 0, maxBodyBytes: maxBodyBytes, maxRequestLineBytes: 1024, maxHeaderBytes: 4096,
        headerTimeout: headerTimeout, bodyTimeout: bodyTimeout, idleTimeout: idleTimeout, lingerTimeout: .seconds(1),
        drainTimeout: drainTimeout, maxConnections: maxConnections, maxInflightBytes: maxInflightBytes,
        computeConcurrency: computeConcurrency,
        eventLoopCount: eventLoopCount)
}

/// Runs `body` against a started server, then drains it and waits for it to stop.
func withServer<T>(
    _ configuration: HTTPConfiguration = testConfiguration(), handler: some HTTPHandler = EchoHandler(),
    observer: (any HTTPObserver)? = nil, _ body: (HTTPServer, Int) throws -> T
) throws -> T {
    let server = HTTPServer(configuration: configuration, handler: handler, observer: observer)
    let port = try server.start()
    defer {
        server.beginShutdown()
        server.waitUntilStopped()
    }
    return try body(server, port)
}

/// A simple valid request.
func get(_ path: String = "/", headers: String = "") -> String {
    "GET \(path) HTTP/1.1\r\nHost: localhost\r\n\(headers)\r\n"
}

func monotonicSeconds() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
