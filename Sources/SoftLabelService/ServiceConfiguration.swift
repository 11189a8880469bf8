/// Limits of the service layer, each with its documented default (docs/api.md, Conventions); the
/// CLI sets them from flags and environment variables, `GET /v2` reports them.
public struct ServiceConfiguration: Sendable, Equatable {
    /// Largest element count of any one matrix in a request (B·K). Default 16,777,216.
    public var maxElements: Int = 16_777_216
    /// Largest number of classes K. Default 1,000,000.
    public var maxClasses: Int = 1_000_000
    /// Largest request body in bytes. Default 64 MiB. (Enforced by the HTTP layer before the
    /// body is read; reported here for `GET /v2` and applied to `softlabel call` too.)
    public var maxBodyBytes: Int = 64 << 20
    /// Largest nesting depth the JSON reader follows. Default 64 (the API nests 4 deep).
    public var maxJSONDepth: Int = 64

    public init() {}
}
