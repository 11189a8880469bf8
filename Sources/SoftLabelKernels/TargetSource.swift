/// What a row is supervised with: an index label (one-hot y) or a soft target row t.
public enum TargetSource: Sendable, Equatable {
    /// Class indices in [0, K); a row whose label equals `ignoreIndex` is skipped
    /// (zero loss, zero gradient, zero smoothed target), as PyTorch's `ignore_index`.
    case labels([Int], ignoreIndex: Int?)
    /// B×K probability rows (entries in [0, 1], each row summing to 1 ± 1e-3).
    case probabilities(Matrix)

    public var rowCount: Int {
        switch self {
        case .labels(let labels, _): labels.count
        case .probabilities(let t): t.rows
        }
    }

    /// Tolerance on a soft target row summing to 1 (docs/api.md: "rows summing to 1 ± 1e-3").
    public static let rowSumTolerance: Double = 1e-3

    /// Checks labels against [0, K) ∪ {ignoreIndex}, or soft targets against K columns,
    /// entries in [0, 1] and rows that are distributions (unless `requireDistributions` is false,
    /// as for multi-label binary targets).
    public func validate(numClasses k: Int, path: String, requireDistributions: Bool = true) throws(ValidationError) {
        switch self {
        case .labels(let labels, let ignoreIndex):
            for (i, y) in labels.enumerated() where y != ignoreIndex && (y < 0 || y >= k) {
                let ignored = ignoreIndex.map { " or ignore_index \($0)" } ?? ""
                throw ValidationError(.labelOutOfRange, "label \(y) is out of range: expected an integer in [0, \(k))\(ignored)", path: "\(path)[\(i)]")
            }
        case .probabilities(let t):
            guard t.columns == k else {
                throw ValidationError(.shapeMismatch, "\(path) has \(t.columns) columns, expected \(k) (one per class)", path: path)
            }
            for r in 0..<t.rows {
                var sum: Double = 0
                for c in 0..<k {
                    let v = t[r, c]
                    guard v.isFinite, v >= 0, v <= 1 else {
                        throw ValidationError(.invalidValue, "target entries must be in [0, 1], got \(v)", path: "\(path)[\(r)][\(c)]")
                    }
                    sum += Double(v)
                }
                if requireDistributions, abs(sum - 1) > Self.rowSumTolerance {
                    throw ValidationError(.invalidValue, "each target row must sum to 1 (±1e-3), this one sums to \(sum)", path: "\(path)[\(r)]")
                }
            }
        }
    }

    /// True when row `b` is skipped (its label is the ignore index).
    @inlinable
    public func isIgnored(_ b: Int) -> Bool {
        if case .labels(let labels, let ignoreIndex?) = self { return labels[b] == ignoreIndex }
        return false
    }
}

/// Checks that every value of a matrix is finite (JSON cannot carry NaN/inf, binary tensors can).
///
/// Cost: one vectorised pass over the bits (`allFinite`, memory-bound: ~0.02 ms for 256×1000,
/// where the element-by-element loop took ~0.3 ms); the search that names the first offending
/// element runs only when there is one.
public func validateFinite(_ m: Matrix, path: String) throws(ValidationError) {
    if m.values.withUnsafeBufferPointer(allFinite) { return }
    for (i, v) in m.values.enumerated() where !v.isFinite {
        throw ValidationError(.nonFinite, "values must be finite numbers, got \(v)", path: "\(path)[\(i / max(m.columns, 1))][\(i % max(m.columns, 1))]")
    }
}

/// True when no element of `v` is NaN or ±infinity.
///
/// An IEEE float32 is non-finite exactly when its 8 exponent bits are all ones. Adding one unit
/// of the lowest exponent bit to the isolated exponent field carries into bit 31 for those values
/// only, so an OR over every element's sum has bit 31 set iff one is non-finite: no compare, no
/// branch, 8 lanes at a time.
func allFinite(_ v: UnsafeBufferPointer<Float>) -> Bool {
    guard let base = v.baseAddress else { return true }
    let raw = UnsafeRawPointer(base)
    let exponent = SIMD8<UInt32>(repeating: 0x7F80_0000)
    let carry = SIMD8<UInt32>(repeating: 0x0080_0000)
    var lanes = SIMD8<UInt32>.zero
    var i = 0
    while i + 8 <= v.count {
        lanes |= (raw.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<UInt32>.self) & exponent) &+ carry
        i &+= 8
    }
    var any: UInt32 = 0
    while i < v.count {
        any |= (v[i].bitPattern & 0x7F80_0000) &+ 0x0080_0000
        i &+= 1
    }
    for lane in 0..<8 { any |= lanes[lane] }
    return any & 0x8000_0000 == 0
}

/// Checks a vector of non-negative finite values with one entry per class (e.g. class weights).
public func validateClassVector(_ v: [Float], numClasses k: Int, path: String) throws(ValidationError) {
    guard v.count == k else {
        throw ValidationError(.shapeMismatch, "\(path) has \(v.count) entries, expected \(k) (one per class)", path: path)
    }
    for (i, x) in v.enumerated() where !(x.isFinite && x >= 0) {
        throw ValidationError(.invalidValue, "\(path) entries must be finite and ≥ 0, got \(x)", path: "\(path)[\(i)]")
    }
}
