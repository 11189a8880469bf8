/// A dense row-major float32 matrix: `values[row * columns + column]`.
///
/// The one tensor shape every endpoint speaks: `logits[b][k]` has `rows` = B samples of
/// `columns` = K classes. Storage is one contiguous `[Float]`, so kernels see a single
/// `UnsafeBufferPointer<Float>` and rows are slices of it.
public struct Matrix: Sendable, Equatable {
    public var rows: Int
    public var columns: Int
    public var values: [Float]

    /// Creates a matrix over `values`; `values.count` must equal `rows * columns`.
    public init(rows: Int, columns: Int, values: [Float]) {
        precondition(rows >= 0 && columns >= 0 && values.count == rows * columns, "Matrix shape mismatch")
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    /// A matrix of `rows` × `columns` filled with `value`.
    public init(rows: Int, columns: Int, repeating value: Float = 0) {
        self.init(rows: rows, columns: columns, values: [Float](repeating: value, count: rows * columns))
    }

    public var count: Int { values.count }

    public subscript(row: Int, column: Int) -> Float {
        get { values[row * columns + column] }
        set { values[row * columns + column] = newValue }
    }

    /// Row `row` as an array (a copy: for tests and small outputs, not for hot loops).
    public func row(_ row: Int) -> [Float] {
        Array(values[(row * columns)..<((row + 1) * columns)])
    }
}
