import SoftLabelKernels

/// Arrays of numbers and strings, and matrices straight into contiguous `Matrix` storage.
extension JSONReader {
    /// Reads an array of numbers (`[1, 2.5, -3e-2]`, possibly empty), each rounded as `readFloat`
    /// does. Errors name the element, e.g. `prior[3]`.
    public mutating func readFloatArray(path: String) throws -> [Float] {
        try readElements(path: path, expected: "an array of numbers") { reader, index in
            try reader.float32Value(path: JSONPath.index(index, in: path))
        }
    }

    /// Reads an array of integers (possibly empty), each checked as `readInt` does.
    public mutating func readIntArray(path: String) throws -> [Int] {
        try readElements(path: path, expected: "an array of integers") { reader, index in
            try reader.int32Value(path: JSONPath.index(index, in: path))
        }
    }

    /// Reads an array of strings (possibly empty), unescaped.
    public mutating func readStringArray(path: String) throws -> [String] {
        try readElements(path: path, expected: "an array of strings") { reader, index in
            try reader.readString(path: JSONPath.index(index, in: path))
        }
    }

    /// Reads a non-empty 2-D array of numbers whose rows all have the same, non-zero length, into
    /// one row-major buffer: `[[1, 2], [3, 4]]` is a 2×2 `Matrix`.
    ///
    /// Throws `.type` when the value or a row is not an array or an element not a number (naming
    /// the element, `logits[3][17]`), `.shape` for `[]`, an empty row, or a ragged row ("logits[3]
    /// has 4 values, expected 5 like logits[0]"); `.range` for an element beyond float32.
    public mutating func readFloatMatrix(path: String) throws -> Matrix {
        try readFloatMatrix(path: path, maxElements: .max)
    }

    /// `.tooLarge`: the matrix passed the elements-per-matrix limit while it was read.
    private func tooManyElements(_ maxElements: Int, path: String, offset: Int) -> JSONReadError {
        JSONReadError(kind: .tooLarge, message: "\(JSONPath.describe(path)) has more than \(maxElements) elements, the limit per matrix.",
                      offset: offset, path: path)
    }

    /// `readFloatMatrix(path:)` that also throws `.shape` as soon as a completed row takes the
    /// matrix past `maxElements` values (the service's elements-per-matrix limit), without reading
    /// the rows after it.
    public mutating func readFloatMatrix(path: String, maxElements: Int) throws -> Matrix {
        precondition(maxElements >= 0, "a limit is a count")
        skipWhitespace()
        guard cursor < end && cursor.pointee == UInt8(ascii: "[") else {
            throw mismatch("a matrix (an array of rows of numbers)", path: path)
        }
        if frames.count + 2 > maxDepth { throw depthError(path: path) }
        let matrixOffset = offset
        cursor += 1
        skipWhitespace()
        if cursor < end && cursor.pointee == UInt8(ascii: "]") {
            throw JSONReadError(kind: .shape, message: "\(JSONPath.describe(path)) is empty: a matrix needs at least one row.",
                                offset: matrixOffset, path: path)
        }
        var values = FloatAccumulator(capacity: 1024)
        let tables = CompactFloat32.sharedTables
        var columns = 0
        var rows = 0
        while true {
            skipWhitespace()
            guard cursor < end && cursor.pointee == UInt8(ascii: "[") else {
                throw mismatch("an array of numbers (a row)", path: JSONPath.index(rows, in: path))
            }
            let rowOffset = offset
            cursor += 1
            let rowStart = values.count
            skipWhitespace()
            if cursor < end && cursor.pointee == UInt8(ascii: "]") {
                throw JSONReadError(kind: .shape, message: "\(JSONPath.index(rows, in: path)) is empty: every row needs at least one value.",
                                    offset: rowOffset, path: JSONPath.index(rows, in: path))
            }
            while true {
                // The fast path takes as much of the row as it can; the general reader below reads
                // (or rejects) whatever it stopped at, one value, and hands back to it.
                // Never more than one value past the limit: a single huge row is stopped early too.
                let remaining = maxElements - values.count  // ≥ 0: the count never stays past the limit
                let room = remaining == .max ? values.room : min(values.room, remaining + 1)
                let progress = CompactFloat32.scanRow(cursor, end, into: values.tail, room: room, tables)
                values.advance(by: progress.count)
                cursor = progress.position
                if values.count > maxElements { throw tooManyElements(maxElements, path: path, offset: rowOffset) }
                if progress.closed { break }
                var value: Float = 0
                guard scanFloat32(&value) else {
                    throw float32Error(path: JSONPath.index(values.count - rowStart, in: JSONPath.index(rows, in: path)))
                }
                values.append(value)
                if values.count > maxElements { throw tooManyElements(maxElements, path: path, offset: rowOffset) }
                if cursor < end && cursor.pointee == UInt8(ascii: ",") {
                    cursor += 1
                    continue
                }
                skipWhitespace()
                guard cursor < end else {
                    throw JSONReadError.expected("',' or ']'", found: nil, at: offset, path: JSONPath.index(rows, in: path))
                }
                if cursor.pointee == UInt8(ascii: ",") {
                    cursor += 1
                    continue
                }
                if cursor.pointee == UInt8(ascii: "]") {
                    cursor += 1
                    break
                }
                let after = JSONPath.index(values.count - rowStart - 1, in: JSONPath.index(rows, in: path))
                throw JSONReadError.expected("',' or ']' after \(after)", found: cursor.pointee, at: offset,
                                             path: JSONPath.index(rows, in: path))
            }
            let count = values.count - rowStart
            if rows == 0 {
                columns = count
                // Room for as many rows as the rest of the body could hold at this row's size
                // (capped, so a big body with a small matrix does not over-allocate much).
                let rowBytes = max(offset - rowOffset, 1)
                values.reserve(min(((end - cursor) / rowBytes + 1) * columns, 1 << 22))
            } else if count != columns {
                let row = JSONPath.index(rows, in: path)
                throw JSONReadError(
                    kind: .shape,
                    message: "\(row) has \(count) values, expected \(columns) like \(JSONPath.index(0, in: path)).",
                    offset: rowOffset, path: row)
            }
            rows += 1
            if values.count > maxElements { throw tooManyElements(maxElements, path: path, offset: rowOffset) }
            skipWhitespace()
            guard cursor < end else { throw JSONReadError.expected("',' or ']'", found: nil, at: offset, path: path) }
            if cursor.pointee == UInt8(ascii: "]") {
                cursor += 1
                break
            }
            guard cursor.pointee == UInt8(ascii: ",") else {
                throw JSONReadError.expected("',' or ']' after \(JSONPath.index(rows - 1, in: path))", found: cursor.pointee,
                                             at: offset, path: path)
            }
            cursor += 1
            try rejectTrailingComma(path: path)
        }
        return Matrix(rows: rows, columns: columns, values: values.makeArray())
    }

    /// Reads `[e0, e1, ...]` with `read(reader, index)` for each element.
    @inline(__always)
    private mutating func readElements<T>(
        path: String, expected: String, _ read: (inout JSONReader, Int) throws -> T
    ) throws -> [T] {
        skipWhitespace()
        guard cursor < end && cursor.pointee == UInt8(ascii: "[") else { throw mismatch(expected, path: path) }
        if frames.count + 1 > maxDepth { throw depthError(path: path) }
        cursor += 1
        var elements: [T] = []
        skipWhitespace()
        if cursor < end && cursor.pointee == UInt8(ascii: "]") {
            cursor += 1
            return elements
        }
        while true {
            elements.append(try read(&self, elements.count))
            skipWhitespace()
            guard cursor < end else { throw JSONReadError.expected("',' or ']'", found: nil, at: offset, path: path) }
            if cursor.pointee == UInt8(ascii: "]") {
                cursor += 1
                return elements
            }
            guard cursor.pointee == UInt8(ascii: ",") else {
                throw JSONReadError.expected("',' or ']' after \(JSONPath.index(elements.count - 1, in: path))",
                                             found: cursor.pointee, at: offset, path: path)
            }
            cursor += 1
            try rejectTrailingComma(path: path)
        }
    }

    /// After a consumed ',' inside an array: a ']' next is a trailing comma.
    @inline(__always)
    mutating func rejectTrailingComma(path: String) throws {
        skipWhitespace()
        if cursor < end && cursor.pointee == UInt8(ascii: "]") {
            throw JSONReadError.syntax("Trailing comma before ']' at byte \(offset).", at: offset, path: path)
        }
    }
}
