/// The header of a NumPy `.npy` file (format versions 1.0, 2.0 and 3.0, numpy/lib/format.py):
///
///     \x93NUMPY <major> <minor> <HEADER_LEN: uint16 LE (1.0) or uint32 LE (2.0, 3.0)> <HEADER>
///
/// HEADER is a Python dict literal with exactly the keys `descr` (a dtype string), `fortran_order`
/// (True/False) and `shape` (a tuple of non-negative ints), padded with spaces and ended by one
/// newline; the data follow it. The header is parsed strictly (`PythonLiteral`): any other key,
/// a missing or repeated key, a value of the wrong type, a structured `descr` (a list), non-ASCII
/// text, or anything after the dict besides the padding is an error. Element and byte counts are
/// computed with overflow-reporting arithmetic, so a hostile shape cannot wrap around.
public struct NPYHeader: Sendable, Equatable {
    public let major: Int
    public let minor: Int
    public let dtype: NPYDType
    public let fortranOrder: Bool
    public let shape: [Int]
    /// Where the data start, from the start of the file (magic + version + length + header).
    public let dataOffset: Int
    /// The product of `shape` (1 for a scalar).
    public let count: Int
    /// `count × dtype.size`: the bytes of data the header declares.
    public let byteCount: Int

    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // \x93NUMPY
    /// The longest header read (NumPy writes ~120 bytes for a 2-D array; its own reader refuses
    /// more than 10,000 by default).
    public static let maxHeaderBytes = 65_536
    /// Bytes enough to learn the header's length: magic, version and a 4-byte length field.
    public static let prefixBytes = 12

    /// Whether `bytes` starts with the `.npy` magic string.
    public static func hasMagic(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.count >= magic.count && zip(bytes.prefix(magic.count), magic).allSatisfy { $0 == $1 }
    }

    /// The offset of the data (the whole header's length), from the first `prefixBytes` (or all
    /// of a shorter file): what a streaming reader must have before calling `init`.
    public static func dataOffset(prefix bytes: UnsafeRawBufferPointer) throws(NumPyError) -> Int {
        guard hasMagic(bytes) else { throw NumPyError("not a .npy file (it does not start with \\x93NUMPY)") }
        guard bytes.count >= 8 else { throw NumPyError("truncated header: the file ends inside the format version") }
        let major = Int(bytes[6]), minor = Int(bytes[7])
        guard (1...3).contains(major), minor == 0 else {
            throw NumPyError("unsupported .npy format version \(major).\(minor) (1.0, 2.0 and 3.0 are read)")
        }
        let lengthBytes = major == 1 ? 2 : 4
        guard bytes.count >= 8 + lengthBytes else { throw NumPyError("truncated header: the file ends inside the header length") }
        var length = 0
        for i in 0..<lengthBytes { length |= Int(bytes[8 + i]) << (8 * i) }
        guard length <= maxHeaderBytes else {
            throw NumPyError("the header declares \(length) bytes; at most \(maxHeaderBytes) are read")
        }
        return 8 + lengthBytes + length
    }

    /// Parses the header at the start of `bytes` (which must hold at least the whole header;
    /// the data are not looked at).
    public init(_ bytes: UnsafeRawBufferPointer) throws(NumPyError) {
        let offset = try Self.dataOffset(prefix: UnsafeRawBufferPointer(rebasing: bytes.prefix(Self.prefixBytes)))
        guard bytes.count >= offset else {
            throw NumPyError("truncated header: expected \(offset) bytes, found \(bytes.count)")
        }
        major = Int(bytes[6])
        minor = Int(bytes[7])
        dataOffset = offset
        let text = Array(bytes[(major == 1 ? 10 : 12)..<offset])
        guard text.last == 0x0A else { throw NumPyError("malformed header: it does not end with a newline") }
        guard text.allSatisfy({ $0 < 0x80 }) else { throw NumPyError("malformed header: it is not ASCII") }
        let entries = try PythonLiteral.headerDict(Array(text.dropLast()))
        var descr: String?, fortran: Bool?, shape: [Int]?
        for (key, value) in entries {
            switch (key, value) {
            case ("descr", .string(let s)): descr = s
            case ("descr", .list): throw NumPyError("structured dtypes are not supported; save a plain numeric array")
            case ("fortran_order", .bool(let b)): fortran = b
            case ("shape", .tuple(let t)): shape = t
            case ("descr", _), ("fortran_order", _), ("shape", _):
                throw NumPyError("malformed header: '\(key)' is \(value.typeName), expected \(key == "descr" ? "a string" : key == "shape" ? "a tuple of ints" : "True or False")")
            default:
                throw NumPyError("malformed header: unexpected key '\(key)' (expected descr, fortran_order, shape)")
            }
        }
        for (name, present) in [("descr", descr != nil), ("fortran_order", fortran != nil), ("shape", shape != nil)] where !present {
            throw NumPyError("malformed header: no '\(name)' key")
        }
        dtype = try NPYDType(descr: descr!)
        fortranOrder = fortran!
        self.shape = shape!
        var count = 1
        for d in shape! {
            let (p, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow else { throw NumPyError("shape \(Self.describe(shape!)) has more elements than can be counted") }
            count = p
        }
        let (bytesNeeded, overflow) = count.multipliedReportingOverflow(by: dtype.size)
        guard !overflow else { throw NumPyError("shape \(Self.describe(shape!)) of \(dtype.name) is more bytes than can be counted") }
        self.count = count
        byteCount = bytesNeeded
    }

    /// A shape as Python writes it: `()`, `(3,)`, `(2, 3)`.
    public static func describe(_ shape: [Int]) -> String {
        shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    }

    public var shapeText: String { Self.describe(shape) }
}
