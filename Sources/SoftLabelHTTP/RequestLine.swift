/// request-line = method SP request-target SP HTTP-version (RFC 9112 §3), parsed strictly:
///
/// - exactly one SP between the three parts (the lenient whitespace split of §3 is not used);
/// - the method is a token (RFC 9110 §9.1), case-sensitive and passed through: an unknown method
///   reaches the handler, which answers 405/501;
/// - the target is visible ASCII only (no controls, SP, DEL or bytes ≥ 0x80) and in one of the
///   four forms of §3.2: origin ("/..."), absolute ("scheme://..."), authority (CONNECT only) and
///   asterisk ("*", OPTIONS only);
/// - the version is "HTTP/" DIGIT "." DIGIT, case-sensitive (§2.3). HTTP/1.0 and HTTP/1.1 are
///   served; a higher 1.x minor is served as 1.1 (RFC 9110 §2.5, as nginx); any other major
///   (0.9, 2.0, 3.0) gets 505, as nginx answers.
enum RequestLine {
    static func parse(_ line: UnsafeBufferPointer<UInt8>) throws(HTTPError) -> (method: String, target: String, version: HTTPVersion) {
        guard let firstSpace = line.firstIndex(of: ASCII.space) else {
            throw line.allSatisfy({ ASCII.isTokenByte($0) }) ? .invalidRequestLine : .invalidMethod
        }
        let methodBytes = UnsafeBufferPointer(rebasing: line[0..<firstSpace])
        guard ASCII.isToken(methodBytes) else { throw .invalidMethod }

        let targetStart = firstSpace + 1
        var targetEnd = targetStart
        while targetEnd < line.count, line[targetEnd] != ASCII.space {
            guard ASCII.isTargetByte(line[targetEnd]) else {
                throw line[targetEnd] == ASCII.cr ? .bareLineFeed : .invalidTarget
            }
            targetEnd += 1
        }
        guard targetEnd > targetStart, targetEnd < line.count else { throw .invalidRequestLine }
        let targetBytes = UnsafeBufferPointer(rebasing: line[targetStart..<targetEnd])
        let version = try parseVersion(UnsafeBufferPointer(rebasing: line[(targetEnd + 1)...]))

        let method = String(decoding: methodBytes, as: UTF8.self)
        let target = String(decoding: targetBytes, as: UTF8.self)
        try checkForm(of: targetBytes, method: method)
        return (method, target, version)
    }

    private static func parseVersion(_ bytes: UnsafeBufferPointer<UInt8>) throws(HTTPError) -> HTTPVersion {
        guard bytes.count == 8, bytes.starts(with: "HTTP/".utf8), bytes[6] == UInt8(ascii: ".") else {
            throw bytes.contains(ASCII.cr) ? .bareLineFeed : .invalidVersion
        }
        let digits = UInt8(ascii: "0")...UInt8(ascii: "9")
        guard digits.contains(bytes[5]), digits.contains(bytes[7]) else { throw .invalidVersion }
        let major = Int(bytes[5] - UInt8(ascii: "0")), minor = Int(bytes[7] - UInt8(ascii: "0"))
        guard major == 1 else { throw .unsupportedVersion }
        return minor == 0 ? .http1_0 : .http1_1
    }

    private static func checkForm(of target: UnsafeBufferPointer<UInt8>, method: String) throws(HTTPError) {
        if target[0] == UInt8(ascii: "/") { return }
        if target.count == 1, target[0] == UInt8(ascii: "*") {
            if method == "OPTIONS" { return }
            throw .invalidTarget
        }
        if method == "CONNECT" { return }
        // absolute-form: scheme "://" ...; scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
        guard let colon = target.firstIndex(of: UInt8(ascii: ":")), colon > 0,
            target.count > colon + 2, target[colon + 1] == UInt8(ascii: "/"), target[colon + 2] == UInt8(ascii: "/")
        else { throw .invalidTarget }
        for (index, byte) in target[0..<colon].enumerated() {
            let isAlpha = (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(ASCII.lowercased(byte))
            let isOther = (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || "+-.".utf8.contains(byte)
            guard isAlpha || (index > 0 && isOther) else { throw .invalidTarget }
        }
    }
}
