import Testing
@testable import SoftLabelHTTP
import Glibc
import Synchronization

/// Hostile and malformed requests over real sockets: each gets its status, a JSON error body,
/// `Connection: close` and a closed connection, and the server keeps serving.
@Suite("Raw sockets: rejections")
struct RawSocketRejectionTests {
    /// Cases beyond the parser table: limits that need the server's configuration.
    static let serverCases: [(String, String, Int)] = [
        ("414 long target", "GET /" + String(repeating: "a", count: 2000) + " HTTP/1.1\r\nHost: h\r\n\r\n", 414),
        ("414 before the line ends", "GET /" + String(repeating: "a", count: 2000), 414),
        ("431 large header", "GET / HTTP/1.1\r\nHost: h\r\nX-Big: " + String(repeating: "b", count: 5000) + "\r\n\r\n", 431),
        ("431 many small headers", "GET / HTTP/1.1\r\nHost: h\r\n" + String(repeating: "X-A: 1234567890\r\n", count: 400) + "\r\n", 431),
        ("413 announced body", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 2000000\r\n\r\nsome", 413),
        ("413 chunked body over limit", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n200000\r\n", 413),
        ("505 HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505),
        ("400 garbage", "\u{1}\u{2}\u{3}\r\n\r\n", 400),
        ("400 smuggling CL.TE", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nG", 400),
        ("400 smuggling TE.CL", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n8\r\nSMUGGLED\r\n0\r\n\r\n", 400),
        ("400 TE obfuscated with tab", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding:\tchunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n", 400),
        ("501 TE xchunked", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n", 501),
        ("400 TE space before colon", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n", 400),
    ]

    static let allCases: [(String, String, Int)] =
        RequestParserTests.rejected.map { ($0.0, $0.1, $0.2.status) } + serverCases

    @Test(arguments: allCases.indices)
    func rejectsAndCloses(index: Int) throws {
        let (name, input, status) = Self.allCases[index]
        try withServer { _, port in
            let client = try RawClient(port: port)
            client.send(input)
            let response = try client.readResponse()
            #expect(response.status == status, "\(name)")
            #expect(response.headers["connection"] == "close", "\(name)")
            #expect(response.headers["content-type"] == "application/json", "\(name)")
            #expect(response.bodyText.hasPrefix("{\"error\":\""), "\(name)")
            #expect(response.bodyText.contains("\"code\":\""), "\(name)")
            #expect(client.isClosedByPeer(), "\(name): still open")
            try expectServing(port: port)
        }
    }

    @Test func smuggledRequestIsNeverServed() throws {
        let observer = RecordingObserver()
        try withServer(observer: observer) { _, port in
            let client = try RawClient(port: port)
            client.send("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 44\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /admin HTTP/1.1\r\nHost: h\r\n\r\n")
            #expect(try client.readResponse().status == 400)
            #expect(client.isClosedByPeer())
        }
        #expect(!observer.records.withLock { $0.contains { $0.path == "/admin" } })
        #expect(observer.records.withLock { $0.first?.errorCode } == "content_length_with_transfer_encoding")
    }

    @Test func clientDisconnectingMidRequestDoesNotDisturbOthers() throws {
        try withServer { _, port in
            for partial in ["GET / HT", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nabc", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab"] {
                let client = try RawClient(port: port)
                client.send(partial)
                client.shutdownWrite()
                #expect(client.isClosedByPeer())
            }
            try expectServing(port: port)
        }
    }
}

extension RawSocketRejectionTests {
    /// A client that resets its connection while its request is being computed: the event loop
    /// sees the error on a socket it is not reading, closes it at once (no spinning on the
    /// report), and the late response is dropped.
    @Test func resetWhileComputingClosesTheConnection() throws {
        try withServer { server, port in
            sendThenReset(get("/slow?ms=1500"), port: port)
            // Closed long before the handler's 1.5 s are up (not only when its response fails).
            var waited = 0
            while server.connectionCount > 0 && waited < 16 {
                usleep(50_000)
                waited += 1
            }
            #expect(server.connectionCount == 0)
            usleep(1_500_000)  // the handler finishes into a closed connection
            try expectServing(port: port)
        }
    }

    /// A request queued behind a busy compute thread whose client resets before its turn is never
    /// computed: its job sees the connection closed and returns at once.
    @Test func queuedRequestOfAGoneClientIsNotComputed() throws {
        let computed = Atomic<Int>(0)
        let handler = HTTPClosureHandler { request in
            if request.path == "/slow" { usleep(800_000) } else { computed.add(1, ordering: .relaxed) }
            return HTTPResponse(status: 200, text: "ok")
        }
        try withServer(testConfiguration(computeConcurrency: 1), handler: handler) { server, port in
            let busy = try RawClient(port: port)
            busy.send(get("/slow"))
            usleep(100_000)
            sendThenReset(get("/queued"), port: port)  // parsed and queued behind /slow, then reset
            #expect(try busy.readResponse().status == 200)
            usleep(200_000)
            #expect(computed.load(ordering: .relaxed) == 0)
            // A request of a client that stays is computed as usual.
            let stays = try RawClient(port: port)
            stays.send(get("/kept"))
            #expect(try stays.readResponse().status == 200)
            #expect(computed.load(ordering: .relaxed) == 1)
            _ = server
        }
    }
}

/// Connects, sends `request`, waits 100 ms (it is parsed and dispatched), then closes with
/// SO_LINGER 0, so the server sees a reset instead of a FIN.
func sendThenReset(_ request: String, port: Int, sourceLocation: SourceLocation = #_sourceLocation) {
    let address = SocketAddress(host: "127.0.0.1", port: port)!
    let fd = socket(address.domain, Int32(SOCK_STREAM.rawValue), 0)
    var storage = address.storage
    let connected = withUnsafePointer(to: &storage) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, address.length) }
    }
    #expect(connected == 0, sourceLocation: sourceLocation)
    let bytes = Array(request.utf8)
    _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    usleep(100_000)
    var option = linger(l_onoff: 1, l_linger: 0)
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &option, socklen_t(MemoryLayout<linger>.size))
    close(fd)
}

/// A fresh connection gets a 200 for a plain GET.
func expectServing(port: Int, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let client = try RawClient(port: port)
    client.send(get("/still-serving"))
    let response = try client.readResponse()
    #expect(response.status == 200, sourceLocation: sourceLocation)
    #expect(response.headers["x-path"] == "/still-serving", sourceLocation: sourceLocation)
}
