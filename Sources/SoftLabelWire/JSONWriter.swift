import SoftLabelKernels

/// Writes JSON straight into a byte buffer, commas included.
///
/// Call `beginObject`/`key`/value/.../`endObject` and `beginArray`/values/`endArray` in document
/// order; a comma goes before every member and element but the first. The writer does not check
/// that the calls form a valid document (an object member without `key` is the caller's bug).
///
/// Floats are the shortest text that reads back to the same float32 (see `NumberText`); NaN and
/// ±infinity, which JSON cannot express, are written as `null`.
public struct JSONWriter: Sendable {
    /// The JSON text so far (UTF-8).
    public var bytes: [UInt8]
    /// True after a complete value or member, so the next one needs a comma first.
    private var needsComma = false

    /// An empty writer whose buffer has room for `capacity` bytes.
    public init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Writes `{`.
    public mutating func beginObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
    }

    /// Writes `}`.
    public mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    /// Writes `[`.
    public mutating func beginArray() {
        separate()
        bytes.append(UInt8(ascii: "["))
        needsComma = false
    }

    /// Writes `]`.
    public mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }

    /// Writes `"name":` (escaped, with a comma before it unless it is the first member); the
    /// member's value comes next.
    public mutating func key(_ name: String) {
        writeString(name)
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    /// Writes the shortest text that reads back to exactly `v` (`0.1`, `1.0`, `1e-05`,
    /// `3.4028235e+38`); `null` for NaN and ±infinity.
    public mutating func writeFloat(_ v: Float) {
        separate()
        guard v.isFinite else { return appendNull() }
        appendWithin(NumberText.maximumFloat32Length) { NumberText.writeFloat32(v, to: $0) }
    }

    /// Writes the shortest text that reads back to exactly `v` (Swift's `Double.description`
    /// digits: round-trip exact); `null` for NaN and ±infinity. Meant for scalars: it goes through
    /// a String, so use `writeFloat` for bulk data.
    public mutating func writeDouble(_ v: Double) {
        separate()
        guard v.isFinite else { return appendNull() }
        // Integral values below 2⁵³ (0 included: most cells of a calibration state are 0) are
        // written without building a String; the text is exactly `description`'s, "N.0".
        if v.magnitude < 9_007_199_254_740_992, v == v.rounded(.towardZero) {
            if v == 0 && v.sign == .minus { bytes.append(0x2D) }  // "-0.0"
            appendWithin(NumberText.maximumIntLength) { NumberText.writeInt(Int(v), to: $0) }
            bytes.append(0x2E)
            bytes.append(0x30)
            return
        }
        // Finite descriptions are JSON numbers: "0.1", "1e-05", "1e+16", "-0.0", "5e-324".
        bytes.append(contentsOf: v.description.utf8)
    }

    /// Writes an integer in decimal.
    public mutating func writeInt(_ v: Int) {
        separate()
        appendWithin(NumberText.maximumIntLength) { NumberText.writeInt(v, to: $0) }
    }

    /// Writes `true` or `false`.
    public mutating func writeBool(_ v: Bool) {
        separate()
        bytes.append(contentsOf: v ? "true".utf8 : "false".utf8)
    }

    /// Writes `null`.
    public mutating func writeNull() {
        separate()
        appendNull()
    }

    /// Writes `s` as a JSON string: `"` and `\` escaped, control characters as `\n`, `\t`, ... or
    /// `\u00XX`, everything else as UTF-8.
    public mutating func writeString(_ s: String) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        // Keys and most values need no escape: one bulk append (native Strings are contiguous).
        let plain = s.utf8.withContiguousStorageIfAvailable { utf8 -> Bool in
            for byte in utf8 where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { return false }
            bytes.append(contentsOf: utf8)
            return true
        }
        if plain == true {
            bytes.append(UInt8(ascii: "\""))
            return
        }
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): bytes.append(contentsOf: #"\\"#.utf8)
            case 0x0A: bytes.append(contentsOf: #"\n"#.utf8)
            case 0x0D: bytes.append(contentsOf: #"\r"#.utf8)
            case 0x09: bytes.append(contentsOf: #"\t"#.utf8)
            case 0x08: bytes.append(contentsOf: #"\b"#.utf8)
            case 0x0C: bytes.append(contentsOf: #"\f"#.utf8)
            case 0x00..<0x20:
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: #"\u00"#.utf8)
                bytes.append(hex[Int(byte >> 4)])
                bytes.append(hex[Int(byte & 0xF)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// Writes `[v0,v1,...]`, each element as `writeFloat` does.
    public mutating func writeFloatArray(_ v: UnsafeBufferPointer<Float>) {
        separate()
        appendWithin(v.count * (NumberText.maximumFloat32Length + 1) + 2) { out in
            JSONWriter.writeRow(v, to: out)
        }
    }

    /// Writes `[v0,v1,...]`, each element as `writeFloat` does.
    public mutating func writeFloatArray(_ v: [Float]) {
        v.withUnsafeBufferPointer { writeFloatArray($0) }
    }

    /// Writes the row-major `rows` × `columns` matrix in `values` as `[[..],[..]]`.
    public mutating func writeFloatMatrix(_ values: UnsafeBufferPointer<Float>, rows: Int, columns: Int) {
        precondition(rows >= 0 && columns >= 0 && values.count >= rows * columns, "writeFloatMatrix: values too short")
        separate()
        let perRow = columns * (NumberText.maximumFloat32Length + 1) + 3
        appendWithin(rows * perRow + 2) { out in
            var p = out
            p.pointee = UInt8(ascii: "[")
            p += 1
            for row in 0..<rows {
                if row > 0 {
                    p.pointee = UInt8(ascii: ",")
                    p += 1
                }
                let slice = UnsafeBufferPointer(rebasing: values[(row * columns)..<((row + 1) * columns)])
                p += JSONWriter.writeRow(slice, to: p)
            }
            p.pointee = UInt8(ascii: "]")
            return p + 1 - out
        }
    }

    /// Writes `m` as `[[..],[..]]`.
    public mutating func writeFloatMatrix(_ m: Matrix) {
        m.values.withUnsafeBufferPointer { writeFloatMatrix($0, rows: m.rows, columns: m.columns) }
    }

    /// Appends pre-encoded JSON (one complete value) as the next value, with a comma if needed.
    public mutating func writeRaw(_ bytes: some Sequence<UInt8>) {
        separate()
        self.bytes.append(contentsOf: bytes)
    }

    // MARK: - Internals

    /// Writes a comma if a value or member came before, and marks that one comes now.
    @inline(__always)
    private mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
        needsComma = true
    }

    private mutating func appendNull() {
        bytes.append(contentsOf: "null".utf8)
    }

    /// Grows the buffer by up to `maximum` bytes that `write` fills, then trims what it did not use.
    /// Short texts (one number) are written on the stack and appended: growing the array by a
    /// zero-filled run and trimming it again cost more than the number's digits.
    @inline(__always)
    private mutating func appendWithin(_ maximum: Int, _ write: (UnsafeMutablePointer<UInt8>) -> Int) {
        if maximum <= 32 {
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { scratch in
                let written = write(scratch.baseAddress!)
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: scratch[0..<written]))
            }
            return
        }
        let start = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: maximum))
        let written = bytes.withUnsafeMutableBufferPointer { write($0.baseAddress! + start) }
        bytes.removeLast(maximum - written)
    }

    /// Writes `[v0,v1,...]` at `out`; returns the byte count.
    @inline(__always)
    private static func writeRow(_ v: UnsafeBufferPointer<Float>, to out: UnsafeMutablePointer<UInt8>) -> Int {
        var p = out
        p.pointee = UInt8(ascii: "[")
        p += 1
        for (index, value) in v.enumerated() {
            if index > 0 {
                p.pointee = UInt8(ascii: ",")
                p += 1
            }
            if value.isFinite {
                p += NumberText.writeFloat32(value, to: p)
            } else {
                for byte in "null".utf8 { p.pointee = byte; p += 1 }
            }
        }
        p.pointee = UInt8(ascii: "]")
        return p + 1 - out
    }
}
