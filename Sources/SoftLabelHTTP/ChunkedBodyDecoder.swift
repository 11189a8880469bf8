/// Incremental decoder of the chunked transfer coding (RFC 9112 §7.1), strict:
///
///     chunked-body = *chunk last-chunk trailer-section CRLF
///     chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
///     chunk-size   = 1*HEXDIG
///     chunk-ext    = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
///     chunk-ext-val = token / quoted-string
///
/// - the size is plain hex digits ("0x5", "+5", " 5", "-1" are rejected, RFC 9112 §7.1); a size
///   that overflows, or a body that grows past `maxBodyBytes`, is refused before its data is read;
/// - extensions are parsed to the grammar above and ignored (RFC 9112 §7.1.1); a chunk line
///   (size and extensions) longer than `maxChunkLineBytes` is rejected;
/// - chunk data must be followed by exactly CRLF; every line ends in CRLF (bare LF/CR rejected);
/// - trailer fields (RFC 9112 §7.1.2) are parsed like header fields and returned apart from the
///   headers (never merged into them); the trailer section is bounded by `maxHeaderBytes`.
struct ChunkedBodyDecoder: Sendable {
    struct Limits: Sendable {
        var maxBodyBytes: Int
        var maxChunkLineBytes: Int
        var maxTrailerBytes: Int
        var maxTrailerCount: Int
    }

    private enum State: Sendable {
        case size(digits: Int)
        case extensionBeforeSemicolon(lineMayEnd: Bool)  // BWS after the size or a value; after a quoted value CR may follow
        case extensionName(length: Int)    // after ";" (BWS, then the name)
        case extensionAfterName            // BWS after the name, before "=" / ";" / CR
        case extensionBeforeValue          // after "=", BWS
        case extensionTokenValue
        case extensionQuotedValue(escaped: Bool)
        case lineFeed                      // CR seen at the end of a chunk line
        case data(remaining: Int)
        case dataCR
        case dataLF
        case trailerLine                   // collecting one trailer line into `trailerLine`
        case trailerLineFeed
        case done
    }

    private var state: State = .size(digits: 0)
    private var chunkSize = 0
    private var lineBytes = 0
    private var trailerLineBuffer: [UInt8] = []
    private var trailerBytes = 0
    private let limits: Limits
    private(set) var decodedBytes = 0
    private(set) var trailers = HTTPHeaders()

    init(limits: Limits) {
        self.limits = limits
    }

    var isComplete: Bool {
        if case .done = state { return true }
        return false
    }

    /// Consumes bytes from `input`, appending chunk data to `body`. Returns how many bytes were
    /// consumed: all of them unless the body ended (`isComplete`) part-way.
    mutating func decode(_ input: UnsafeBufferPointer<UInt8>, into body: inout [UInt8]) throws(HTTPError) -> Int {
        var index = 0
        while index < input.count {
            if case .data(let remaining) = state {
                let take = min(remaining, input.count - index)
                body.append(contentsOf: UnsafeBufferPointer(rebasing: input[index..<(index + take)]))
                index += take
                decodedBytes += take
                state = remaining == take ? .dataCR : .data(remaining: remaining - take)
                continue
            }
            if case .done = state { return index }
            try step(input[index])
            index += 1
        }
        return index
    }

    private mutating func step(_ byte: UInt8) throws(HTTPError) {
        switch state {
        case .size(let digits):
            if let value = Self.hexValue(byte) {
                let (shifted, overflow) = chunkSize.multipliedReportingOverflow(by: 16)
                guard !overflow else { throw .invalidChunkSize }
                chunkSize = shifted + value
                if chunkSize > limits.maxBodyBytes - decodedBytes { throw .bodyTooLarge }
                state = .size(digits: digits + 1)
                try countLineByte()
            } else {
                guard digits > 0 else { throw .invalidChunkSize }
                try endOfSize(byte)
            }
        case .extensionBeforeSemicolon(let lineMayEnd):
            try countLineByte()
            if ASCII.isWhitespace(byte) { state = .extensionBeforeSemicolon(lineMayEnd: false); return }
            if byte == UInt8(ascii: ";") { state = .extensionName(length: 0); return }
            if byte == ASCII.cr && lineMayEnd { state = .lineFeed; return }
            throw .invalidChunkExtension
        case .extensionName(let length):
            try countLineByte()
            if ASCII.isTokenByte(byte) { state = .extensionName(length: length + 1); return }
            if ASCII.isWhitespace(byte) {
                if length > 0 { state = .extensionAfterName }
                return
            }
            guard length > 0 else { throw .invalidChunkExtension }
            try afterName(byte)
        case .extensionAfterName:
            try countLineByte()
            if ASCII.isWhitespace(byte) { return }
            try afterName(byte)
        case .extensionBeforeValue:
            try countLineByte()
            if ASCII.isWhitespace(byte) { return }
            if byte == UInt8(ascii: "\"") { state = .extensionQuotedValue(escaped: false); return }
            guard ASCII.isTokenByte(byte) else { throw .invalidChunkExtension }
            state = .extensionTokenValue
        case .extensionTokenValue:
            try countLineByte()
            if ASCII.isTokenByte(byte) { return }
            try endOfValue(byte)
        case .extensionQuotedValue(let escaped):
            try countLineByte()
            // qdtext and quoted-pair: HTAB, SP, VCHAR, obs-text (RFC 9110 §5.6.4).
            guard ASCII.isFieldValueByte(byte) else { throw .invalidChunkExtension }
            if escaped { state = .extensionQuotedValue(escaped: false) }
            else if byte == UInt8(ascii: "\\") { state = .extensionQuotedValue(escaped: true) }
            else if byte == UInt8(ascii: "\"") { state = .extensionBeforeSemicolon(lineMayEnd: true) }
        case .lineFeed:
            guard byte == ASCII.lf else { throw .bareLineFeed }
            lineBytes = 0
            if chunkSize == 0 {
                state = .trailerLine
            } else {
                state = .data(remaining: chunkSize)
            }
        case .data:
            preconditionFailure("data is consumed in bulk by decode")
        case .dataCR:
            guard byte == ASCII.cr else { throw .invalidChunkData }
            state = .dataLF
        case .dataLF:
            guard byte == ASCII.lf else { throw .invalidChunkData }
            chunkSize = 0
            state = .size(digits: 0)
        case .trailerLine:
            trailerBytes += 1
            if trailerBytes > limits.maxTrailerBytes { throw .headerSectionTooLarge }
            if byte == ASCII.cr { state = .trailerLineFeed; return }
            if byte == ASCII.lf { throw .bareLineFeed }
            trailerLineBuffer.append(byte)
        case .trailerLineFeed:
            guard byte == ASCII.lf else { throw .bareLineFeed }
            trailerBytes += 1
            if trailerLineBuffer.isEmpty {
                state = .done
                return
            }
            try endOfTrailerLine()
            state = .trailerLine
        case .done:
            break
        }
    }

    private mutating func endOfSize(_ byte: UInt8) throws(HTTPError) {
        try countLineByte()
        switch byte {
        case ASCII.cr: state = .lineFeed
        case UInt8(ascii: ";"): state = .extensionName(length: 0)
        case ASCII.space, ASCII.tab: state = .extensionBeforeSemicolon(lineMayEnd: false)
        default: throw .invalidChunkSize
        }
    }

    private mutating func afterName(_ byte: UInt8) throws(HTTPError) {
        switch byte {
        case UInt8(ascii: "="): state = .extensionBeforeValue
        case UInt8(ascii: ";"): state = .extensionName(length: 0)
        case ASCII.cr: state = .lineFeed
        default: throw .invalidChunkExtension
        }
    }

    private mutating func endOfValue(_ byte: UInt8) throws(HTTPError) {
        switch byte {
        case ASCII.space, ASCII.tab: state = .extensionBeforeSemicolon(lineMayEnd: false)
        case UInt8(ascii: ";"): state = .extensionName(length: 0)
        case ASCII.cr: state = .lineFeed
        default: throw .invalidChunkExtension
        }
    }

    private mutating func countLineByte() throws(HTTPError) {
        lineBytes += 1
        if lineBytes > limits.maxChunkLineBytes { throw .invalidChunkExtension }
    }

    private mutating func endOfTrailerLine() throws(HTTPError) {
        if trailers.count >= limits.maxTrailerCount { throw .tooManyHeaders }
        let parsed = try trailerLineBuffer.withUnsafeBufferPointer { line throws(HTTPError) in try HeaderFieldLine.parse(line) }
        trailers.add(name: parsed.0.name, value: parsed.0.value)
        trailerLineBuffer.removeAll(keepingCapacity: true)
    }

    @inline(__always)
    private static func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): Int(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): Int(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }
}
