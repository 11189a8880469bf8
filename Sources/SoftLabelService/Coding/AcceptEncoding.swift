import SoftLabelHTTP

/// What a request's `Accept-Encoding` says about a gzip response (RFC 9110 §12.5.3).
///
///     Accept-Encoding = #( codings [ OWS ";" OWS "q=" qvalue ] )
///     codings = content-coding / "identity" / "*"
///     qvalue  = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )
///
/// gzip's weight is that of `gzip` or `x-gzip` (the larger, when both are listed), else that of
/// `*` ("any coding not listed"), else 0. A weight of 0 means "not acceptable", so `gzip;q=0`
/// forbids gzip even beside `*`. gzip is used when its weight is above 0 and not below that of an
/// explicitly listed `identity` (`gzip;q=0.5, identity` prefers the body as it is).
///
/// Without an `Accept-Encoding` field RFC 9110 allows any coding, but a client that sends none
/// (curl without `--compressed`, most scripts) usually cannot decode one: no field, no gzip.
/// An empty field accepts no coding. An element whose weight is not a valid qvalue is ignored.
struct AcceptEncoding: Equatable {
    /// gzip's weight in thousandths (0...1000).
    let gzip: Int
    /// `identity`'s weight in thousandths when listed.
    let identity: Int?

    /// Whether a gzip response is acceptable and not less preferred than an uncompressed one.
    var prefersGzip: Bool { gzip > 0 && gzip >= (identity ?? 0) }

    init(_ headers: HTTPHeaders) {
        var gzip: Int?, star: Int?, identity: Int?
        for value in headers.values(for: "accept-encoding") {
            for element in value.split(separator: ",") {
                let parts = element.split(separator: ";")
                guard let name = parts.first?.trimmingSpaces.lowercased(), !name.isEmpty else { continue }
                var weight = 1000
                var valid = true
                for parameter in parts.dropFirst() {
                    let p = parameter.trimmingSpaces
                    guard p.count >= 2, p.prefix(2).lowercased() == "q=" else { continue }
                    if let q = Self.qvalue(p.dropFirst(2)) { weight = q } else { valid = false }
                }
                guard valid else { continue }
                switch name {
                case "gzip", "x-gzip": gzip = max(gzip ?? 0, weight)
                case "*": star = weight
                case "identity": identity = weight
                default: continue
                }
            }
        }
        self.gzip = gzip ?? star ?? 0
        self.identity = identity
    }

    /// A qvalue in thousandths: "1", "0.5", "0.123", "1.000"; nil for anything else ("2", "0.1234", "abc").
    static func qvalue(_ text: Substring) -> Int? {
        let utf8 = Array(text.utf8)
        guard let first = utf8.first, first == UInt8(ascii: "0") || first == UInt8(ascii: "1") else { return nil }
        let whole = Int(first - UInt8(ascii: "0"))
        if utf8.count == 1 { return whole * 1000 }
        guard utf8[1] == UInt8(ascii: "."), utf8.count <= 5 else { return nil }
        var thousandths = 0, scale = 100
        for digit in utf8[2...] {
            guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") else { return nil }
            thousandths += Int(digit - UInt8(ascii: "0")) * scale
            scale /= 10
        }
        if whole == 1, thousandths != 0 { return nil }
        return whole * 1000 + thousandths
    }
}
