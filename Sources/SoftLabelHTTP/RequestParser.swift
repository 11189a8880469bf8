import Glibc

/// The head of a request, delivered before its body so that the connection can answer
/// `Expect: 100-continue` (or refuse) before the client sends the body.
public struct HTTPRequestHead: Sendable {
    public var method: String
    public var target: String
    public var version: HTTPVersion
    public var headers: HTTPHeaders
    public var framing: BodyFraming
    /// `Expect: 100-continue` on an HTTP/1.1 request.
    public var expectsContinue: Bool
    /// Keep-alive per RFC 9112 §9.3 (1.1 unless "close"; 1.0 only with "keep-alive").
    public var wantsKeepAlive: Bool
    /// Bytes of the head on the wire, leading empty lines and the final CRLF included.
    public var headBytes: Int
}

/// An incremental HTTP/1.1 request parser (RFC 9112) over a byte buffer: feed it bytes as they
/// arrive, in pieces of any size (one byte at a time works), and pull events with `next()`.
///
/// For each request it yields `.head` once the header section is complete, then `.request` with
/// the whole body. Pipelined requests stay buffered until `next()` is called again. After an
/// `.error` the parser stays failed: the connection answers and closes (RFC 9112 §6.3, §11.2:
/// after a framing error nothing that follows can be trusted).
///
/// Lines must end in CRLF: a bare LF or CR anywhere in the head, the chunk lines or the trailers is
/// rejected (RFC 9112 §2.2 allows recognising a bare LF; strictness leaves no room for a proxy
/// and us to disagree about where a line ends). Empty lines (CRLF) before a request line are
/// skipped (RFC 9112 §2.2), up to `maxRequestLineBytes` of them.
public struct RequestParser: Sendable {
    public struct Limits: Sendable {
        public var maxRequestLineBytes: Int
        public var maxHeaderBytes: Int
        public var maxHeaderCount: Int
        public var maxBodyBytes: Int

        public init(maxRequestLineBytes: Int = 8 << 10, maxHeaderBytes: Int = 64 << 10, maxHeaderCount: Int = 256, maxBodyBytes: Int = 64 << 20) {
            self.maxRequestLineBytes = maxRequestLineBytes
            self.maxHeaderBytes = maxHeaderBytes
            self.maxHeaderCount = maxHeaderCount
            self.maxBodyBytes = maxBodyBytes
        }
    }

    public enum Event: Sendable {
        case needMoreData
        case head(HTTPRequestHead)
        case request(HTTPRequest)
        case error(HTTPError)
    }

    private enum State: Sendable {
        case head
        case headDelivered
        case fixedBody
        case chunkedBody
        case failed(HTTPError)
    }

    /// The largest body allocated up front from an announced Content-Length; beyond it the body
    /// grows as bytes arrive (`FixedLengthBody`). Allocated pages that no byte has reached are not
    /// resident (malloc maps large blocks lazily), so an announcement alone costs address space,
    /// not memory; 16 MiB covers the common bodies (a 1024×1000 logits body is ~11 MB) without
    /// the grow-and-copy steps that were 8 % of a 2.7 MB request's profile at 1 MiB.
    static let maxInitialBodyReservation = 16 << 20

    public let limits: Limits
    private var buffer: [UInt8] = []
    private var readIndex = 0
    private var state: State = .head

    // Head scanning, as offsets from `readIndex`.
    private var scanned = 0
    private var lineStart = 0
    private var requestLineEnd: Int? = nil
    private var skippedEmptyLineBytes = 0
    private var requestLine: (method: String, target: String, version: HTTPVersion)? = nil
    private var headers = HTTPHeaders()
    private var framing = MessageFraming()

    // The message in progress.
    private var head: HTTPRequestHead? = nil
    /// A chunked body, decoded.
    private var body: [UInt8] = []
    private var fixed = FixedLengthBody()
    private var chunked: ChunkedBodyDecoder? = nil
    private var bodyWireBytes = 0

    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// Bytes received but not yet consumed by a message.
    public var bufferedByteCount: Int { buffer.count - readIndex }

    /// True between messages with nothing buffered: no request is in progress.
    public var isAtMessageBoundary: Bool {
        if case .head = state { return bufferedByteCount == 0 && requestLineEnd == nil }
        return false
    }

    /// True once a head is complete and its body is still being received.
    public var isReceivingBody: Bool {
        switch state {
        case .headDelivered, .fixedBody, .chunkedBody: true
        default: false
        }
    }

    public mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty else { return }
        if case .failed = state { return }
        if readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: buffer.capacity <= 1 << 20)
            readIndex = 0
            // A fixed-length body in progress takes the bytes directly, without a copy through the buffer.
            if case .fixedBody = state {
                let take = min(fixed.remaining, bytes.count)
                fixed.append(UnsafeRawBufferPointer(rebasing: bytes[0..<take]))
                bodyWireBytes += take
                buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[take...]))
                return
            }
        } else if readIndex > 0, readIndex >= buffer.count / 2 {
            buffer.removeSubrange(0..<readIndex)
            readIndex = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// True when the next bytes on the connection belong to a fixed-length body and nothing is
    /// buffered: they can be read straight into the body with `receiveBody`.
    public var canReceiveBodyInPlace: Bool {
        if case .fixedBody = state { return bufferedByteCount == 0 && fixed.remaining > 0 }
        return false
    }

    /// Lets `read` write the next bytes of the body straight into place (at most the rest of the
    /// body, so a pipelined successor is never taken) and returns how many it wrote; `next()`
    /// then delivers the request once the body is complete. Only while `canReceiveBodyInPlace`.
    public mutating func receiveBody(_ read: (UnsafeMutableRawBufferPointer) throws -> Int) rethrows -> Int {
        precondition(canReceiveBodyInPlace, "RequestParser.receiveBody outside a fixed-length body")
        let n = try fixed.receive(read)
        bodyWireBytes += n
        return n
    }

    /// The next event from what was appended so far.
    public mutating func next() -> Event {
        do throws(HTTPError) {
            switch state {
            case .failed(let error):
                return .error(error)
            case .head:
                return try parseHead()
            case .headDelivered:
                switch head!.framing {
                case .none:
                    return complete()
                case .length(let length):
                    fixed = FixedLengthBody(length: length, initialLimit: Self.maxInitialBodyReservation)
                    state = .fixedBody
                case .chunked:
                    chunked = ChunkedBodyDecoder(limits: .init(
                        maxBodyBytes: limits.maxBodyBytes, maxChunkLineBytes: limits.maxRequestLineBytes,
                        maxTrailerBytes: limits.maxHeaderBytes, maxTrailerCount: limits.maxHeaderCount))
                    state = .chunkedBody
                }
                return next()
            case .fixedBody:
                let take = min(fixed.remaining, bufferedByteCount)
                if take > 0 {
                    let start = readIndex
                    buffer.withUnsafeBytes { fixed.append(UnsafeRawBufferPointer(rebasing: $0[start..<(start + take)])) }
                    readIndex += take
                    bodyWireBytes += take
                }
                return fixed.remaining == 0 ? complete() : .needMoreData
            case .chunkedBody:
                let consumed = try buffer.withUnsafeBufferPointer { all throws(HTTPError) in
                    try chunked!.decode(UnsafeBufferPointer(rebasing: all[readIndex...]), into: &body)
                }
                readIndex += consumed
                bodyWireBytes += consumed
                return chunked!.isComplete ? complete() : .needMoreData
            }
        } catch {
            state = .failed(error)
            return .error(error)
        }
    }

    private mutating func complete() -> Event {
        let head = self.head!
        let bytes: [UInt8]
        if case .fixedBody = state { bytes = fixed.take() } else { bytes = body }
        let request = HTTPRequest(
            method: head.method, target: head.target, version: head.version, headers: head.headers, body: bytes,
            trailers: chunked?.trailers ?? HTTPHeaders(), wireBytes: head.headBytes + bodyWireBytes)
        self.head = nil
        body = []
        chunked = nil
        bodyWireBytes = 0
        state = .head
        return .request(request)
    }

    /// Scans for complete lines. Every limit is decided so that the outcome does not depend on
    /// how the bytes were split into pieces (the fuzz target checks exactly this):
    /// - the request line may hold `maxRequestLineBytes` bytes before its CRLF, so only that
    ///   window is searched for its LF (and for bytes that cannot be in a request line);
    /// - a header line whose LF lies more than `maxHeaderBytes` past the request line is refused,
    ///   as soon as that is certain; the final empty line is not counted.
    private mutating func parseHead() throws(HTTPError) -> Event {
        while true {
            let available = bufferedByteCount
            let maxLineEnd = lineStart + limits.maxRequestLineBytes + 2  // content, CR, LF
            let searchEnd = requestLineEnd == nil ? min(available, maxLineEnd) : available
            let lineFeed: Int? = buffer.withUnsafeBufferPointer { all in
                let base = all.baseAddress! + readIndex
                if requestLineEnd == nil {
                    // Binary garbage (a TLS hello, say) is refused at once rather than after a timeout.
                    for offset in scanned..<max(scanned, searchEnd) {
                        let byte = base[offset]
                        if byte == ASCII.lf { return offset }
                        if (byte < 0x20 && byte != ASCII.cr) || byte >= 0x7F { return -1 }
                    }
                    return nil
                }
                guard searchEnd > scanned, let found = memchr(base + scanned, Int32(ASCII.lf), searchEnd - scanned) else { return nil }
                return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
            }
            guard let lineFeed else {
                scanned = max(scanned, searchEnd)
                if let requestLineEnd {
                    let partial = available - lineStart
                    let mayBeFinalLine = partial == 0 || (partial == 1 && buffer[readIndex + lineStart] == ASCII.cr)
                    if !mayBeFinalLine && available - requestLineEnd >= limits.maxHeaderBytes { throw .headerSectionTooLarge }
                } else if available >= maxLineEnd {
                    throw .requestLineTooLong
                }
                return .needMoreData
            }
            if lineFeed < 0 { throw .invalidRequestLine }
            if let requestLineEnd, lineFeed - requestLineEnd >= limits.maxHeaderBytes {
                // Decided before the line's own checks, as it would be with the LF still unread.
                let isFinalLine = lineFeed == lineStart + 1 && buffer[readIndex + lineStart] == ASCII.cr
                if lineFeed > lineStart && !isFinalLine { throw .headerSectionTooLarge }
            }
            guard lineFeed > lineStart, buffer[readIndex + lineFeed - 1] == ASCII.cr else { throw .bareLineFeed }
            let lineEnd = lineFeed - 1
            let isEmptyLine = lineEnd == lineStart
            if requestLineEnd != nil {
                if isEmptyLine { return try finishHead(length: lineFeed + 1) }
                if headers.count >= limits.maxHeaderCount { throw .tooManyHeaders }
                let (field, kind) = try withLine(lineStart..<lineEnd) { line throws(HTTPError) in try HeaderFieldLine.parse(line) }
                headers.add(name: field.name, value: field.value)
                framing.note(field, as: kind)
            } else if isEmptyLine {
                skippedEmptyLineBytes += lineFeed + 1
                readIndex += lineFeed + 1
                scanned = 0
                lineStart = 0
                if skippedEmptyLineBytes > limits.maxRequestLineBytes { throw .invalidRequestLine }
                continue
            } else {
                requestLine = try withLine(lineStart..<lineEnd) { line throws(HTTPError) in try RequestLine.parse(line) }
                requestLineEnd = lineFeed + 1
            }
            lineStart = lineFeed + 1
            scanned = lineStart
        }
    }

    private func withLine<T>(_ range: Range<Int>, _ body: (UnsafeBufferPointer<UInt8>) throws(HTTPError) -> T) throws(HTTPError) -> T {
        let start = readIndex + range.lowerBound, end = readIndex + range.upperBound
        return try buffer.withUnsafeBufferPointer { all throws(HTTPError) in try body(UnsafeBufferPointer(rebasing: all[start..<end])) }
    }

    private mutating func finishHead(length: Int) throws(HTTPError) -> Event {
        let (method, target, version) = requestLine!
        let (bodyFraming, expectsContinue) = try framing.decide(version: version, maxBodyBytes: limits.maxBodyBytes)
        let wantsKeepAlive: Bool
        let tokens = framing.connectionTokens
        if tokens.contains(where: { Self.listContains($0, "close") }) {
            wantsKeepAlive = false
        } else {
            wantsKeepAlive = version != .http1_0 || tokens.contains(where: { Self.listContains($0, "keep-alive") })
        }
        let head = HTTPRequestHead(
            method: method, target: target, version: version, headers: headers, framing: bodyFraming,
            expectsContinue: expectsContinue && bodyFraming != .none, wantsKeepAlive: wantsKeepAlive,
            headBytes: skippedEmptyLineBytes + length)
        readIndex += length
        scanned = 0
        lineStart = 0
        requestLineEnd = nil
        skippedEmptyLineBytes = 0
        requestLine = nil
        headers = HTTPHeaders()
        framing = MessageFraming()
        self.head = head
        state = .headDelivered
        return .head(head)
    }

    private static func listContains(_ value: String, _ token: String) -> Bool {
        Array(value.utf8).split(separator: UInt8(ascii: ",")).contains {
            HTTPHeaders.equalsIgnoringCase(ASCII.trimmingWhitespace($0), token.utf8)
        }
    }
}
