import Testing
@testable import SoftLabelHTTP

/// The happy paths of HTTP/1.1 over real sockets: keep-alive, pipelining, chunked uploads,
/// 100-continue, HEAD, HTTP/1.0.
@Suite("Raw sockets: protocol")
struct RawSocketProtocolTests {
    @Test func keepAliveServesManyRequestsOnOneConnection() throws {
        try withServer { _, port in
            let client = try RawClient(port: port)
            for index in 0..<5 {
                client.send(get("/n/\(index)"))
                let response = try client.readResponse()
                #expect(response.status == 200)
                #expect(response.headers["x-path"] == "/n/\(index)")
                #expect(response.headers["connection"] == nil)
                #expect(response.headers["server"] == "softlabel")
                #expect(response.headers["date"]?.hasSuffix(" GMT") == true)
            }
        }
    }

    /// Connections are spread over the event loops round robin; with more loops than cores and
    /// more connections than loops, every connection is still served, interleaved, to the end.
    @Test(arguments: [1, 3])
    func connectionsOnSeveralEventLoops(loops: Int) throws {
        try withServer(testConfiguration(eventLoopCount: loops)) { server, port in
            let clients = try (0..<7).map { _ in try RawClient(port: port) }
            for round in 0..<40 {
                for (index, client) in clients.enumerated() { client.send(get("/c\(index)/r\(round)")) }
                for (index, client) in clients.enumerated() {
                    let response = try client.readResponse()
                    #expect(response.status == 200)
                    #expect(response.headers["x-path"] == "/c\(index)/r\(round)")
                }
            }
            #expect(server.connectionCount == 7)
        }
    }

    @Test func pipelinedResponsesComeInRequestOrder() throws {
        try withServer { _, port in
            let client = try RawClient(port: port)
            client.send(get("/slow?ms=300") + get("/second")
                + "POST /third HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello" + get("/fourth"))
            let first = try client.readResponse()
            #expect(first.headers["x-path"] == "/slow")
            #expect(try client.readResponse().headers["x-path"] == "/second")
            let third = try client.readResponse()
            #expect(third.headers["x-path"] == "/third" && third.bodyText == "hello")
            #expect(try client.readResponse().headers["x-path"] == "/fourth")
        }
    }

    /// A handler that answers on the I/O thread (`runsInline`): 2,000 pipelined requests in one
    /// write come back complete and in order (no recursion per request, no reordering with the
    /// requests that go through the compute pool).
    struct InlineEchoHandler: HTTPHandler {
        let echo = EchoHandler()
        func accept(_ request: HTTPRequest) -> HTTPHandling {
            request.path.hasPrefix("/slow") ? echo.accept(request) : .respond(echo.handle(request))
        }
    }

    @Test func inlineHandlingKeepsPipelinedOrder() throws {
        try withServer(handler: InlineEchoHandler()) { _, port in
            let client = try RawClient(port: port)
            var burst = ""
            for i in 0..<2000 { burst += get(i == 1000 ? "/slow?ms=50" : "/n\(i)") }
            client.send(burst)
            for i in 0..<2000 {
                let response = try client.readResponse()
                #expect(response.status == 200)
                #expect(response.headers["x-path"] == (i == 1000 ? "/slow" : "/n\(i)"))
            }
        }
    }

    @Test func chunkedUploadWithExtensionsAndTrailers() throws {
        try withServer { _, port in
            let client = try RawClient(port: port)
            client.send("POST /upload HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n")
            client.send("4;name=\"quoted;value\"\r\nWiki\r\n")
            client.send("5 ; ext=token\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n")
            client.send("0;last\r\nX-Checksum: abc\r\nX-Count: 3\r\n\r\n")
            let response = try client.readResponse()
            #expect(response.status == 200)
            #expect(response.bodyText == "Wikipedia in\r\n\r\nchunks.")
            #expect(response.headers["x-trailers"] == "X-Checksum=abc;X-Count=3")
            client.send(get("/after"))
            #expect(try client.readResponse().headers["x-path"] == "/after")
        }
    }

    @Test func expectContinueGetsA100ThenTheResponse() throws {
        try withServer { _, port in
            let client = try RawClient(port: port, timeout: 3)
            client.send("PUT /data HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\nExpect: 100-continue\r\n\r\n")
            let interim = try client.readResponse()
            #expect(interim.status == 100)
            client.send("0123456789")
            let response = try client.readResponse()
            #expect(response.status == 200 && response.bodyText == "0123456789")
        }
    }

    @Test func expectContinueOverTheLimitGets413WithoutA100() throws {
        try withServer { _, port in
            let client = try RawClient(port: port, timeout: 3)
            client.send("PUT /data HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999\r\nExpect: 100-continue\r\n\r\n")
            let response = try client.readResponse()
            #expect(response.status == 413)
            #expect(response.headers["connection"] == "close")
            #expect(client.isClosedByPeer())
        }
    }

    @Test func oversizedBodySentAnywayStillGetsA413NotAReset() throws {
        try withServer { _, port in
            let client = try RawClient(port: port, timeout: 5)
            client.send("POST /big-upload HTTP/1.1\r\nHost: h\r\nContent-Length: 3000000\r\n\r\n")
            _ = client.send([UInt8](repeating: 0x61, count: 3_000_000))  // may fail part-way: the server stops reading
            let response = try client.readResponse()
            #expect(response.status == 413)
            #expect(response.bodyText.contains("body_too_large"))
            #expect(client.isClosedByPeer())
        }
    }

    @Test func pipelinedBadRequestAfterAGoodOne() throws {
        try withServer { _, port in
            let client = try RawClient(port: port)
            client.send(get("/good") + "GET /bad HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n" + get("/never"))
            #expect(try client.readResponse().headers["x-path"] == "/good")
            let bad = try client.readResponse()
            #expect(bad.status == 400 && bad.headers["connection"] == "close")
            #expect(client.isClosedByPeer())
        }
    }

    @Test func headAnswersWithTheLengthOfGetAndNoBody() throws {
        try withServer { _, port in
            let client = try RawClient(port: port)
            client.send("HEAD /big?n=1234 HTTP/1.1\r\nHost: h\r\n\r\n")
            let head = try client.readResponse(isHead: true)
            #expect(head.status == 200)
            #expect(head.headers["content-length"] == "1234")
            #expect(head.headers["x-method"] == "HEAD")
            client.send(get("/next"))
            let next = try client.readResponse()  // would be garbled if a body had been sent
            #expect(next.status == 200 && next.headers["x-path"] == "/next")
        }
    }

    @Test func http10ClosesByDefault() throws {
        try withServer { _, port in
            let client = try RawClient(port: port)
            client.send("GET /old HTTP/1.0\r\n\r\n")
            let response = try client.readResponse()
            #expect(response.status == 200)
            #expect(response.headers["x-version"] == "HTTP/1.0")
            #expect(response.headers["connection"] == "close")
            #expect(client.isClosedByPeer())
        }
    }

    @Test func http10KeepAliveWhenAsked() throws {
        try withServer { _, port in
            let client = try RawClient(port: port)
            for _ in 0..<2 {
                client.send("GET /old HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
                let response = try client.readResponse()
                #expect(response.status == 200)
                #expect(response.headers["connection"] == "keep-alive")
            }
        }
    }

    @Test func connectionCloseFromClientAndFromHandler() throws {
        try withServer { _, port in
            let client = try RawClient(port: port)
            client.send(get("/bye", headers: "Connection: close\r\n"))
            #expect(try client.readResponse().headers["connection"] == "close")
            #expect(client.isClosedByPeer())
            let other = try RawClient(port: port)
            other.send(get("/close"))
            #expect(try other.readResponse().headers["connection"] == "close")
            #expect(other.isClosedByPeer())
        }
    }

    @Test func halfClosedClientStillGetsItsResponses() throws {
        try withServer { _, port in
            let client = try RawClient(port: port)
            client.send(get("/one") + get("/two"))
            client.shutdownWrite()
            #expect(try client.readResponse().headers["x-path"] == "/one")
            #expect(try client.readResponse().headers["x-path"] == "/two")
            #expect(client.isClosedByPeer())
        }
    }

    @Test func largeBodyRoundTrips() throws {
        let configuration = testConfiguration(maxBodyBytes: 8 << 20)
        try withServer(configuration) { _, port in
            let body = (0..<(5 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            let client = try RawClient(port: port)
            client.send("POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: \(body.count)\r\n\r\n")
            client.send(body)
            let response = try client.readResponse()
            #expect(response.status == 200 && response.body == body)
        }
    }

    @Test(arguments: ["::1", "::"])
    func ipv6(host: String) throws {
        let configuration = testConfiguration(host: host)
        try withServer(configuration) { _, port in
            let client = try RawClient(port: port, host: "::1")
            client.send(get("/v6"))
            #expect(try client.readResponse().status == 200)
            if host == "::" {  // dual-stack
                let v4 = try RawClient(port: port, host: "127.0.0.1")
                v4.send(get("/v4"))
                #expect(try v4.readResponse().status == 200)
            }
        }
    }

    @Test func invalidHostIsRefusedAtStart() {
        let server = HTTPServer(configuration: testConfiguration(host: "example.com"), handler: EchoHandler())
        #expect(throws: HTTPServerError.self) { try server.start() }
    }

    @Test func observerSeesEveryResponseIncludingRejections() throws {
        let observer = RecordingObserver()
        try withServer(observer: observer) { _, port in
            let client = try RawClient(port: port)
            client.send(get("/ok", headers: "X-Request-Id: abc-123\r\n"))
            let ok = try client.readResponse()
            #expect(ok.headers["x-request-id"] == "abc-123")
            let bad = try RawClient(port: port)
            bad.send("GET / HTTP/1.1\r\n\r\n")
            #expect(try bad.readResponse().status == 400)
            #expect(bad.isClosedByPeer())
        }
        let records = observer.records.withLock { $0 }
        #expect(records.count == 2)
        let ok = records.first { $0.status == 200 }
        #expect(ok?.method == "GET" && ok?.path == "/ok" && ok?.requestID == "abc-123" && ok?.completed == true)
        #expect((ok?.requestBytes ?? 0) > 30 && (ok?.responseBytes ?? 0) > 100)
        #expect(records.first { $0.status == 400 }?.errorCode == "missing_host")
        #expect(observer.opened.load(ordering: .relaxed) == observer.closed.load(ordering: .relaxed))
    }

    @Test func unsafeHandlerHeadersAreNotSent() throws {
        let handler = HTTPClosureHandler { _ in
            HTTPResponse(status: 200, headers: ["X-Evil": "a\r\nSet-Cookie: x=1", "Content-Length": "999", "X-Fine": "yes"], text: "ok")
        }
        try withServer(handler: handler) { _, port in
            let client = try RawClient(port: port)
            client.send(get())
            let response = try client.readResponse()
            #expect(response.bodyText == "ok")
            #expect(response.headers["content-length"] == "2")
            #expect(response.headers["x-evil"] == nil && response.headers["set-cookie"] == nil)
            #expect(response.headers["x-fine"] == "yes")
        }
    }
}

