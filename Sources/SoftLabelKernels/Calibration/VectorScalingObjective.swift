/// The mean NLL of vector scaling and its gradient, in float64 (Guo et al. 2017, §4.2):
///   F(a, b) = (1/N) Σ_i [log Σ_j e^(s_ij) − s_i,y_i],   s_ij = a_j z_ij + b_j,
///   ∂F/∂a_j = (1/N) Σ_i d_ij z_ij,   ∂F/∂b_j = (1/N) Σ_i d_ij,   d_i = softmax(s_i) − e_{y_i}.
/// N·K work per evaluation, row by row, SIMD4<Double> over the classes.
struct VectorScalingObjective {
    let logits: Matrix
    let labels: [Int]
    let k: Int
    let stride: Int
    private var z: [Double]
    private var s: [Double]
    private var ga: [Double]
    private var gb: [Double]
    private var a: [Double]
    private var b: [Double]

    init(logits: Matrix, labels: [Int]) {
        self.logits = logits
        self.labels = labels
        k = logits.columns
        stride = (k + 7) & ~7
        z = [Double](repeating: 0, count: stride)
        s = [Double](repeating: 0, count: stride)
        ga = [Double](repeating: 0, count: stride)
        gb = [Double](repeating: 0, count: stride)
        a = [Double](repeating: 0, count: stride)
        b = [Double](repeating: 0, count: stride)
    }

    /// F at (a, b); writes ∂F/∂a and ∂F/∂b (K each).
    mutating func evaluate(a aIn: [Double], b bIn: [Double], gradientA: inout [Double], gradientB: inout [Double]) -> Double {
        let k = self.k, stride = self.stride, n = logits.rows
        for j in 0..<k { a[j] = aIn[j]; b[j] = bIn[j] }
        for j in 0..<stride { ga[j] = 0; gb[j] = 0 }
        var total = CompensatedSum()
        logits.values.withUnsafeBufferPointer { x in
            a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
            z.withUnsafeMutableBufferPointer { z in
            s.withUnsafeMutableBufferPointer { s in
            ga.withUnsafeMutableBufferPointer { ga in
            gb.withUnsafeMutableBufferPointer { gb in
                let zp = z.baseAddress!, sp = s.baseAddress!
                for r in 0..<n {
                    ScalingBlockKernels.widen(x.baseAddress! + r * k, count: k, stride: stride, into: zp)
                    var j = 0
                    while j < stride {
                        ScalingBlockKernels.store(ScalingBlockKernels.load(b.baseAddress! + j)
                            .addingProduct(ScalingBlockKernels.load(a.baseAddress! + j), ScalingBlockKernels.load(zp + j)), sp + j)
                        j += 4
                    }
                    total.add(ScalingBlockKernels.softmaxResidual(sp, k: k, stride: stride, label: labels[r]))
                    j = 0
                    while j < stride {
                        let d = ScalingBlockKernels.load(sp + j)
                        ScalingBlockKernels.store(ScalingBlockKernels.load(ga.baseAddress! + j).addingProduct(d, ScalingBlockKernels.load(zp + j)), ga.baseAddress! + j)
                        ScalingBlockKernels.store(ScalingBlockKernels.load(gb.baseAddress! + j) + d, gb.baseAddress! + j)
                        j += 4
                    }
                }
            }}}}}}
        }
        let scale = 1 / Double(n)
        for j in 0..<k { gradientA[j] = ga[j] * scale; gradientB[j] = gb[j] * scale }
        return total.value * scale
    }

    /// a ⊙ z_i + b for every row, shifted and clamped as `ScaledScores.writeShifted`, as float32.
    mutating func scaledLogits(a aIn: [Double], b bIn: [Double]) -> Matrix {
        let k = self.k, n = logits.rows
        var out = [Float](repeating: 0, count: n * k)
        var row = [Double](repeating: 0, count: k)
        for r in 0..<n {
            for j in 0..<k { row[j] = aIn[j] * Double(logits.values[r * k + j]) + bIn[j] }
            row.withUnsafeBufferPointer { ScaledScores.writeShifted($0.baseAddress!, k: k, into: &out, at: r * k) }
        }
        return Matrix(rows: n, columns: k, values: out)
    }
}
