/// Everything the HTTP layer answers on its own, mapped to a status, a machine code and one clear
/// sentence in one place. Every one of these closes the connection after the response.
public enum HTTPError: Error, Sendable, Equatable {
    // Request line (RFC 9112 §3)
    case requestLineTooLong
    case invalidRequestLine
    case invalidMethod
    case invalidTarget
    case invalidVersion
    case unsupportedVersion
    // Header section (RFC 9112 §5, RFC 9110 §5.5)
    case headerSectionTooLarge
    case tooManyHeaders
    case invalidHeaderName
    case whitespaceBeforeColon
    case invalidHeaderValue
    case obsoleteLineFolding
    case bareLineFeed
    case missingHost
    case duplicateHost
    case invalidHost
    // Framing (RFC 9112 §6)
    case invalidContentLength
    case duplicateContentLength
    case contentLengthWithTransferEncoding
    case transferEncodingNotChunked
    case unsupportedTransferCoding
    case transferEncodingInHTTP10
    case invalidChunkSize
    case invalidChunkExtension
    case invalidChunkData
    case bodyTooLarge
    case unsupportedExpectation
    // Time and load
    case headerTimeout
    case bodyTimeout
    case overloaded
    case inflightBytesExceeded

    public var status: Int {
        switch self {
        case .requestLineTooLong: 414
        case .headerSectionTooLarge, .tooManyHeaders: 431
        case .bodyTooLarge: 413
        case .unsupportedVersion: 505
        case .unsupportedTransferCoding: 501
        case .unsupportedExpectation: 417
        case .headerTimeout, .bodyTimeout: 408
        case .overloaded, .inflightBytesExceeded: 503
        default: 400
        }
    }

    public var code: String {
        switch self {
        case .requestLineTooLong: "request_line_too_long"
        case .invalidRequestLine: "invalid_request_line"
        case .invalidMethod: "invalid_method"
        case .invalidTarget: "invalid_target"
        case .invalidVersion: "invalid_version"
        case .unsupportedVersion: "http_version_not_supported"
        case .headerSectionTooLarge: "header_fields_too_large"
        case .tooManyHeaders: "too_many_header_fields"
        case .invalidHeaderName: "invalid_header_name"
        case .whitespaceBeforeColon: "whitespace_before_colon"
        case .invalidHeaderValue: "invalid_header_value"
        case .obsoleteLineFolding: "obsolete_line_folding"
        case .bareLineFeed: "bare_line_feed"
        case .missingHost: "missing_host"
        case .duplicateHost: "duplicate_host"
        case .invalidHost: "invalid_host"
        case .invalidContentLength: "invalid_content_length"
        case .duplicateContentLength: "duplicate_content_length"
        case .contentLengthWithTransferEncoding: "content_length_with_transfer_encoding"
        case .transferEncodingNotChunked: "transfer_encoding_not_chunked"
        case .unsupportedTransferCoding: "unsupported_transfer_coding"
        case .transferEncodingInHTTP10: "transfer_encoding_in_http10"
        case .invalidChunkSize: "invalid_chunk_size"
        case .invalidChunkExtension: "invalid_chunk_extension"
        case .invalidChunkData: "invalid_chunk_data"
        case .bodyTooLarge: "body_too_large"
        case .unsupportedExpectation: "expectation_failed"
        case .headerTimeout: "header_timeout"
        case .bodyTimeout: "body_timeout"
        case .overloaded: "overloaded"
        case .inflightBytesExceeded: "busy"
        }
    }

    public var message: String {
        switch self {
        case .requestLineTooLong: "The request line is longer than the server accepts."
        case .invalidRequestLine: "The request line is not 'METHOD SP target SP HTTP-version CRLF'."
        case .invalidMethod: "The request method is not a valid token."
        case .invalidTarget: "The request target contains characters that are not allowed or has the wrong form."
        case .invalidVersion: "The HTTP version is malformed."
        case .unsupportedVersion: "Only HTTP/1.0 and HTTP/1.1 are supported."
        case .headerSectionTooLarge: "The header section is larger than the server accepts."
        case .tooManyHeaders: "The request has more header fields than the server accepts."
        case .invalidHeaderName: "A header field name is empty or not a valid token."
        case .whitespaceBeforeColon: "A header field has whitespace between its name and the colon."
        case .invalidHeaderValue: "A header field value contains a control character such as NUL, CR or LF."
        case .obsoleteLineFolding: "Header fields folded over several lines are not accepted."
        case .bareLineFeed: "Lines must end with CRLF; a bare LF or CR was received."
        case .missingHost: "An HTTP/1.1 request must carry a Host header field."
        case .duplicateHost: "The request carries more than one Host header field."
        case .invalidHost: "The Host header field is not a valid host and optional port."
        case .invalidContentLength: "Content-Length must be a plain decimal number of digits."
        case .duplicateContentLength: "The request carries more than one Content-Length value."
        case .contentLengthWithTransferEncoding: "A request must not carry both Content-Length and Transfer-Encoding."
        case .transferEncodingNotChunked: "The final transfer coding must be chunked, applied once."
        case .unsupportedTransferCoding: "Only the chunked transfer coding is implemented."
        case .transferEncodingInHTTP10: "Transfer-Encoding is not allowed in an HTTP/1.0 request."
        case .invalidChunkSize: "A chunk size is not a plain hexadecimal number or is too large."
        case .invalidChunkExtension: "A chunk extension is malformed."
        case .invalidChunkData: "Chunk data is not followed by CRLF."
        case .bodyTooLarge: "The request body is larger than the server accepts."
        case .unsupportedExpectation: "The only expectation supported is 100-continue."
        case .headerTimeout: "The request head was not received in time."
        case .bodyTimeout: "The request body was not received in time."
        case .overloaded: "The server is at its connection limit; retry later."
        case .inflightBytesExceeded: "The server holds as many request and response bytes as it is configured to; retry later."
        }
    }

    /// The default rendering: the sentence as `text/plain` (a service passes its own
    /// `HTTPErrorResponder`, e.g. its JSON error shape). The server adds `Connection: close`,
    /// and `Retry-After` on a 503.
    public static let plainResponse: HTTPErrorResponder = { error in
        HTTPResponse(status: error.status, headers: ["Content-Type": "text/plain; charset=utf-8"],
                     body: Array((error.message + "\n").utf8))
    }
}

/// Renders an error the HTTP layer detected itself (framing, limits, timeouts, overload).
public typealias HTTPErrorResponder = @Sendable (HTTPError) -> HTTPResponse
