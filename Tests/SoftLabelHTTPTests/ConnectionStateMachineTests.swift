import Testing
@testable import SoftLabelHTTP

/// The connection's decisions without sockets or clocks: time is a number passed in.
@Suite("ConnectionStateMachine")
struct ConnectionStateMachineTests {
    static let second: UInt64 = 1_000_000_000

    static func configuration() -> HTTPConfiguration {
        HTTPConfiguration(
            maxBodyBytes: 1000, maxRequestLineBytes: 100, maxHeaderBytes: 200, headerTimeout: .seconds(10),
            bodyTimeout: .seconds(5), idleTimeout: .seconds(60), writeTimeout: .seconds(30), lingerTimeout: .seconds(2))
    }

    var machine = ConnectionStateMachine(configuration: configuration(), now: 0)

    mutating func receive(_ text: String, at now: UInt64 = 0) -> ConnectionStateMachine.Action {
        Array(text.utf8).withUnsafeBytes { machine.bytesReceived($0, now: now) }
    }

    static func dispatched(_ action: ConnectionStateMachine.Action) -> HTTPRequest? {
        if case .dispatch(let request) = action { return request }
        return nil
    }

    static func written(_ action: ConnectionStateMachine.Action) -> ConnectionStateMachine.Outgoing? {
        if case .write(let outgoing) = action { return outgoing }
        return nil
    }

    @Test mutating func keepAliveCycle() {
        let request = Self.dispatched(receive("GET /a HTTP/1.1\r\nHost: h\r\n\r\n", at: 1))
        #expect(request?.path == "/a")
        #expect(machine.deadline == nil)  // no timer while the handler runs
        let write = Self.written(machine.responseReady(HTTPResponse(status: 200), now: 2))
        #expect(write?.close == false)
        #expect(write?.context.method == "GET" && write?.context.path == "/a")
        #expect((machine.writeCompleted(now: 3)) == .none)
        #expect(machine.deadline?.kind == .idle)
        #expect(machine.deadline?.at == 3 + 60 * Self.second)
        #expect((machine.timerFired(now: 3 + 59 * Self.second)) == .none)
        #expect((machine.timerFired(now: 3 + 60 * Self.second)) == .close)
    }

    @Test mutating func pipelinedRequestsAreDispatchedOneAtATime() {
        let first = Self.dispatched(receive(get("/1") + get("/2")))
        #expect(first?.path == "/1")
        #expect((receive(get("/3"))) == .none)  // buffered while /1 is handled
        _ = machine.responseReady(HTTPResponse(status: 200), now: 1)
        #expect(Self.dispatched(machine.writeCompleted(now: 2))?.path == "/2")
        _ = machine.responseReady(HTTPResponse(status: 200), now: 3)
        #expect(Self.dispatched(machine.writeCompleted(now: 4))?.path == "/3")
    }

    @Test mutating func readingPausesWhenPipelinedBytesPileUp() {
        _ = receive(get("/1"))
        #expect(machine.wantsToRead)
        _ = receive(String(repeating: "GET /x HTTP/1.1\r\nHost: h\r\n\r\n", count: 20))
        #expect(!machine.wantsToRead)
        _ = machine.responseReady(HTTPResponse(status: 200), now: 1)
        _ = machine.writeCompleted(now: 2)
        #expect(!machine.wantsToRead)  // still handling the next one, still over the limit
    }

    @Test mutating func expectContinueThenBody() {
        guard case .sendContinue = receive("PUT /u HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n") else {
            Issue.record("expected sendContinue"); return
        }
        #expect(machine.deadline?.kind == .body)
        #expect(Self.dispatched(receive("data"))?.body == Array("data".utf8))
    }

    @Test mutating func expectContinueWithBodyAlreadyThereSkipsThe100() {
        let action = receive("PUT /u HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\ndata")
        #expect(Self.dispatched(action) != nil)
    }

    @Test mutating func oversizedBodyIsRefusedBeforeReading() {
        let write = Self.written(receive("PUT /u HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 5000\r\n\r\n"))
        #expect(write?.response.status == 413 && write?.close == true)
        #expect(write?.context.errorCode == "body_too_large")
        guard case .shutdownOutput = machine.writeCompleted(now: 1) else { Issue.record("expected lingering close"); return }
        #expect(machine.deadline?.kind == .linger)
        #expect((receive("discarded body bytes")) == .none)
        #expect((machine.timerFired(now: 1 + 2 * Self.second)) == .close)
    }

    @Test mutating func lingeringEndsAtClientEOF() {
        _ = receive("BAD\r\n\r\n")
        _ = machine.writeCompleted(now: 1)
        #expect((machine.inputEnded(now: 2)) == .close)
    }

    @Test mutating func silentConnectionTimesOutWithoutAResponse() {
        #expect(machine.deadline?.kind == .header)
        #expect((machine.timerFired(now: 10 * Self.second)) == .close)
    }

    @Test mutating func partialHeadTimesOutWith408CountedFromTheAccept() {
        #expect((receive("GET / HTTP/1.1\r\n", at: 9 * Self.second)) == .none)
        #expect(machine.deadline?.at == 10 * Self.second)  // not reset by the first byte
        let write = Self.written(machine.timerFired(now: 10 * Self.second))
        #expect(write?.response.status == 408 && write?.close == true)
    }

    @Test mutating func stalledBodyTimesOut() {
        #expect((receive("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nab", at: 1)) == .none)
        #expect(machine.deadline?.kind == .body)
        #expect((receive("cd", at: 3 * Self.second)) == .none)  // progress moves the deadline
        #expect((machine.timerFired(now: 6 * Self.second)) == .none)
        #expect(Self.written(machine.timerFired(now: 8 * Self.second))?.response.status == 408)
    }

    @Test mutating func http10ClosesAfterTheResponse() {
        _ = receive("GET / HTTP/1.0\r\n\r\n")
        #expect(Self.written(machine.responseReady(HTTPResponse(status: 200), now: 1))?.close == true)
    }

    @Test mutating func handlerConnectionCloseIsHonoured() {
        _ = receive(get())
        let response = HTTPResponse(status: 200, headers: ["Connection": "close"])
        #expect(Self.written(machine.responseReady(response, now: 1))?.close == true)
    }

    @Test mutating func drainClosesIdleAndFinishesInFlight() {
        var idle = ConnectionStateMachine(configuration: Self.configuration(), now: 0)
        #expect((idle.beginDrain(now: 1)) == .close)

        _ = receive(get())
        #expect((machine.beginDrain(now: 1)) == .none)
        #expect(Self.written(machine.responseReady(HTTPResponse(status: 200), now: 2))?.close == true)
    }

    @Test mutating func clientEOFWhileHandlingStillGetsTheResponse() {
        _ = receive(get())
        #expect((machine.inputEnded(now: 1)) == .none)
        #expect(Self.written(machine.responseReady(HTTPResponse(status: 200), now: 2)) != nil)
        #expect((machine.writeCompleted(now: 3)) == .close)
    }

    @Test mutating func rejectAnswers503WithRetryAfter() {
        let write = Self.written(machine.reject(now: 0))
        #expect(write?.response.status == 503)
        #expect(write?.response.headers["retry-after"] == "1")
        #expect(write?.close == true)
    }

    @Test mutating func malformedRequestGets400AndClose() {
        let write = Self.written(receive("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"))
        #expect(write?.response.status == 400 && write?.close == true)
        #expect(write?.response.headers["connection"] == "close")
        #expect((receive(get())) == .none)  // nothing after a framing error is parsed
    }

    @Test mutating func writeStallIsCut() {
        _ = receive(get())
        _ = machine.responseReady(HTTPResponse(status: 200), now: 1)
        machine.writeProgressed(now: 20 * Self.second, written: 1 << 20)
        #expect((machine.timerFired(now: 31 * Self.second)) == .none)
        #expect((machine.timerFired(now: 50 * Self.second)) == .close)
    }

    /// A client that keeps reading a little (so the write deadline would move on every byte) but
    /// averages below `minResponseRate` once the write timeout has passed is cut.
    @Test mutating func slowReaderBelowTheMinimumRateIsCut() {
        _ = receive(get())
        _ = machine.responseReady(HTTPResponse(status: 200), now: 0)
        // 29 s in, a few bytes: inside the write timeout, the deadline moves (29 + 30 s).
        machine.writeProgressed(now: 29 * Self.second, written: 100)
        #expect(machine.deadline?.at == 59 * Self.second)
        // 58 s in, 200 bytes: 3 bytes/s < 16 KiB/s after the timeout: the deadline stays.
        machine.writeProgressed(now: 58 * Self.second, written: 200)
        #expect(machine.deadline?.at == 59 * Self.second)
        #expect(machine.timerFired(now: 59 * Self.second) == .close)
    }

    @Test mutating func fastReaderOfALargeResponseKeepsGoing() {
        _ = receive(get())
        _ = machine.responseReady(HTTPResponse(status: 200), now: 0)
        machine.writeProgressed(now: 40 * Self.second, written: 40 << 20)  // 1 MiB/s
        #expect(machine.deadline?.at == 70 * Self.second)
    }

    /// The in-flight byte budget is asked before a body is read; a refusal is a 503 that closes.
    @Test func bodyOverTheInflightBudgetIsRefused() {
        var asked: [Int] = []
        var machine = ConnectionStateMachine(configuration: Self.configuration(), now: 0, admitBody: { bytes in
            asked.append(bytes)
            return bytes <= 5
        })
        let small = Array("POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello".utf8).withUnsafeBytes { machine.bytesReceived($0, now: 1) }
        #expect(Self.dispatched(small)?.body == Array("hello".utf8))
        _ = machine.responseReady(HTTPResponse(status: 200), now: 2)
        _ = machine.writeCompleted(now: 3)
        let large = Array("POST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 6\r\n\r\n".utf8).withUnsafeBytes { machine.bytesReceived($0, now: 4) }
        let refused = Self.written(large)
        #expect(refused?.response.status == 503 && refused?.close == true)
        #expect(refused?.context.errorCode == "busy")
        #expect(refused?.response.headers["retry-after"] == "1")
        let chunked = ConnectionStateMachine(configuration: Self.configuration(), now: 0, admitBody: { asked.append($0); return true })
        var c = chunked
        _ = Array("POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n".utf8).withUnsafeBytes { c.bytesReceived($0, now: 1) }
        #expect(asked == [5, 6, 1000])  // a chunked body reserves maxBodyBytes
    }
}

@Suite("ResponseWriter")
struct ResponseWriterTests {
    let writer = ResponseWriter(serverName: "softlabel")
    let date = Array("Sun, 06 Nov 1994 08:49:37 GMT".utf8)

    func text(_ head: ResponseWriter.Head) -> String { String(decoding: head.bytes, as: UTF8.self) }

    @Test func headCarriesServerDateLengthAndHandlerFields() {
        let response = HTTPResponse(status: 201, headers: ["Content-Type": "application/json", "X-A": "1"], text: "{}")
        let head = writer.head(for: response, method: "POST", version: .http1_1, close: false, date: date)
        #expect(text(head) == "HTTP/1.1 201 Created\r\nServer: softlabel\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\nContent-Length: 2\r\nContent-Type: application/json\r\nX-A: 1\r\n\r\n")
        #expect(head.sendsBody)
    }

    @Test func headRequestKeepsLengthDropsBody() {
        let head = writer.head(for: HTTPResponse(status: 200, text: "hello"), method: "HEAD", version: .http1_1, close: false, date: date)
        #expect(text(head).contains("Content-Length: 5\r\n"))
        #expect(!head.sendsBody)
    }

    @Test func noContentHasNoLength() {
        let head = writer.head(for: HTTPResponse(status: 204), method: "DELETE", version: .http1_1, close: false, date: date)
        #expect(!text(head).contains("Content-Length"))
        #expect(!head.sendsBody)
    }

    @Test func connectionHeaderFollowsTheDecision() {
        let closing = writer.head(for: HTTPResponse(status: 200), method: "GET", version: .http1_1, close: true, date: date)
        #expect(text(closing).contains("Connection: close\r\n"))
        let old = writer.head(for: HTTPResponse(status: 200), method: "GET", version: .http1_0, close: false, date: date)
        #expect(text(old).contains("Connection: keep-alive\r\n"))
    }

    @Test func dateFormat() {
        #expect(String(decoding: HTTPDate.format(784111777), as: UTF8.self) == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(String(decoding: HTTPDate.format(0), as: UTF8.self) == "Thu, 01 Jan 1970 00:00:00 GMT")
    }
}
