/// The kind of a JSON value, as `JSONReader.peekKind()` sees it from its first byte.
public enum JSONValueKind: Sendable {
    case object, array, string, number, bool, null

    /// "an object", "a number", ...: for error messages.
    var phrase: String {
        switch self {
        case .object: "an object"
        case .array: "an array"
        case .string: "a string"
        case .number: "a number"
        case .bool: "a boolean"
        case .null: "null"
        }
    }
}
