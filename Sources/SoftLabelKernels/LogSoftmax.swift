import RealModule

/// Numerically stable log-sum-exp, softmax and log-softmax over rows.
///
/// log Σ_k e^(x_k/T) = m + log Σ_k e^(x_k/T − m) with m = max_k x_k/T, so no term overflows
/// and the largest term is exactly 1 at every T: its exponent is fl(x_max·s) − fl(x_max·s) = 0
/// because the product and the subtraction are not fused (`Row.sumExp`); the sum is in [1, K]. Two passes over a row (max, then
/// exp-sum); a row of ≤ 8,000 classes is L1-resident after the first, so memory sees one pass.
/// Accuracy: the log-sum-exp is within 2e-7·(|m| + log K) absolute of the exact value for
/// K ≤ 10⁴ (exp ≤ 2 ulp, float32 lane sums, `Float.log` correctly rounded to < 1 ulp).
/// Shift-invariant: adding c to every logit adds exactly c to the result when c·(1/T) is
/// exact, and leaves softmax unchanged.
public enum Softmax {
    /// log Σ_k e^(x_k · inverseTemperature) over one row.
    @inlinable
    public static func logSumExp(_ row: UnsafePointer<Float>, count: Int, inverseTemperature: Float = 1) -> Float {
        let m = Row.max(row, count) * inverseTemperature
        let s = Row.sumExp(row, count, scale: inverseTemperature, shift: m)
        return m + Float.log(s)
    }

    /// Softmax of each row of `logits / temperature`.
    public static func probabilities(_ logits: Matrix, temperature: Float = 1) -> Matrix {
        var out = Matrix(rows: logits.rows, columns: logits.columns)
        let k = logits.columns
        let scale = 1 / temperature
        logits.values.withUnsafeBufferPointer { x in
            out.values.withUnsafeMutableBufferPointer { o in
                for b in 0..<logits.rows {
                    let row = x.baseAddress! + b * k
                    let m = Row.max(row, k) * scale
                    let s = Row.exp(row, k, scale: scale, shift: m, into: o.baseAddress! + b * k)
                    let inv = 1 / s
                    for j in 0..<k { o[b * k + j] *= inv }
                }
            }
        }
        return out
    }

    /// log-softmax of each row of `logits / temperature`: x_k/T − logsumexp(x/T).
    public static func logProbabilities(_ logits: Matrix, temperature: Float = 1) -> Matrix {
        var out = Matrix(rows: logits.rows, columns: logits.columns)
        let k = logits.columns
        let scale = 1 / temperature
        logits.values.withUnsafeBufferPointer { x in
            out.values.withUnsafeMutableBufferPointer { o in
                for b in 0..<logits.rows {
                    let row = x.baseAddress! + b * k
                    let lse = logSumExp(row, count: k, inverseTemperature: scale)
                    for j in 0..<k { o[b * k + j] = row[j] * scale - lse }
                }
            }
        }
        return out
    }
}
