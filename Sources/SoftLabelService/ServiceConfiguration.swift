import SoftLabelHTTP

/// Limits of the service layer: an immutable value with one initialiser whose defaults are the
/// service's (docs/api.md, Conventions), and its own `validate()`. The CLI sets them from flags
/// and environment variables (`ServerSettings`), `GET /v2` reports them.
public struct ServiceConfiguration: Sendable, Equatable {
    /// Largest element count of any one matrix in a request (B·K).
    public let maxElements: Int
    /// Largest number of classes K.
    public let maxClasses: Int
    /// Largest request body in bytes (enforced by the HTTP layer before the body is read;
    /// reported here for `GET /v2` and applied to `softlabel call` too).
    public let maxBodyBytes: Int
    /// Largest nesting depth the JSON reader follows (the API nests 4 deep).
    public let maxJSONDepth: Int
    /// Largest response, and working memory, a request may cost, estimated from its decoded
    /// sizes before any work (a 24 KB calibration body asking for 8,000 classes × 2,000 bins
    /// would otherwise answer 128 MB): 422 `too_large` at the field that makes it so.
    public let maxResponseBytes: Int
    /// Responses with at least this many body bytes are gzip-compressed for clients whose
    /// `Accept-Encoding` prefers gzip, and carry `Vary: Accept-Encoding`; 0 turns compression off
    /// (`ResponseCompression`, docs/gzip.md). Request bodies are inflated whatever this is.
    public let compressMinBytes: Int

    public init(maxElements: Int = 16_777_216, maxClasses: Int = 1_000_000, maxBodyBytes: Int = 64 << 20, maxJSONDepth: Int = 64,
                maxResponseBytes: Int = 64 << 20, compressMinBytes: Int = 8192) {
        self.maxResponseBytes = maxResponseBytes
        self.compressMinBytes = compressMinBytes
        self.maxElements = maxElements
        self.maxClasses = maxClasses
        self.maxBodyBytes = maxBodyBytes
        self.maxJSONDepth = maxJSONDepth
    }

    /// The accepted range of each field.
    public enum Range {
        public static let maxElements = 1...(1 << 32)
        public static let maxClasses = 1...(1 << 24)
        public static let maxBodyBytes = HTTPConfiguration.Range.maxBodyBytes
        public static let maxJSONDepth = 4...1024
        public static let maxResponseBytes = (1 << 16)...(1 << 40)
        public static let compressMinBytes = 0...(1 << 40)
    }

    public func validate() throws(ConfigurationError) {
        try ConfigurationError.check("maxElements", maxElements, in: Range.maxElements)
        try ConfigurationError.check("maxClasses", maxClasses, in: Range.maxClasses)
        try ConfigurationError.check("maxBodyBytes", maxBodyBytes, in: Range.maxBodyBytes)
        try ConfigurationError.check("maxJSONDepth", maxJSONDepth, in: Range.maxJSONDepth)
        try ConfigurationError.check("maxResponseBytes", maxResponseBytes, in: Range.maxResponseBytes)
        try ConfigurationError.check("compressMinBytes", compressMinBytes, in: Range.compressMinBytes)
    }
}
