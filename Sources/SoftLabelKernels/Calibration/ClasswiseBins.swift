/// The per-(class, bin) statistics of classwise ECE (Kull et al. 2019), accumulated row by row.
///
/// Each class k bins its own p_k with the default edge rule (docs/api.md), so a row touches K
/// cells. Almost all p_k of a K-class row sit in bin 0 (p_k < 1/bins), so bin 0 is kept
/// implicitly: a SIMD sweep adds every p_k to a per-class `Double` total, and only lanes with
/// p_k·bins ≥ 0.999 (a conservative float32 filter) take the scalar path, which finds the exact
/// bin (`lowerClosedBin`) and records bins ≥ 1. At the end
///   n_k0 = rows − Σ_{b≥1} n_kb,   Σp_k0 = total_k − Σ_{b≥1} Σp_kb
/// (the subtraction costs ≤ 1 ulp of total_k). Positives (rows with y = k) are one scatter per row.
/// The cells live in the three arrays that become the state's (`accumulate`), so they are
/// allocated and zeroed once and never copied.
final class ClasswiseBins {
    let classes: Int
    let bins: Int
    private let binsD: Double
    private let filter: SIMD8<Float>
    private let totals: UnsafeMutablePointer<Double>
    private let counts: UnsafeMutablePointer<Int>
    private let positives: UnsafeMutablePointer<Int>
    private let sums: UnsafeMutablePointer<Double>
    private var rows = 0

    /// Runs `body` with bins that write into three new zeroed arrays of classes × bins cells,
    /// and returns them with bin 0 filled in: the state's `classBin*` arrays.
    static func accumulate(classes: Int, bins: Int, _ body: (ClasswiseBins) -> Void)
        -> (count: [Int], positives: [Int], probabilitySum: [Double]) {
        let cells = classes * bins
        precondition(cells >= 1)
        var count = [Int](repeating: 0, count: cells)
        var positives = [Int](repeating: 0, count: cells)
        var sum = [Double](repeating: 0, count: cells)
        count.withUnsafeMutableBufferPointer { c in
            positives.withUnsafeMutableBufferPointer { p in
                sum.withUnsafeMutableBufferPointer { s in
                    let bins = ClasswiseBins(classes: classes, bins: bins, counts: c.baseAddress!, positives: p.baseAddress!, sums: s.baseAddress!)
                    body(bins)
                    bins.fillFirstBin()
                }
            }
        }
        return (count, positives, sum)
    }

    private init(classes: Int, bins: Int, counts: UnsafeMutablePointer<Int>, positives: UnsafeMutablePointer<Int>,
                 sums: UnsafeMutablePointer<Double>) {
        self.classes = classes
        self.bins = bins
        binsD = Double(bins)
        filter = SIMD8(repeating: 0.999)
        totals = .allocate(capacity: Swift.max(classes, 1)); totals.initialize(repeating: 0, count: classes)
        self.counts = counts
        self.positives = positives
        self.sums = sums
    }

    deinit { totals.deallocate() }

    /// Adds one row of p_k = values_k · scale (scale = 1/S for softmax numerators, 1 for
    /// probabilities) with label y.
    @inline(__always)
    func add(_ values: UnsafePointer<Float>, scale: Float, label y: Int) {
        rows += 1
        let k = classes
        let scaleV = SIMD8<Float>(repeating: scale)
        let binsV = SIMD8<Float>(repeating: Float(bins))
        var j = 0
        while j + 8 <= k {
            let p = Row.load(values + j) * scaleV
            let t0 = UnsafeMutableRawPointer(totals + j).loadUnaligned(as: SIMD4<Double>.self) + SIMD4<Double>(p.lowHalf)
            let t1 = UnsafeMutableRawPointer(totals + j + 4).loadUnaligned(as: SIMD4<Double>.self) + SIMD4<Double>(p.highHalf)
            UnsafeMutableRawPointer(totals + j).storeBytes(of: t0, as: SIMD4<Double>.self)
            UnsafeMutableRawPointer(totals + j + 4).storeBytes(of: t1, as: SIMD4<Double>.self)
            let candidates = p * binsV .>= filter
            if any(candidates) {
                // The flagged lanes, lowest first (a row has a handful); p_k recomputed from
                // memory (the same product) rather than extracted from the vector.
                for lane in 0..<8 where candidates[lane] { addAboveFirstBin(values[j + lane] * scale, j + lane) }
            }
            j += 8
        }
        while j < k {
            let p = values[j] * scale
            totals[j] += Double(p)
            addAboveFirstBin(p, j)
            j += 1
        }
        positives[y * bins + lowerClosedBin(values[y] * scale, bins: binsD, last: bins - 1)] += 1
    }

    @inline(__always)
    private func addAboveFirstBin(_ p: Float, _ j: Int) {
        let b = lowerClosedBin(p, bins: binsD, last: bins - 1)
        if b > 0 {
            counts[j * bins + b] += 1
            sums[j * bins + b] += Double(p)
        }
    }

    /// Bin 0 of every class from the rows and the class totals.
    private func fillFirstBin() {
        for k in 0..<classes {
            var n = 0
            var s = 0.0
            for b in 1..<bins {
                n += counts[k * bins + b]
                s += sums[k * bins + b]
            }
            counts[k * bins] = rows - n
            sums[k * bins] = Swift.max(totals[k] - s, 0)
        }
    }
}
