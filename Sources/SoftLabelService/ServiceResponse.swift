/// What a route answers: status, content type, extra headers and the body bytes.
public struct ServiceResponse: Sendable {
    public var status: Int
    public var contentType: String
    public var headers: [(String, String)]
    public var body: [UInt8]

    public init(status: Int = 200, contentType: String = "application/json", headers: [(String, String)] = [], body: [UInt8]) {
        self.status = status
        self.contentType = contentType
        self.headers = headers
        self.body = body
    }

    public init(_ error: ServiceError) {
        self.init(status: error.status, headers: error.headers, body: error.body)
    }

    public var isSuccess: Bool { (200..<300).contains(status) }
}
