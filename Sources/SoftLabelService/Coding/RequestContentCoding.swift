import SoftLabelHTTP

/// The content coding of a request body, from its `Content-Encoding` fields (RFC 9110 §8.4).
///
/// - none, empty, or only `identity` (any case): the body is as sent;
/// - exactly one `gzip` or `x-gzip` (RFC 9110 §8.4.1.3: `x-gzip` is the same coding), besides any
///   `identity`: the body is inflated on the compute pool, held to `maxBodyBytes`;
/// - anything else (`deflate`, `br`, `zstd`, `compress`, gzip twice ...): 415
///   `unsupported_content_encoding` naming the value, with `Accept-Encoding: gzip` (RFC 9110
///   §15.5.16: a server that refuses a coding says which it accepts).
enum RequestContentCoding: Equatable {
    case identity
    case gzip

    /// The coding of `headers`' `Content-Encoding` fields, or the 415 that refuses it.
    static func of(_ headers: HTTPHeaders) -> Result<RequestContentCoding, ServiceError> {
        let values = headers.values(for: "content-encoding")
        var gzipCount = 0
        for value in values {
            for element in value.split(separator: ",") {
                switch element.trimmingSpaces.lowercased() {
                case "", "identity": continue
                case "gzip", "x-gzip": gzipCount += 1
                default: return .failure(unsupported(values))
                }
            }
        }
        switch gzipCount {
        case 0: return .success(.identity)
        case 1: return .success(.gzip)
        default: return .failure(unsupported(values))
        }
    }

    static func unsupported(_ values: [String]) -> ServiceError {
        ServiceError(status: 415, code: "unsupported_content_encoding",
                     message: "Content-Encoding \(values.joined(separator: ", ")) is not supported; send the body uncompressed or compressed once with Content-Encoding: gzip",
                     headers: [("Accept-Encoding", "gzip")])
    }
}
