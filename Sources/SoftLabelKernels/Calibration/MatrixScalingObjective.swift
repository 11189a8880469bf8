/// The mean NLL of matrix scaling and its gradient, in float64 (Guo et al. 2017, §4.2):
///   F(W, b) = (1/N) Σ_i [log Σ_j e^(s_ij) − s_i,y_i],   s_i = W z_i + b,
///   ∂F/∂W = (1/N) Dᵀ Z,   ∂F/∂b = (1/N) Σ_i d_i,   d_i = softmax(s_i) − e_{y_i}.
/// One evaluation streams the logits in blocks of `blockRows` rows (widened to float64 once per
/// block) through `ScalingBlockKernels`: 2·N·K² multiply-adds, O(blockRows·K + K²) memory whatever N.
/// Vector scaling is the special case W = diag(a) (`VectorScalingObjective`, N·K work).
struct MatrixScalingObjective {
    static let blockRows = 32
    let logits: Matrix
    let labels: [Int]
    let k: Int
    let stride: Int
    private var wt: [Double]
    private var bias: [Double]
    private var z: [Double]
    private var s: [Double]
    private var g: [Double]
    private var gb: [Double]

    init(logits: Matrix, labels: [Int]) {
        self.logits = logits
        self.labels = labels
        k = logits.columns
        stride = (k + 7) & ~7
        wt = [Double](repeating: 0, count: k * stride)
        bias = [Double](repeating: 0, count: stride)
        z = [Double](repeating: 0, count: Self.blockRows * stride)
        s = [Double](repeating: 0, count: Self.blockRows * stride)
        g = [Double](repeating: 0, count: stride * stride)
        gb = [Double](repeating: 0, count: stride)
    }

    /// F at (W, b) (W row-major K×K, b of K); writes ∂F/∂W (row-major) and ∂F/∂b.
    mutating func evaluate(w: [Double], b: [Double], gradientW: inout [Double], gradientB: inout [Double]) -> Double {
        let k = self.k, stride = self.stride, n = logits.rows
        load(w: w, b: b)
        for i in g.indices { g[i] = 0 }
        for i in gb.indices { gb[i] = 0 }
        var total = CompensatedSum()
        logits.values.withUnsafeBufferPointer { x in
            wt.withUnsafeBufferPointer { wt in
            bias.withUnsafeBufferPointer { bias in
            z.withUnsafeMutableBufferPointer { z in
            s.withUnsafeMutableBufferPointer { s in
            g.withUnsafeMutableBufferPointer { g in
            gb.withUnsafeMutableBufferPointer { gb in
                Self.forEachBlock(x, rows: n, k: k, stride: stride, wt: wt, bias: bias, z: z, s: s) { start, count, rows in
                    var blockSum = 0.0
                    for r in 0..<rows {
                        let row = s.baseAddress! + r * stride
                        if r < count {
                            blockSum += ScalingBlockKernels.softmaxResidual(row, k: k, stride: stride, label: labels[start + r])
                            for j in 0..<k { gb[j] += row[j] }
                        } else {
                            for j in 0..<stride { row[j] = 0 }
                        }
                    }
                    total.add(blockSum)
                    ScalingBlockKernels.accumulateGradient(d: s.baseAddress!, z: z.baseAddress!, rows: rows, k: k, stride: stride, into: g.baseAddress!)
                }
            }}}}}}
        }
        let scale = 1 / Double(n)
        for i in 0..<k {
            for j in 0..<k { gradientW[i * k + j] = g[i * stride + j] * scale }
            gradientB[i] = gb[i] * scale
        }
        return total.value * scale
    }

    /// W transposed (row stride `stride`) and b into the scratch the block kernels read.
    private mutating func load(w: [Double], b: [Double]) {
        for i in 0..<k {
            for j in 0..<k { wt[j * stride + i] = w[i * k + j] }
            bias[i] = b[i]
        }
    }

    /// For each block of up to `blockRows` rows from `start`: the rows widened to float64 into
    /// `z` (padded with zero rows to `rows`, a multiple of 4, for the 4-row kernels), their scores
    /// W z + b into `s`, then `body(start, count, rows)`.
    private static func forEachBlock(_ x: UnsafeBufferPointer<Float>, rows n: Int, k: Int, stride: Int,
                                     wt: UnsafeBufferPointer<Double>, bias: UnsafeBufferPointer<Double>,
                                     z: UnsafeMutableBufferPointer<Double>, s: UnsafeMutableBufferPointer<Double>,
                                     _ body: (_ start: Int, _ count: Int, _ rows: Int) -> Void) {
        var start = 0
        while start < n {
            let count = Swift.min(blockRows, n - start)
            let rows = (count + 3) & ~3
            for r in 0..<rows {
                if r < count {
                    ScalingBlockKernels.widen(x.baseAddress! + (start + r) * k, count: k, stride: stride, into: z.baseAddress! + r * stride)
                } else {
                    for j in 0..<stride { z[r * stride + j] = 0 }
                }
            }
            ScalingBlockKernels.scores(z: z.baseAddress!, wt: wt.baseAddress!, bias: bias.baseAddress!, rows: rows, k: k, stride: stride, into: s.baseAddress!)
            body(start, count, rows)
            start += count
        }
    }

    /// The scaled logits W z_i + b of every row, shifted by their row maximum (so ≤ 0, the
    /// maximum exactly 0) and clamped below at −1e30, as float32: the softmax of each row is that
    /// of the float64 scores to float32 rounding, and no value overflows.
    mutating func scaledLogits(w: [Double], b: [Double]) -> Matrix {
        let k = self.k, stride = self.stride, n = logits.rows
        load(w: w, b: b)
        var out = [Float](repeating: 0, count: n * k)
        logits.values.withUnsafeBufferPointer { x in
            wt.withUnsafeBufferPointer { wt in
            bias.withUnsafeBufferPointer { bias in
            z.withUnsafeMutableBufferPointer { z in
            s.withUnsafeMutableBufferPointer { s in
                Self.forEachBlock(x, rows: n, k: k, stride: stride, wt: wt, bias: bias, z: z, s: s) { start, count, rows in
                    for r in 0..<count {
                        ScaledScores.writeShifted(s.baseAddress! + r * stride, k: k, into: &out, at: (start + r) * k)
                    }
                }
            }}}}
        }
        return Matrix(rows: n, columns: k, values: out)
    }
}
