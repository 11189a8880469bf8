/// `/v1/representation`'s one pass over the features: the per-class sums of `RepresentationState`.
///
/// For each row x_i with label k: ‖x_i‖² in float64 (`RepresentationRows.squaredNorm`), then
/// S_k += x_i, U_k += x_i/‖x_i‖ in one sweep, and the compensated scalars Σ‖x‖, Σ‖x‖². O(B·D)
/// time, O(K·D) memory, never pairwise (the class-separation R² of Kornblith et al. 2021 follows
/// from U_k alone, `RepresentationMetrics`).
///
/// Non-finite values and zero rows are found by the pass itself, at no extra cost: a float32
/// row's ‖x‖² in float64 cannot overflow (≤ D·(3.4e38)² ≈ 1e84), so it is non-finite exactly
/// when the row holds a NaN or an infinity, and 0 exactly when every value is ±0.
public enum RepresentationPass {
    /// Checks the labels (one per row, in [0, K)) and returns K: `numClasses` when given, else
    /// the max label + 1 (saturating at `Int.max`, so a label of `Int.max` makes a K that any
    /// class limit refuses instead of trapping). Values are checked by `accumulate`.
    public static func validate(features: Matrix, labels: [Int], numClasses: Int?) throws(ValidationError) -> Int {
        guard labels.count == features.rows else {
            throw ValidationError(.shapeMismatch, "labels has \(labels.count) entries but features has \(features.rows) rows", path: "labels")
        }
        if let numClasses, numClasses < 1 {
            throw ValidationError(.invalidValue, "num_classes must be ≥ 1, got \(numClasses)", path: "num_classes")
        }
        for (i, y) in labels.enumerated() where y < 0 || (numClasses.map { y >= $0 } ?? false) {
            let range = numClasses.map { "[0, \($0))" } ?? "[0, ∞)"
            throw ValidationError(.labelOutOfRange, "label \(y) is outside \(range)", path: "labels[\(i)]")
        }
        if let numClasses { return numClasses }
        let (k, overflow) = (labels.max() ?? 0).addingReportingOverflow(1)
        return overflow ? .max : k
    }

    /// The state of `features` (B×D) with `labels` (validated, each in [0, numClasses)).
    /// Throws `nonFinite` at `features[i][j]` for a NaN or infinity, `invalidValue` at
    /// `features[i]` for a row of zeros (its direction, and so its cosine, is undefined).
    public static func accumulate(features: Matrix, labels: [Int], numClasses: Int) throws(ValidationError) -> RepresentationState {
        var state = RepresentationState(numClasses: numClasses, dimension: features.columns)
        var norms = [CompensatedSum](repeating: CompensatedSum(), count: numClasses)
        var squares = norms
        let d = features.columns
        let failure: ValidationError? = features.values.withUnsafeBufferPointer { x in
            state.featureSum.withUnsafeMutableBufferPointer { s in
                state.unitSum.withUnsafeMutableBufferPointer { u in
                    guard let x = x.baseAddress, let s = s.baseAddress, let u = u.baseAddress else { return nil }
                    for i in 0..<labels.count {
                        let row = x + i &* d
                        let squared = RepresentationRows.squaredNorm(row, d)
                        guard squared.isFinite, squared > 0 else { return rowError(row, d, i) }
                        let norm = squared.squareRoot()
                        let k = labels[i]
                        RepresentationRows.accumulate(row, d, scale: 1 / norm, featureSum: s + k &* d, unitSum: u + k &* d)
                        norms[k].add(norm)
                        squares[k].add(squared)
                        state.classCount[k] &+= 1
                    }
                    return nil
                }
            }
        }
        if let failure { throw failure }
        state.normSum = norms.map(\.value)
        state.squaredNormSum = squares.map(\.value)
        return state
    }

    /// The error of row `i`, whose squared norm is non-finite or 0.
    static func rowError(_ row: UnsafePointer<Float>, _ d: Int, _ i: Int) -> ValidationError {
        for j in 0..<d where !row[j].isFinite {
            return ValidationError(.nonFinite, "values must be finite numbers, got \(row[j])", path: "features[\(i)][\(j)]")
        }
        return ValidationError(.invalidValue, "row \(i) has zero norm: a feature vector needs a direction for its cosine distances", path: "features[\(i)]")
    }
}
