/// The sufficient statistics of every `/v1/representation` field but `projection`
/// (docs/api.md, "POST /v1/representation"): per class k, the count N_k, the sums
/// S_k = Σ_{i∈k} x_i and U_k = Σ_{i∈k} x_i/‖x_i‖, and the scalar sums Σ‖x_i‖ and Σ‖x_i‖².
///
/// Its size is K·(2D + 3) numbers, never B. Sums are `Double`: the vector sums are plain float64
/// sums of exact float32→float64 terms (relative error ≤ N_k·2⁻⁵³ of Σ|x|, ≤ 2e-9 at 16 M rows),
/// the scalar norm sums Neumaier-compensated within a pass (`CompensatedSum`), so the metrics of
/// merged states equal those of one pass over the concatenated rows to ~1e-13 relative whatever
/// the split (tested at 1e-9).
///
/// Layout: `featureSum` and `unitSum` are class-major, entry `k * dimension + j` is component j
/// of class k. A class with N_k = 0 has all its sums 0.
public struct RepresentationState: Sendable, Equatable {
    /// Layout version; states of another version are rejected by `validate`.
    public static let currentVersion = 1
    /// The largest count a state holds (2⁵³ − 1, exact in float64 and in JSON numbers).
    public static let maximumCount = 9_007_199_254_740_991

    public var version: Int
    /// K, the number of classes.
    public var numClasses: Int
    /// D, the feature dimension.
    public var dimension: Int
    /// N_k, rows per class.
    public var classCount: [Int]
    /// S_k = Σ_{i∈k} x_i, K×D class-major.
    public var featureSum: [Double]
    /// U_k = Σ_{i∈k} x_i/‖x_i‖, K×D class-major.
    public var unitSum: [Double]
    /// Σ_{i∈k} ‖x_i‖₂ per class.
    public var normSum: [Double]
    /// Σ_{i∈k} ‖x_i‖₂² per class.
    public var squaredNormSum: [Double]

    /// The empty state (the identity of `merge`). `numClasses·dimension` must have been checked
    /// against the caller's limits: this allocates 2·K·D doubles.
    public init(numClasses: Int, dimension: Int) {
        let cells = numClasses.multipliedReportingOverflow(by: dimension)
        precondition(numClasses >= 1 && dimension >= 1 && !cells.overflow, "state size must be checked first")
        version = Self.currentVersion
        self.numClasses = numClasses
        self.dimension = dimension
        classCount = [Int](repeating: 0, count: numClasses)
        featureSum = [Double](repeating: 0, count: cells.partialValue)
        unitSum = featureSum
        normSum = [Double](repeating: 0, count: numClasses)
        squaredNormSum = normSum
    }

    /// A state from its serialised fields; call `validate(path:)` before using it.
    public init(version: Int, numClasses: Int, dimension: Int, classCount: [Int], featureSum: [Double], unitSum: [Double],
                normSum: [Double], squaredNormSum: [Double]) {
        self.version = version
        self.numClasses = numClasses
        self.dimension = dimension
        self.classCount = classCount
        self.featureSum = featureSum
        self.unitSum = unitSum
        self.normSum = normSum
        self.squaredNormSum = squaredNormSum
    }

    /// N, all rows.
    public var count: Int { classCount.reduce(0, +) }

    /// Relative slack of the Cauchy–Schwarz style bounds below (rounding of sums and of many merges).
    static let boundTolerance = 1e-6

    /// Checks a state read back from JSON: known version, array sizes that agree with K and D
    /// (checked arithmetic), and statistics some rows could have produced:
    /// - counts are integers in [0, `maximumCount`] whose total stays ≤ `maximumCount`;
    /// - every sum is finite, the norm sums ≥ 0; a class without rows has all sums 0;
    /// - per class, ‖U_k‖ ≤ N_k (unit vectors), ‖S_k‖ ≤ Σ‖x‖ (triangle inequality) and
    ///   (Σ‖x‖)² ≤ N_k·Σ‖x‖² (Cauchy–Schwarz), each within `boundTolerance`.
    /// What passes keeps every metric finite and in its range.
    public func validate(path: String = "state") throws(ValidationError) {
        func fail(_ field: String, _ message: String) -> ValidationError {
            ValidationError(.invalidValue, message, path: "\(path).\(field)")
        }
        guard version == Self.currentVersion else { throw fail("version", "unsupported state version \(version), expected \(Self.currentVersion)") }
        guard numClasses >= 1 else { throw fail("num_classes", "num_classes must be ≥ 1, got \(numClasses)") }
        guard dimension >= 1 else { throw fail("dimension", "dimension must be ≥ 1, got \(dimension)") }
        let cells = numClasses.multipliedReportingOverflow(by: dimension)
        guard classCount.count == numClasses, normSum.count == numClasses, squaredNormSum.count == numClasses else {
            throw ValidationError(.shapeMismatch, "class_count, norm_sum and squared_norm_sum must have num_classes (\(numClasses)) entries", path: "\(path).class_count")
        }
        guard !cells.overflow, featureSum.count == cells.partialValue, unitSum.count == cells.partialValue else {
            throw ValidationError(.shapeMismatch, "feature_sum and unit_sum must have num_classes × dimension (\(numClasses) × \(dimension)) entries",
                                  path: "\(path).feature_sum")
        }
        var total = 0
        for k in 0..<numClasses {
            let n = classCount[k]
            guard n >= 0, n <= Self.maximumCount - total else {
                throw fail("class_count[\(k)]", "counts must be whole numbers ≥ 0 adding up to at most \(Self.maximumCount)")
            }
            total += n
            let norms = normSum[k], squares = squaredNormSum[k]
            guard norms.isFinite, norms >= 0 else { throw fail("norm_sum[\(k)]", "must be a finite number ≥ 0, got \(norms)") }
            guard squares.isFinite, squares >= 0 else { throw fail("squared_norm_sum[\(k)]", "must be a finite number ≥ 0, got \(squares)") }
            let range = (k * dimension)..<((k + 1) * dimension)
            var featureSquares = 0.0, unitSquares = 0.0
            for j in range {
                guard featureSum[j].isFinite else { throw fail("feature_sum[\(j)]", "must be finite, got \(featureSum[j])") }
                guard unitSum[j].isFinite else { throw fail("unit_sum[\(j)]", "must be finite, got \(unitSum[j])") }
                featureSquares += featureSum[j] * featureSum[j]
                unitSquares += unitSum[j] * unitSum[j]
            }
            let slack = 1 + Self.boundTolerance
            if n == 0 {
                guard norms == 0, squares == 0, featureSquares == 0, unitSquares == 0 else {
                    throw fail("class_count[\(k)]", "class \(k) has no rows, so all its sums must be 0")
                }
                continue
            }
            guard unitSquares.squareRoot() <= Double(n) * slack else {
                throw fail("unit_sum", "class \(k): a sum of \(n) unit vectors cannot be longer than \(n)")
            }
            guard featureSquares.squareRoot() <= norms * slack else {
                throw fail("feature_sum", "class \(k): ‖Σx‖ cannot exceed Σ‖x‖ (\(norms))")
            }
            guard norms * norms <= Double(n) * squares * slack * slack else {
                throw fail("squared_norm_sum[\(k)]", "class \(k): (Σ‖x‖)² cannot exceed N_k·Σ‖x‖²")
            }
        }
        guard total >= 1 else { throw fail("class_count", "a state holds at least one row") }
    }

    /// The state of the concatenated rows of `states` (same K and D, each validated): counts are
    /// added exactly, sums in float64 (the norm sums compensated). Nil when `states` is empty.
    public static func merge(_ states: [RepresentationState], path: String = "states") throws(ValidationError) -> RepresentationState? {
        guard let first = states.first else { return nil }
        var merged = RepresentationState(numClasses: first.numClasses, dimension: first.dimension)
        var norms = [CompensatedSum](repeating: CompensatedSum(), count: first.numClasses)
        var squares = norms
        var total = 0
        for (i, s) in states.enumerated() {
            guard s.numClasses == first.numClasses, s.dimension == first.dimension else {
                throw ValidationError(.shapeMismatch,
                                      "every state must have the same num_classes and dimension as states[0] (\(first.numClasses), \(first.dimension)); got (\(s.numClasses), \(s.dimension))",
                                      path: "\(path)[\(i)]")
            }
            for k in 0..<s.numClasses {
                guard s.classCount[k] <= maximumCount - total else {
                    throw ValidationError(.tooLarge, "the merged states hold more than \(maximumCount) rows", path: "\(path)[\(i)].class_count")
                }
                total += s.classCount[k]
                merged.classCount[k] += s.classCount[k]
                norms[k].add(s.normSum[k])
                squares[k].add(s.squaredNormSum[k])
            }
            merged.featureSum.withUnsafeMutableBufferPointer { out in s.featureSum.withUnsafeBufferPointer { RepresentationRows.add($0, into: out) } }
            merged.unitSum.withUnsafeMutableBufferPointer { out in s.unitSum.withUnsafeBufferPointer { RepresentationRows.add($0, into: out) } }
        }
        merged.normSum = norms.map(\.value)
        merged.squaredNormSum = squares.map(\.value)
        return merged
    }
}
