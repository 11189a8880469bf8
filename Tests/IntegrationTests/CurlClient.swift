import CCurl
import Foundation

/// A small libcurl client for the integration tests: one easy handle (so keep-alive is
/// observable), typed setters from the CCurl shim, response collected by C callbacks.
final class CurlClient {
    struct Response {
        var status: Int
        var headers: [String: String]
        var body: [UInt8]
        /// The server sent an interim `100 Continue` before the final response.
        var sawContinue = false
        var text: String { String(decoding: body, as: UTF8.self) }
        var json: [String: Any]? { try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] }
    }

    /// Accumulates the response; passed to the C callbacks as an opaque pointer.
    final class Sink {
        var body: [UInt8] = []
        var headerLines: [String] = []
        var upload: [UInt8] = []
        var uploadOffset = 0
        var uploadChunk = Int.max
    }

    let handle: UnsafeMutableRawPointer
    let base: String

    init(base: String) {
        curl_global_init(Int(CURL_GLOBAL_ALL))
        handle = curl_easy_init()!
        self.base = base
    }

    deinit { curl_easy_cleanup(handle) }

    static let writeBody: softlabel_curl_data_callback = { data, size, count, context in
        let sink = Unmanaged<Sink>.fromOpaque(context!).takeUnretainedValue()
        let n = size * count
        data!.withMemoryRebound(to: UInt8.self, capacity: n) { sink.body.append(contentsOf: UnsafeBufferPointer(start: $0, count: n)) }
        return n
    }

    static let writeHeader: softlabel_curl_data_callback = { data, size, count, context in
        let sink = Unmanaged<Sink>.fromOpaque(context!).takeUnretainedValue()
        let n = size * count
        let line = data!.withMemoryRebound(to: UInt8.self, capacity: n) { String(decoding: UnsafeBufferPointer(start: $0, count: n), as: UTF8.self) }
        sink.headerLines.append(line.trimmingCharacters(in: .whitespacesAndNewlines))
        return n
    }

    /// Feeds the upload in pieces of at most `uploadChunk` bytes (each becomes a chunk when the
    /// transfer is chunked).
    static let readBody: softlabel_curl_data_callback = { buffer, size, count, context in
        let sink = Unmanaged<Sink>.fromOpaque(context!).takeUnretainedValue()
        let n = min(size * count, sink.upload.count - sink.uploadOffset, sink.uploadChunk)
        guard n > 0 else { return 0 }
        sink.upload.withUnsafeBytes { src in
            UnsafeMutableRawPointer(buffer!).copyMemory(from: src.baseAddress! + sink.uploadOffset, byteCount: n)
        }
        sink.uploadOffset += n
        return n
    }

    /// Performs one request on this handle (reusing its connection when the server keeps it).
    /// `decoding` (e.g. "gzip") makes libcurl send it as `Accept-Encoding` and decode the
    /// response body itself (CURLOPT_ACCEPT_ENCODING); without it the body is as sent.
    func request(_ method: String, _ path: String, body: [UInt8]? = nil, headers: [String] = ["Content-Type: application/json"],
                 chunked: Bool = false, chunkSize: Int = Int.max, timeout: Int = 60, decoding: String? = nil) throws -> Response {
        let sink = Sink()
        let context = Unmanaged.passUnretained(sink).toOpaque()
        curl_easy_reset(handle)
        softlabel_easy_setopt_string(handle, CURLOPT_URL, base + path)
        softlabel_easy_setopt_long(handle, CURLOPT_TIMEOUT, timeout)
        softlabel_easy_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        softlabel_easy_setopt_data_callback(handle, CURLOPT_WRITEFUNCTION, Self.writeBody)
        softlabel_easy_setopt_pointer(handle, CURLOPT_WRITEDATA, context)
        softlabel_easy_setopt_data_callback(handle, CURLOPT_HEADERFUNCTION, Self.writeHeader)
        softlabel_easy_setopt_pointer(handle, CURLOPT_HEADERDATA, context)
        if let decoding { softlabel_easy_setopt_string(handle, CURLOPT_ACCEPT_ENCODING, decoding) }
        var list: UnsafeMutablePointer<curl_slist>? = nil
        var allHeaders = headers
        if let body {
            sink.upload = body
            sink.uploadChunk = chunkSize
            softlabel_easy_setopt_long(handle, CURLOPT_UPLOAD, 1)
            softlabel_easy_setopt_data_callback(handle, CURLOPT_READFUNCTION, Self.readBody)
            softlabel_easy_setopt_pointer(handle, CURLOPT_READDATA, context)
            if chunked {
                allHeaders.append("Transfer-Encoding: chunked")
            } else {
                softlabel_easy_setopt_off_t(handle, CURLOPT_INFILESIZE_LARGE, curl_off_t(body.count))
            }
        }
        if method == "HEAD" {
            softlabel_easy_setopt_long(handle, CURLOPT_NOBODY, 1)
        } else {
            softlabel_easy_setopt_string(handle, CURLOPT_CUSTOMREQUEST, method)
        }
        for h in allHeaders { list = curl_slist_append(list, h) }
        softlabel_easy_setopt_pointer(handle, CURLOPT_HTTPHEADER, UnsafeMutableRawPointer(list))
        defer { curl_slist_free_all(list) }
        let code = curl_easy_perform(handle)
        guard code == CURLE_OK else {
            throw NSError(domain: "curl", code: Int(code.rawValue), userInfo: [NSLocalizedDescriptionKey: String(cString: curl_easy_strerror(code))])
        }
        var status = 0
        softlabel_easy_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        var newConnections = 0
        softlabel_easy_getinfo_long(handle, CURLINFO_NUM_CONNECTS, &newConnections)
        connectionsOpened += newConnections
        var headerMap: [String: String] = [:]
        let sawContinue = sink.headerLines.contains { $0.hasPrefix("HTTP/1.1 100") }
        for line in sink.headerLines {
            if line.hasPrefix("HTTP/") { headerMap = [:]; continue }  // a 100 Continue head precedes the final one
            guard let colon = line.firstIndex(of: ":") else { continue }
            headerMap[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return Response(status: status, headers: headerMap, body: sink.body, sawContinue: sawContinue)
    }

    /// New connections this handle has opened in total (keep-alive reuse keeps it at 1);
    /// libcurl reports the new connections of each transfer, summed here.
    private(set) var connectionsOpened = 0
}
