/// Why a body could not be read, where, and what to fix.
///
/// `kind` decides the HTTP status (`.syntax` is 400, every other kind 422); `message` is one sentence
/// a user can act on (syntax messages end with "at byte N"); `offset` is the byte offset into the
/// body where the problem was found; `path` is the JSON path of the offending value, e.g.
/// `logits[3][17]`, or "" for the root.
public struct JSONReadError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// Not RFC 8259 JSON (HTTP 400). The message says what was expected and the byte offset.
        case syntax
        /// Valid JSON, but the wrong type for the field, e.g. a string where a number belongs (422).
        case type
        /// Ragged rows, wrong lengths, an empty matrix (422).
        case shape
        /// A number that does not fit: beyond float32 for a Float, not integral or beyond Int32 for
        /// an integer (422).
        case range
        /// More values than the reader was allowed to hold (422 `too_large`), found while reading,
        /// before the values past the limit are stored.
        case tooLarge
        /// The same key twice in one object (422).
        case duplicateKey
    }

    /// What went wrong; decides the status (`.syntax` 400, the rest 422).
    public var kind: Kind
    /// One sentence saying what to fix; syntax messages end with "at byte N".
    public var message: String
    /// Byte offset into the body where the problem was found.
    public var offset: Int
    /// JSON path of the offending value (`logits[3][17]`), "" for the root.
    public var path: String

    public init(kind: Kind, message: String, offset: Int, path: String) {
        self.kind = kind
        self.message = message
        self.offset = offset
        self.path = path
    }

    /// `syntax error at logits[3] (byte 120): Expected ',' or ']' ...`
    public var description: String {
        let place = path.isEmpty ? "byte \(offset)" : "\(path) (byte \(offset))"
        return "\(kind) error at \(place): \(message)"
    }
}

extension JSONReadError {
    /// A syntax error; `message` must already name the byte offset.
    static func syntax(_ message: String, at offset: Int, path: String) -> JSONReadError {
        JSONReadError(kind: .syntax, message: message, offset: offset, path: path)
    }

    /// "Expected X, found Y at byte N." for the byte at `offset` (or the end of the body).
    static func expected(_ expected: String, found byte: UInt8?, at offset: Int, path: String) -> JSONReadError {
        let found = byte.map(describeByte) ?? "the end of the body"
        return .syntax("Expected \(expected), found \(found) at byte \(offset).", at: offset, path: path)
    }

    /// A type error: `path` must be `expected` but holds a value of `found` kind.
    static func type(expected: String, found: JSONValueKind, at offset: Int, path: String) -> JSONReadError {
        JSONReadError(
            kind: .type, message: "\(JSONPath.describe(path)) must be \(expected), found \(found.phrase).",
            offset: offset, path: path)
    }
}
