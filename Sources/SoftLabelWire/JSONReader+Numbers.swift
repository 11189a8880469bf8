/// Numbers: floats correctly rounded straight from the bytes, integers with exact integrality.
extension JSONReader {
    /// Reads a number as the nearest float32 (round to nearest, ties to even; subnormals and -0
    /// kept, tiny values round to ±0). Throws `.range` when it rounds beyond the float32 range
    /// (|x| ≥ 3.40282357e38, e.g. 1e400), `.type` for another kind of value.
    public mutating func readFloat(path: String) throws -> Float {
        try float32Value(path: path)
    }

    /// Reads a number as the nearest float64 (ties to even). Throws `.range` beyond the float64
    /// range (e.g. 1e400), `.type` for another kind of value.
    public mutating func readDouble(path: String) throws -> Double {
        skipWhitespace()
        var number = DecimalNumber()
        guard let next = scanNumber(cursor, end, into: &number) else { throw numberMismatch("a number", path: path) }
        let token = UnsafeBufferPointer(start: cursor, count: next - cursor)
        let value = FloatParsing.float64(number, token: token)
        guard value.isFinite else {
            throw rangeError("\(JSONPath.describe(path)) = \(excerpt(token)) is outside the float64 range.", path: path)
        }
        cursor = next
        return value
    }

    /// Reads an integer in the Int32 range. A number with an integral value is accepted whatever
    /// its spelling (`3`, `-1`, `3.0`, `3e0`, `300e-2`); a fractional value (`1.5`) or one beyond
    /// Int32 (`1e10`) throws `.range`; another kind of value `.type`.
    public mutating func readInt(path: String) throws -> Int {
        try int32Value(path: path)
    }

    /// `readFloat` with the path built only when an error needs it.
    @inline(__always)
    mutating func float32Value(path: @autoclosure () -> String) throws -> Float {
        var value: Float = 0
        guard scanFloat32(&value) else { throw float32Error(path: path()) }
        return value
    }

    /// The hot path of every float read: parses the number at the cursor (after whitespace) into
    /// `value` and moves past it. Returns false, consuming nothing but whitespace, when there is
    /// no number or it is beyond float32; `float32Error(path:)` then says which.
    @_transparent
    mutating func scanFloat32(_ value: inout Float) -> Bool {
        skipWhitespace()
        var number = DecimalNumber()
        guard let next = scanNumber(cursor, end, into: &number) else { return false }
        let result = FloatParsing.float32(number, token: UnsafeBufferPointer(start: cursor, count: next - cursor))
        guard result.isFinite else { return false }
        value = result
        cursor = next
        return true
    }

    /// Why `scanFloat32` failed at the cursor.
    @inline(never)
    func float32Error(path: String) -> JSONReadError {
        var number = DecimalNumber()
        guard let next = scanNumber(cursor, end, into: &number) else { return numberMismatch("a number", path: path) }
        return float32RangeError(UnsafeBufferPointer(start: cursor, count: next - cursor), path: path)
    }

    @inline(never)
    func float32RangeError(_ token: UnsafeBufferPointer<UInt8>, path: String) -> JSONReadError {
        rangeError(
            "\(JSONPath.describe(path)) = \(excerpt(token)) is outside the float32 range (largest magnitude 3.4028235e38).",
            path: path)
    }

    /// `readInt` with the path built only when an error needs it.
    mutating func int32Value(path: @autoclosure () -> String) throws -> Int {
        skipWhitespace()
        var number = DecimalNumber()
        guard let next = scanNumber(cursor, end, into: &number) else { throw numberMismatch("an integer", path: path()) }
        let token = UnsafeBufferPointer(start: cursor, count: next - cursor)
        var significand = number.significand
        var exponent = number.exponent
        if significand != 0 {
            // More than 19 significant digits: not an Int32, integral or not.
            if number.truncated {
                throw rangeError("\(JSONPath.describe(path())) = \(excerpt(token)) is outside the 32-bit integer range.", path: path())
            }
            while exponent < 0 && significand % 10 == 0 {
                significand /= 10
                exponent += 1
            }
            if exponent < 0 {
                throw rangeError("\(JSONPath.describe(path())) must be an integer, found \(excerpt(token)).", path: path())
            }
            let limit: UInt64 = number.negative ? 2_147_483_648 : 2_147_483_647
            while exponent > 0 && significand <= limit {
                significand *= 10
                exponent -= 1
            }
            if significand > limit {
                throw rangeError("\(JSONPath.describe(path())) = \(excerpt(token)) is outside the 32-bit integer range.", path: path())
            }
        }
        cursor = next
        return number.negative ? -Int(significand) : Int(significand)
    }

    /// The error for a value at the cursor that should have been a number.
    @inline(never)
    func numberMismatch(_ expected: String, path: String) -> JSONReadError {
        if cursor < end && (cursor.pointee == UInt8(ascii: "-") || isDigit(cursor.pointee)) {
            let (at, message) = diagnoseNumber(cursor, end, base: base)
            return .syntax(message, at: at, path: path)
        }
        return mismatch(expected, path: path)
    }

    func rangeError(_ message: String, path: String) -> JSONReadError {
        JSONReadError(kind: .range, message: message, offset: offset, path: path)
    }

    /// The token for a message, shortened when long.
    func excerpt(_ token: UnsafeBufferPointer<UInt8>) -> String {
        let text = String(decoding: token.prefix(40), as: UTF8.self)
        return token.count > 40 ? text + "..." : text
    }
}
