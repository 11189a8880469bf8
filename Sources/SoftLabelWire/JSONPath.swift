/// JSON paths as error messages show them: `logits[3][17]`, `state.bins[2]`, `["odd key"]`.
///
/// The root is the empty string. Keys that are identifiers (`[A-Za-z_][A-Za-z0-9_]*`) join with a
/// dot; any other key is written in brackets as a JSON string.
public enum JSONPath {
    /// The path of member `key` of the object at `parent`.
    public static func key(_ key: String, in parent: String) -> String {
        if isIdentifier(key) { return parent.isEmpty ? key : parent + "." + key }
        var writer = JSONWriter(capacity: key.utf8.count + 4)
        writer.writeString(key)
        return parent + "[" + String(decoding: writer.bytes, as: UTF8.self) + "]"
    }

    /// The path of element `index` of the array at `parent`.
    public static func index(_ index: Int, in parent: String) -> String {
        parent + "[" + String(index) + "]"
    }

    /// The path for a message: "the body" for the root, else the path itself.
    public static func describe(_ path: String) -> String {
        path.isEmpty ? "the body" : path
    }

    private static func isIdentifier(_ key: String) -> Bool {
        var first = true
        for byte in key.utf8 {
            let letter = (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z")
            let ok = letter || byte == UInt8(ascii: "_") || (!first && isDigit(byte))
            if !ok { return false }
            first = false
        }
        return !first
    }
}
