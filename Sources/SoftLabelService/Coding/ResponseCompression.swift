import SoftLabelHTTP

/// When and how a service response is gzip-compressed (docs/gzip.md).
///
/// Rule: with `compressMinBytes` = N > 0, a text response (anything but
/// `application/octet-stream`) whose body has at least N bytes
/// - carries `Vary: Accept-Encoding` (its representation depends on that field, whether or not
///   this client gets gzip: caches must not mix them up);
/// - is sent as `Content-Encoding: gzip` when the request's `Accept-Encoding` prefers gzip
///   (`AcceptEncoding.prefersGzip`) and the gzip member is smaller than the body.
/// Bodies under N bytes, binary tensor responses, and every response when N = 0, are sent as they
/// are and without `Vary`. Binary FP32 tensors are nearly incompressible: a 256×1000 gradient
/// shrinks by 11 % at level 1 for ~22× the server CPU of the whole request (docs/gzip.md).
/// Errors follow the same rule (they are all far below the default N). Responses the HTTP layer
/// makes itself (400 framing, 408, 413 before the body, 503 over the connection limit ...) never
/// pass here and are never compressed.
///
/// Where: compressing costs CPU in proportion to the body, so it runs on the compute pool, as part
/// of the `.compute` job that made the response; a response made on the event loop that needs it
/// moves to the pool for the compression alone (`ServiceHTTPHandler.finish`).
///
/// Level 1 (zlib's fastest). Measured with `scripts/bench-gzip` (zlib 1.2.13, CPU time, best of
/// 5, on the shared 2-core development machine; docs/gzip.md):
///
/// | response                                   | plain bytes | level 1                     | level 6                      |
/// |--------------------------------------------|------------:|-----------------------------|------------------------------|
/// | /v1/loss 256×1000 with gradient            |   3,692,627 | 1,479,605 (40.1 %), 35.6 ms | 1,247,908 (33.8 %), 178.7 ms |
/// | /v1/calibration 256×1000, every metric     |     149,713 |    24,273 (16.2 %),  0.5 ms |    20,253 (13.5 %),   1.7 ms |
///
/// Level 6 saves another 6 % (loss) or 3 % (calibration) of the plain size for 3.4-5× the CPU;
/// the loss request itself costs 11.4 ms of server CPU, and level 1 already adds 39 ms to it
/// (measured in the server), level 6 would add ~180 ms. Level 1 it is.
struct ResponseCompression: Sendable {
    static let level: Int32 = 1

    /// Bodies of at least this many bytes are compressed (0: never).
    let minBytes: Int

    /// Whether this body is large enough for the rule at all (and so varies by Accept-Encoding).
    func applies(to response: HTTPResponse) -> Bool {
        guard minBytes > 0, response.body.count >= minBytes, !response.headers.contains("content-encoding") else { return false }
        let mediaType = response.headers["content-type"]?.split(separator: ";", maxSplits: 1).first?.trimmingSpaces.lowercased()
        return mediaType != "application/octet-stream"
    }

    /// Whether `response` for a client that accepts this would be compressed (the CPU part).
    func compresses(_ response: HTTPResponse, _ accept: AcceptEncoding) -> Bool {
        applies(to: response) && accept.prefersGzip
    }

    /// The response as sent: `Vary` when the rule applies, gzip when the client prefers it and it
    /// is smaller.
    func apply(_ response: HTTPResponse, _ accept: AcceptEncoding) -> HTTPResponse {
        guard applies(to: response) else { return response }
        var out = response
        out.headers.add(name: "Vary", value: "Accept-Encoding")
        guard accept.prefersGzip else { return out }
        let compressed = GzipDeflater.deflate(response.body, level: Self.level)
        guard compressed.count < response.body.count else { return out }
        out.body = compressed
        out.headers.add(name: "Content-Encoding", value: "gzip")
        return out
    }
}
