/// Why a NumPy file cannot be used: one sentence without the file name (the caller prefixes it),
/// e.g. "unsupported dtype '<c8'" or "truncated data: expected 4000 bytes, found 120".
public struct NumPyError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
