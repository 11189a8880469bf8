import Testing
@testable import SoftLabelHTTP

/// Feeds `input` in pieces of `step` bytes (0: all at once) and collects complete requests, stopping
/// at the first error.
func parse(_ input: String, step: Int = 0, limits: RequestParser.Limits = .init()) -> (requests: [HTTPRequest], error: HTTPError?) {
    parse(Array(input.utf8), step: step, limits: limits)
}

func parse(_ bytes: [UInt8], step: Int = 0, limits: RequestParser.Limits = .init()) -> (requests: [HTTPRequest], error: HTTPError?) {
    var parser = RequestParser(limits: limits)
    var requests: [HTTPRequest] = []
    var offset = 0
    repeat {
        let end = step == 0 ? bytes.count : min(bytes.count, offset + step)
        parser.append(Array(bytes[offset..<end]))
        offset = end
        loop: while true {
            switch parser.next() {
            case .needMoreData: break loop
            case .head: continue
            case .request(let request): requests.append(request)
            case .error(let error): return (requests, error)
            }
        }
    } while offset < bytes.count
    return (requests, nil)
}

@Suite("RequestParser")
struct RequestParserTests {
    @Test func simpleGetKeepsHeaderOrderAndDuplicates() {
        let (requests, error) = parse("GET /a/b?x=1&y=2 HTTP/1.1\r\nHost: example.com\r\nX-A: 1\r\nx-a: 2\r\nAccept:  */*  \r\n\r\n")
        #expect(error == nil)
        let request = try! #require(requests.first)
        #expect(request.method == "GET")
        #expect(request.target == "/a/b?x=1&y=2")
        #expect(request.path == "/a/b")
        #expect(request.query == "x=1&y=2")
        #expect(request.version == .http1_1)
        #expect(request.headers.fields.map(\.name) == ["Host", "X-A", "x-a", "Accept"])
        #expect(request.headers.values(for: "X-a") == ["1", "2"])
        #expect(request.headers["ACCEPT"] == "*/*")
        #expect(request.body.isEmpty)
    }

    @Test(arguments: [1, 2, 3, 7, 64])
    func byteByByteEqualsAllAtOnce(step: Int) {
        let input = "POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\nhello world"
            + "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5;name=value;flag\r\nhello\r\n6 ; q=\"a \\\" b\"\r\n world\r\n0\r\nX-Sum: 42\r\nX-Other: y\r\n\r\n"
            + "GET /last HTTP/1.1\r\nHost: h\r\n\r\n"
        let whole = parse(input)
        let pieces = parse(input, step: step)
        #expect(whole.error == nil && pieces.error == nil)
        #expect(whole.requests.count == 3 && pieces.requests.count == 3)
        for (a, b) in zip(whole.requests, pieces.requests) {
            #expect(a.method == b.method && a.target == b.target && a.body == b.body && a.headers == b.headers && a.trailers == b.trailers)
            #expect(a.wireBytes == b.wireBytes)
        }
        #expect(String(decoding: pieces.requests[0].body, as: UTF8.self) == "hello world")
        #expect(String(decoding: pieces.requests[1].body, as: UTF8.self) == "hello world")
        #expect(pieces.requests[1].trailers.fields == [HTTPField(name: "X-Sum", value: "42"), HTTPField(name: "X-Other", value: "y")])
        #expect(pieces.requests[2].path == "/last")
        #expect(whole.requests.map(\.wireBytes).reduce(0, +) == input.utf8.count)
    }

    @Test func headIsDeliveredBeforeBodyForExpectContinue() {
        var parser = RequestParser()
        parser.append(Array("PUT /u HTTP/1.1\r\nHost: h\r\nExpect: 100-Continue\r\nContent-Length: 3\r\n\r\n".utf8))
        guard case .head(let head) = parser.next() else { Issue.record("no head"); return }
        #expect(head.expectsContinue)
        #expect(head.framing == .length(3))
        guard case .needMoreData = parser.next() else { Issue.record("expected needMoreData"); return }
        parser.append(Array("abc".utf8))
        guard case .request(let request) = parser.next() else { Issue.record("no request"); return }
        #expect(request.body == Array("abc".utf8))
    }

    @Test func expectationIgnoredInHTTP10AndWithoutBody() {
        var parser = RequestParser()
        parser.append(Array("POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n".utf8))
        guard case .head(let head) = parser.next() else { Issue.record("no head"); return }
        #expect(!head.expectsContinue)
        #expect(!head.wantsKeepAlive)
    }

    @Test func leadingEmptyLinesAreSkipped() {
        let (requests, error) = parse("\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n")
        #expect(error == nil)
        #expect(requests.count == 1)
    }

    @Test func versionsAndForms() {
        #expect(parse("GET / HTTP/1.0\r\n\r\n").requests.first?.version == .http1_0)
        #expect(parse("GET / HTTP/1.2\r\nHost: h\r\n\r\n").requests.first?.version == .http1_1)
        #expect(parse("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n").requests.first?.path == "*")
        let absolute = parse("GET http://example.com:80/x/y?z HTTP/1.1\r\nHost: example.com\r\n\r\n").requests.first
        #expect(absolute?.path == "/x/y" && absolute?.query == "z")
        #expect(parse("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n").requests.first?.method == "CONNECT")
        #expect(parse("GET / HTTP/1.1\r\nHost:\r\n\r\n").error == nil)  // empty Host is allowed
        #expect(parse("GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n").error == nil)
    }

    @Test func keepAliveRules() {
        func head(_ text: String) -> HTTPRequestHead? {
            var parser = RequestParser()
            parser.append(Array(text.utf8))
            if case .head(let head) = parser.next() { return head }
            return nil
        }
        #expect(head("GET / HTTP/1.1\r\nHost: h\r\n\r\n")?.wantsKeepAlive == true)
        #expect(head("GET / HTTP/1.1\r\nHost: h\r\nConnection: Close\r\n\r\n")?.wantsKeepAlive == false)
        #expect(head("GET / HTTP/1.1\r\nHost: h\r\nConnection: foo, close\r\n\r\n")?.wantsKeepAlive == false)
        #expect(head("GET / HTTP/1.0\r\n\r\n")?.wantsKeepAlive == false)
        #expect(head("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n")?.wantsKeepAlive == true)
    }

    @Test func contentLengthWithLeadingZerosAndZero() {
        #expect(parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 003\r\n\r\nabc").requests.first?.body.count == 3)
        #expect(parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n").requests.count == 1)
    }

    @Test func limits() {
        let limits = RequestParser.Limits(maxRequestLineBytes: 64, maxHeaderBytes: 128, maxHeaderCount: 4, maxBodyBytes: 10)
        let longTarget = "GET /" + String(repeating: "a", count: 100) + " HTTP/1.1\r\n"
        #expect(parse(longTarget, limits: limits).error == .requestLineTooLong)
        #expect(parse(String(longTarget.prefix(80)), limits: limits).error == .requestLineTooLong)  // before the line ends
        let bigHeader = "GET / HTTP/1.1\r\nHost: h\r\nX: " + String(repeating: "v", count: 200) + "\r\n\r\n"
        #expect(parse(bigHeader, limits: limits).error == .headerSectionTooLarge)
        #expect(parse(String(bigHeader.prefix(150)), limits: limits).error == .headerSectionTooLarge)
        let many = "GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n"
        #expect(parse(many, limits: limits).error == .tooManyHeaders)
        #expect(parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\n", limits: limits).error == .bodyTooLarge)
        #expect(parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n0123456789", limits: limits).error == nil)
        let chunked = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n6\r\n012345\r\n5\r\n"
        #expect(parse(chunked, limits: limits).error == .bodyTooLarge)
    }

    /// Inputs every strict parser rejects, and what we answer (llhttp, h11, hyper and nginx cases).
    static let rejected: [(String, String, HTTPError)] = [
        ("lowercase version", "GET / http/1.1\r\nHost: h\r\n\r\n", .invalidVersion),
        ("HTTP/2.0", "GET / HTTP/2.0\r\nHost: h\r\n\r\n", .unsupportedVersion),
        ("HTTP/0.9 line", "GET /\r\n\r\n", .invalidRequestLine),
        ("HTTP/0.9 version", "GET / HTTP/0.9\r\n\r\n", .unsupportedVersion),
        ("two-digit version", "GET / HTTP/1.10\r\nHost: h\r\n\r\n", .invalidVersion),
        ("double space", "GET  / HTTP/1.1\r\nHost: h\r\n\r\n", .invalidRequestLine),
        ("tab separator", "GET\t/ HTTP/1.1\r\nHost: h\r\n\r\n", .invalidRequestLine),
        ("trailing space", "GET / HTTP/1.1 \r\nHost: h\r\n\r\n", .invalidVersion),
        ("method with slash", "GE/T / HTTP/1.1\r\nHost: h\r\n\r\n", .invalidMethod),
        ("empty method", " / HTTP/1.1\r\nHost: h\r\n\r\n", .invalidMethod),
        ("relative target", "GET a/b HTTP/1.1\r\nHost: h\r\n\r\n", .invalidTarget),
        ("asterisk with GET", "GET * HTTP/1.1\r\nHost: h\r\n\r\n", .invalidTarget),
        ("non-ASCII target", "GET /\u{e9} HTTP/1.1\r\nHost: h\r\n\r\n", .invalidRequestLine),
        ("DEL in target", "GET /\u{7f} HTTP/1.1\r\nHost: h\r\n\r\n", .invalidRequestLine),
        ("bare LF request line", "GET / HTTP/1.1\nHost: h\r\n\r\n", .bareLineFeed),
        ("bare LF header", "GET / HTTP/1.1\r\nHost: h\n\r\n", .bareLineFeed),
        ("bare LF end", "GET / HTTP/1.1\r\nHost: h\r\n\n", .bareLineFeed),
        ("bare CR in value", "GET / HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n", .bareLineFeed),
        ("NUL in value", "GET / HTTP/1.1\r\nHost: h\r\nX: a\u{0}b\r\n\r\n", .invalidHeaderValue),
        ("VT in value", "GET / HTTP/1.1\r\nHost: h\r\nX: a\u{b}b\r\n\r\n", .invalidHeaderValue),
        ("space before colon", "GET / HTTP/1.1\r\nHost: h\r\nContent-Length : 0\r\n\r\n", .whitespaceBeforeColon),
        ("tab before colon", "GET / HTTP/1.1\r\nHost\t: h\r\n\r\n", .whitespaceBeforeColon),
        ("space in name", "GET / HTTP/1.1\r\nHost: h\r\nX Y: 1\r\n\r\n", .invalidHeaderName),
        ("empty name", "GET / HTTP/1.1\r\nHost: h\r\n: v\r\n\r\n", .invalidHeaderName),
        ("no colon", "GET / HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n", .invalidHeaderName),
        ("obs-fold", "GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n  b\r\n\r\n", .obsoleteLineFolding),
        ("space after start line", "GET / HTTP/1.1\r\n Host: h\r\n\r\n", .obsoleteLineFolding),
        ("missing Host", "GET / HTTP/1.1\r\n\r\n", .missingHost),
        ("two Hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", .duplicateHost),
        ("two identical Hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", .duplicateHost),
        ("bad Host", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", .invalidHost),
        ("Host with path", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", .invalidHost),
        ("CL plus sign", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +5\r\n\r\nhello", .invalidContentLength),
        ("CL minus", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n", .invalidContentLength),
        ("CL hex", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0x5\r\n\r\n", .invalidContentLength),
        ("CL inner space", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1 2\r\n\r\n", .invalidContentLength),
        ("CL empty", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length:\r\n\r\n", .invalidContentLength),
        ("CL overflow", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999999\r\n\r\n", .invalidContentLength),
        ("CL conflicting", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", .duplicateContentLength),
        ("CL repeated identical", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\na", .duplicateContentLength),
        ("CL list", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1, 1\r\n\r\na", .duplicateContentLength),
        ("CL and TE", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", .contentLengthWithTransferEncoding),
        ("TE and CL", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n", .contentLengthWithTransferEncoding),
        ("TE in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", .transferEncodingInHTTP10),
        ("TE chunked not last", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", .transferEncodingNotChunked),
        ("TE gzip only", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n", .transferEncodingNotChunked),
        ("TE chunked twice", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", .transferEncodingNotChunked),
        ("TE unknown", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: foo\r\n\r\n", .unsupportedTransferCoding),
        ("TE gzip, chunked", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", .unsupportedTransferCoding),
        ("TE chunked-false", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunkedx\r\n\r\n", .unsupportedTransferCoding),
        ("TE with parameter", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked;q=1\r\n\r\n", .transferEncodingNotChunked),
        ("TE empty", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: \r\n\r\n", .transferEncodingNotChunked),
        ("chunk size 0x", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n", .invalidChunkSize),
        ("chunk size plus", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n+5\r\nhello\r\n0\r\n\r\n", .invalidChunkSize),
        ("chunk size minus", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n", .invalidChunkSize),
        ("chunk size leading space", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n 5\r\nhello\r\n0\r\n\r\n", .invalidChunkSize),
        ("chunk size over limit", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFF\r\n", .bodyTooLarge),
        ("chunk size empty", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n\r\n", .invalidChunkSize),
        ("chunk size trailing space", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5 \r\nhello\r\n0\r\n\r\n", .invalidChunkExtension),
        ("chunk bare LF", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n", .invalidChunkSize),
        ("chunk data too long", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhello\r\n0\r\n\r\n", .invalidChunkData),
        ("chunk data no CRLF", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\n0\r\n\r\n", .invalidChunkData),
        ("chunk ext NUL", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5;a=\u{0}\r\nhello\r\n0\r\n\r\n", .invalidChunkExtension),
        ("chunk ext bare LF in quoted", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5;a=\"x\ny\"\r\nhello\r\n0\r\n\r\n", .invalidChunkExtension),
        ("chunk ext empty name", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5;=x\r\nhello\r\n0\r\n\r\n", .invalidChunkExtension),
        ("trailer without colon", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nBad\r\n\r\n", .invalidHeaderName),
        ("trailer bare LF", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: y\n\r\n", .bareLineFeed),
        ("unsupported expectation", "GET / HTTP/1.1\r\nHost: h\r\nExpect: the-unexpected\r\n\r\n", .unsupportedExpectation),
        ("TLS hello", "\u{16}\u{3}\u{1}\u{2}\u{0}\u{1}", .invalidRequestLine),
    ]

    @Test(arguments: rejected.indices)
    func rejects(index: Int) {
        let (name, input, expected) = Self.rejected[index]
        let whole = parse(input)
        #expect(whole.error == expected, "\(name): \(String(describing: whole.error))")
        #expect(whole.requests.isEmpty, "\(name)")
        let bytewise = parse(input, step: 1)
        #expect(bytewise.error == expected, "\(name) byte by byte: \(String(describing: bytewise.error))")
    }

    @Test func errorStatusesAndJSONShape() {
        #expect(HTTPError.requestLineTooLong.status == 414)
        #expect(HTTPError.headerSectionTooLarge.status == 431)
        #expect(HTTPError.bodyTooLarge.status == 413)
        #expect(HTTPError.unsupportedTransferCoding.status == 501)
        #expect(HTTPError.unsupportedVersion.status == 505)
        #expect(HTTPError.headerTimeout.status == 408)
        #expect(HTTPError.overloaded.status == 503)
        #expect(HTTPError.missingHost.status == 400)
        let response = HTTPError.plainResponse(.missingHost)
        #expect(response.status == 400)
        #expect(String(decoding: response.body, as: UTF8.self) == "An HTTP/1.1 request must carry a Host header field.\n")
    }

    @Test func chunkSizeOverflowWithoutALimit() {
        let limits = RequestParser.Limits(maxBodyBytes: .max)
        let input = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1FFFFFFFFFFFFFFFF\r\n"
        #expect(parse(input, limits: limits).error == .invalidChunkSize)
        let padded = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n000000000000000000005\r\nhello\r\n0\r\n\r\n"
        #expect(parse(padded).requests.first?.body.count == 5)
    }

    @Test func failedParserStaysFailed() {
        var parser = RequestParser()
        parser.append(Array("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n".utf8))
        _ = parser.next()
        parser.append(Array("GET / HTTP/1.1\r\nHost: h\r\n\r\n".utf8))
        guard case .error(.duplicateHost) = parser.next() else { Issue.record("expected to stay failed"); return }
    }
}
