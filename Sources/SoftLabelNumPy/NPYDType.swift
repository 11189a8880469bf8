/// The element types `softlabel eval` reads, from a `.npy` header's `descr` (NumPy's
/// `dtype.str`): a byte order (`<` little, `>` big, `|` not applicable, `=` native), a kind
/// letter and the size in bytes. Floats (`f2`, `f4`, `f8`) hold logits or probabilities;
/// integers (`i1`…`i8`, `u1`…`u8`) hold labels. Anything else (complex, object, strings,
/// structured, datetime, bool) is refused by name.
public struct NPYDType: Sendable, Equatable {
    public enum Kind: Sendable, Equatable { case float, signed, unsigned }

    public let kind: Kind
    /// Bytes per element: 1, 2, 4 or 8.
    public let size: Int
    /// Stored big-endian (`>`): each element is byte-swapped when read.
    public let bigEndian: Bool
    /// The `descr` as written in the header.
    public let descr: String

    /// NumPy's name: float32, int64, uint8, ...
    public var name: String {
        switch kind {
        case .float: "float\(size * 8)"
        case .signed: "int\(size * 8)"
        case .unsigned: "uint\(size * 8)"
        }
    }

    /// Parses a `descr` string; throws for every type this reader does not convert.
    public init(descr: String) throws(NumPyError) {
        self.descr = descr
        var chars = Substring(descr)
        var order: Character = "="
        if let first = chars.first, "<>|=".contains(first) {
            order = first
            chars = chars.dropFirst()
        }
        guard let letter = chars.first else { throw NumPyError("empty dtype '\(descr)'") }
        let digits = chars.dropFirst()
        switch letter {
        case "O": throw NumPyError("object arrays are not supported (dtype '\(descr)'); save numbers, e.g. arr.astype(np.float32)")
        case "f", "i", "u": break
        default: throw NumPyError("unsupported dtype '\(descr)': expected float16, float32 or float64 values, or integer labels")
        }
        guard !digits.isEmpty, digits.count <= 2, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber),
              let size = Int(digits), [1, 2, 4, 8].contains(size) else {
            throw NumPyError("unsupported dtype '\(descr)'")
        }
        switch letter {
        case "f":
            guard size >= 2 else { throw NumPyError("unsupported dtype '\(descr)'") }
            kind = .float
        case "i": kind = .signed
        default: kind = .unsigned
        }
        self.size = size
        // '|' (no byte order) and '=' (native) read as little-endian: the only byte order of the
        // platforms softlabel builds for (x86-64, arm64).
        bigEndian = order == ">" && size > 1
    }
}
