/// The smoothed target matrix q for a batch (`/v1/smooth`).
public enum SmoothTargets {
    /// q[b] = smoothing applied to row b's label or soft target; ignored rows are all zeros.
    /// Callers validate `source` and `smoothing` first (`TargetSource.validate`,
    /// `LabelSmoothing.validate`).
    public static func compute(_ source: TargetSource, numClasses k: Int, smoothing: LabelSmoothing) -> Matrix {
        var q = Matrix(rows: source.rowCount, columns: k)
        q.values.withUnsafeMutableBufferPointer { out in
            let base = out.baseAddress!
            switch source {
            case .labels(let labels, let ignoreIndex):
                for (b, y) in labels.enumerated() where y != ignoreIndex {
                    smoothing.fill(label: y, into: base + b * k, count: k)
                }
            case .probabilities(let t):
                t.values.withUnsafeBufferPointer { tp in
                    for b in 0..<t.rows {
                        smoothing.fill(target: tp.baseAddress! + b * k, into: base + b * k, count: k)
                    }
                }
            }
        }
        return q
    }
}
