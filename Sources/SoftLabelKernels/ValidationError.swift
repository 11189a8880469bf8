/// An input that is well-formed but whose values a kernel cannot accept (HTTP 422).
///
/// Carries what the user needs to fix the request: the JSON path of the offending value
/// (`labels[3]`, `logits[2][7]`, `prior`), what was expected, and a machine-readable code.
public struct ValidationError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case invalidValue = "invalid_value"
        case labelOutOfRange = "label_out_of_range"
        case shapeMismatch = "shape_mismatch"
        case nonFinite = "non_finite"
        case missingField = "missing_field"
        case conflictingFields = "conflicting_fields"
        case unknownField = "unknown_field"
        case tooLarge = "too_large"
    }

    public var code: Code
    public var message: String
    public var path: String

    public init(_ code: Code, _ message: String, path: String) {
        self.code = code
        self.message = message
        self.path = path
    }

    public var description: String { path.isEmpty ? message : "\(path): \(message)" }
}
