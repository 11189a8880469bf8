/// How an operator names a configuration field: the flag and the environment variable, derived
/// from the field's name in one rule (`maxBodyBytes` → `--max-body-bytes`,
/// `SOFTLABEL_MAX_BODY_BYTES`) so error messages, the CLI and the README cannot disagree.
public enum SettingName {
    /// Fields whose flag is not the rule's (kept for compatibility with earlier releases).
    static let flagOverrides = ["eventLoopCount": "event-loops"]

    /// `--max-body-bytes`.
    public static func flag(_ field: String) -> String { "--" + (flagOverrides[field] ?? kebab(field)) }

    /// `SOFTLABEL_MAX_BODY_BYTES`.
    public static func environment(_ field: String) -> String {
        "SOFTLABEL_" + (flagOverrides[field] ?? kebab(field)).uppercased().replacing("-", with: "_")
    }

    /// "--max-body-bytes or SOFTLABEL_MAX_BODY_BYTES": how to raise a limit.
    public static func both(_ field: String) -> String { "\(flag(field)) or \(environment(field))" }

    static func kebab(_ camel: String) -> String {
        var out = ""
        for c in camel {
            if c.isUppercase { out += "-" + c.lowercased() } else { out.append(c) }
        }
        return out
    }
}
