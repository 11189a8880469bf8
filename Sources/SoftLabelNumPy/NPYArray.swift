import SoftLabelKernels

/// One `.npy` array: its header and exactly its data bytes, inside memory that `owner` keeps
/// alive (a mapped file, a stored `.npz` member inside one, or an inflated member).
///
/// The data must be exactly as long as the header declares: shorter is "truncated data",
/// longer is an error too (NumPy never writes bytes after the data).
public struct NPYArray: @unchecked Sendable {
    public let header: NPYHeader
    public let data: UnsafeRawBufferPointer
    let owner: AnyObject
    /// Called with each stretch of `data` once converted (a mapped file drops those pages).
    let consumed: ((UnsafeRawBufferPointer) -> Void)?

    public init(bytes: UnsafeRawBufferPointer, owner: AnyObject, consumed: ((UnsafeRawBufferPointer) -> Void)? = nil) throws(NumPyError) {
        let header = try NPYHeader(bytes)
        let found = bytes.count - header.dataOffset
        guard found >= header.byteCount else {
            throw NumPyError("truncated data: expected \(header.byteCount) bytes for shape \(header.shapeText) of \(header.dtype.name), found \(found)")
        }
        guard found == header.byteCount else {
            throw NumPyError("\(found - header.byteCount) bytes after the data (shape \(header.shapeText) of \(header.dtype.name) is \(header.byteCount) bytes)")
        }
        self.header = header
        data = UnsafeRawBufferPointer(rebasing: bytes[header.dataOffset...])
        self.owner = owner
        self.consumed = consumed
    }

    /// The array as a B×K float32 matrix (row-major), after `header.checkMatrix(limits)`.
    /// float32 in native order is copied; float16 and float64 (and big-endian data) are converted
    /// a block of rows at a time; Fortran order is transposed block by block. `progress(done,
    /// total)` is called after each block with the values converted so far.
    public func matrix(limits: ArrayLimits, progress: ((Int, Int) -> Void)? = nil) throws(NumPyError) -> Matrix {
        try matrix(limits: limits, progress: progress, blockValues: NPYConversion.blockValues)
    }

    /// `matrix(limits:progress:)` with `blockValues` values per block (tests use small blocks).
    func matrix(limits: ArrayLimits, progress: ((Int, Int) -> Void)?, blockValues: Int) throws(NumPyError) -> Matrix {
        let (rows, columns) = try header.checkMatrix(limits)
        let values = NPYConversion.floats(header, data, rows: rows, columns: columns, blockValues: blockValues,
                                          consumed: consumed, progress: progress)
        return withExtendedLifetime(owner) { Matrix(rows: rows, columns: columns, values: values) }
    }

    /// The array as B labels, after `header.checkLabels(limits)`; an unsigned value beyond
    /// `Int.max` is an error.
    public func labels(limits: ArrayLimits) throws(NumPyError) -> [Int] {
        _ = try header.checkLabels(limits)
        return try withExtendedLifetime(owner) { () throws(NumPyError) -> [Int] in try NPYConversion.integers(header, data) }
    }
}

extension NPYHeader {
    /// A B×K matrix of floats within the limits: (B, K), or the one-line reason it is not.
    public func checkMatrix(_ limits: ArrayLimits) throws(NumPyError) -> (rows: Int, columns: Int) {
        guard shape.count == 2 else {
            throw NumPyError("shape \(shapeText) is not [B, K]: expected a 2-D array of B rows of K classes")
        }
        guard dtype.kind == .float else {
            throw NumPyError("dtype '\(dtype.descr)' (\(dtype.name)) holds integers; logits and probabilities must be float16, float32 or float64")
        }
        if shape[1] > limits.maxClasses {
            throw NumPyError("shape \(shapeText) has \(shape[1]) classes; the limit is \(limits.maxClasses) (raise it with --max-classes)")
        }
        if count > limits.maxElements || shape[0] > limits.maxElements {
            throw NumPyError("shape \(shapeText) has \(count) elements; the limit is \(limits.maxElements) per matrix (raise it with --max-elements)")
        }
        return (shape[0], shape[1])
    }

    /// A vector of B integer labels within the limits: B, or the one-line reason it is not.
    public func checkLabels(_ limits: ArrayLimits) throws(NumPyError) -> Int {
        guard shape.count == 1 else {
            throw NumPyError("shape \(shapeText) is not [B]: labels must be a 1-D array of class indices")
        }
        guard dtype.kind != .float else {
            throw NumPyError("dtype '\(dtype.descr)' (\(dtype.name)): labels must be integers (int8 to int64, uint8 to uint64)")
        }
        guard count <= limits.maxElements else {
            throw NumPyError("\(count) labels; the limit is \(limits.maxElements) (raise it with --max-elements)")
        }
        return count
    }
}
