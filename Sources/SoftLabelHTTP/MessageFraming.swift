/// How the body of a request is delimited (RFC 9112 §6.3).
public enum BodyFraming: Sendable, Equatable {
    case none
    case length(Int)
    case chunked
}

/// The framing decisions of RFC 9112 §6 and RFC 9110 §7.2, §8.6, §10.1.1 over a parsed header
/// section. Each rule names its source; every violation is an `HTTPError` that closes.
struct MessageFraming {
    var contentLengths: [String] = []
    var transferEncodings: [String] = []
    var hosts: [String] = []
    var expectations: [String] = []
    var connectionTokens: [String] = []

    mutating func note(_ field: HTTPField, as kind: FramingField) {
        switch kind {
        case .other: break
        case .contentLength: contentLengths.append(field.value)
        case .transferEncoding: transferEncodings.append(field.value)
        case .host: hosts.append(field.value)
        case .expect: expectations.append(field.value)
        case .connection: connectionTokens.append(field.value)
        }
    }

    /// Transfer codings registered with IANA that we know but do not implement (besides chunked).
    private static let knownCodings: Set<String> = ["gzip", "x-gzip", "deflate", "compress", "x-compress", "identity"]

    /// Decides the body framing, checking Host and Expect on the way.
    ///
    /// - Host (RFC 9112 §3.2): an HTTP/1.1 request without Host, any request with more than one
    ///   Host line, or a Host value that is not uri-host [":" port] → 400.
    /// - Transfer-Encoding (RFC 9112 §6.1): in HTTP/1.0 → 400 (faulty framing); together with
    ///   Content-Length → 400 (§6.1: "MAY reject"; we do, it is the smuggling vector); a final
    ///   coding that is not chunked, or chunked applied twice → 400; an unknown coding → 501, and so
    ///   is a known one we do not decode ("gzip, chunked"), as nginx and h11 answer.
    /// - Content-Length (RFC 9110 §8.6): exactly one field line of digits only. Repeated lines or a
    ///   list, even of identical values ("5, 5"), are rejected with 400 like nginx and llhttp
    ///   (RFC 9110 allows either; rejecting leaves no room for disagreement between hops).
    ///   A valid length above `maxBodyBytes` → 413 before any body byte is read.
    /// - Neither: no body (§6.3 rule 7).
    /// - Expect (RFC 9110 §10.1.1): "100-continue" (any case) in HTTP/1.1 asks for a 100; it is
    ///   ignored in HTTP/1.0; any other expectation → 417.
    func decide(version: HTTPVersion, maxBodyBytes: Int) throws(HTTPError) -> (BodyFraming, expectsContinue: Bool) {
        if hosts.count > 1 { throw .duplicateHost }
        if let host = hosts.first {
            guard Self.isValidHost(host) else { throw .invalidHost }
        } else if version != .http1_0 {
            throw .missingHost
        }

        var expectsContinue = false
        for expectation in expectations {
            guard HTTPHeaders.equalsIgnoringCase(expectation, "100-continue") else { throw .unsupportedExpectation }
            expectsContinue = version != .http1_0
        }

        if !transferEncodings.isEmpty {
            if version == .http1_0 { throw .transferEncodingInHTTP10 }
            if !contentLengths.isEmpty { throw .contentLengthWithTransferEncoding }
            return (try chunkedFraming(), expectsContinue)
        }
        if contentLengths.isEmpty { return (.none, expectsContinue) }
        if contentLengths.count > 1 { throw .duplicateContentLength }
        let text = contentLengths[0]
        guard let length = ASCII.parseDecimal(text.utf8) else {
            // "5, 5" or "5,5" is a list of repeated values; anything else is not a number.
            throw text.utf8.contains(UInt8(ascii: ",")) ? .duplicateContentLength : .invalidContentLength
        }
        if length > maxBodyBytes { throw .bodyTooLarge }
        return (length == 0 ? .none : .length(length), expectsContinue)
    }

    private func chunkedFraming() throws(HTTPError) -> BodyFraming {
        var codings: [String] = []
        for value in transferEncodings {
            for element in Array(value.utf8).split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false) {
                let trimmed = ASCII.trimmingWhitespace(element)
                if trimmed.isEmpty { continue }  // list rule: empty elements are ignored (RFC 9110 §5.6.1)
                // Parameters (";q=...") and spaces inside make it not a bare coding name.
                guard ASCII.isToken(trimmed) else { throw .transferEncodingNotChunked }
                codings.append(String(decoding: trimmed.map(ASCII.lowercased), as: UTF8.self))
            }
        }
        guard let last = codings.last else { throw .transferEncodingNotChunked }
        let isKnown = { (coding: String) in coding == "chunked" || Self.knownCodings.contains(coding) }
        if last != "chunked" {
            throw isKnown(last) ? .transferEncodingNotChunked : .unsupportedTransferCoding
        }
        if codings.dropLast().contains("chunked") { throw .transferEncodingNotChunked }
        if codings.count > 1 { throw .unsupportedTransferCoding }
        return .chunked
    }

    /// Host = uri-host [ ":" port ] (RFC 9110 §7.2): reg-name / IPv4 / "[" IPv6 "]" characters,
    /// and a port of digits. Empty is allowed (RFC 9112 §3.2).
    static func isValidHost(_ host: String) -> Bool {
        var bytes = Array(host.utf8)[...]
        if bytes.first == UInt8(ascii: "[") {
            guard let close = bytes.firstIndex(of: UInt8(ascii: "]")) else { return false }
            let literal = bytes[(bytes.startIndex + 1)..<close]
            guard !literal.isEmpty, literal.allSatisfy({ isHexDigit($0) || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".") }) else {
                return false
            }
            bytes = bytes[(close + 1)...]
            if bytes.isEmpty { return true }
            guard bytes.first == UInt8(ascii: ":") else { return false }
            return bytes.dropFirst().allSatisfy(isDigit)
        }
        if let colon = bytes.firstIndex(of: UInt8(ascii: ":")) {
            guard bytes[(colon + 1)...].allSatisfy(isDigit) else { return false }
            bytes = bytes[..<colon]
        }
        return bytes.allSatisfy(isRegNameByte)
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        isDigit(byte) || (ASCII.lowercased(byte) >= UInt8(ascii: "a") && ASCII.lowercased(byte) <= UInt8(ascii: "f"))
    }

    /// unreserved / pct-encoded / sub-delims (RFC 3986 §3.2.2).
    private static func isRegNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "-._~%!$&'()*+,;=".utf8.contains(byte)
        }
    }
}
