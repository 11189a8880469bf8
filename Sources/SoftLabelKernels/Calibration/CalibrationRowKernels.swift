/// SIMD row kernels of the calibration pass and of temperature scaling.
///
/// Each walks one row of K float32 values once with eight-lane accumulators. Lane sums run
/// in float32 over blocks of `blockLength` values and are added to `Double` per block, so the
/// relative error of a sum of same-sign terms stays ≤ blockLength/8 · 2⁻²⁴ ≈ 4e-6 worst case
/// (typically ~1e-7) for any K, instead of growing with K.
@usableFromInline
enum CalibrationRowKernels {
    @usableFromInline static let blockLength = 512

    /// e_k = exp(d_k) with d_k = x_k·scale − shift, stored into `e`, and the three moments
    /// Σ e_k, Σ e_k·d_k, Σ e_k² that give the softmax's sum, entropy and Σ p² in one pass:
    /// with S = Σe, p_k = e_k/S, log p_k = d_k − log S:
    ///   H = −Σ p log p = log S − (Σ e·d)/S,   Σ p² = (Σ e²)/S².
    /// d_k is fl(fl(x_k·scale) − shift), not a fused multiply-add: with shift = fl(max·scale)
    /// the row's maximum gets d = 0 exactly and every other d ≤ 0 (rounding is monotone), so
    /// S ≥ 1 and no e_k exceeds 1. (A fused x·scale − fl(max·scale) leaves the rounding error
    /// of max·scale in the maximum's d: for |max·scale| ≳ 10¹¹ that exceeds 88 and e^d
    /// overflows to ∞, a NaN softmax.) Every term of the first two sums has one sign (e ≥ 0, d ≤ 0).
    @inlinable
    static func exponentialMoments(_ x: UnsafePointer<Float>, _ k: Int, scale: Float, shift: Float,
                                   into e: UnsafeMutablePointer<Float>) -> (sum: Double, weightedShift: Double, sumSquares: Double) {
        let sc = SIMD8<Float>(repeating: scale)
        let sh = SIMD8<Float>(repeating: shift)
        var sum = 0.0, weighted = 0.0, squares = 0.0
        var i = 0
        while i < k {
            let end = Swift.min(i + blockLength, k)
            var s = SIMD8<Float>.zero
            var sd = SIMD8<Float>.zero
            var s2 = SIMD8<Float>.zero
            while i + 8 <= end {
                let d = Row.load(x + i) * sc - sh
                let ev = simdExp(d)
                Row.store(ev, e + i)
                s += ev
                sd = sd.addingProduct(ev, d)
                s2 = s2.addingProduct(ev, ev)
                i += 8
            }
            if i < end {
                let n = end - i
                let live = SIMD8<Int32>(0, 1, 2, 3, 4, 5, 6, 7) .< SIMD8<Int32>(repeating: Int32(n))
                let d = SIMD8<Float>.zero.replacing(with: Row.loadPartial(x + i, n, fill: 0) * sc - sh, where: live)
                let ev = SIMD8<Float>.zero.replacing(with: simdExp(d), where: live)
                Row.storePartial(ev, e + i, n)
                s += ev
                sd = sd.addingProduct(ev, d)
                s2 = s2.addingProduct(ev, ev)
                i = end
            }
            sum += Double(Row.horizontalSum(s))
            weighted += Double(Row.horizontalSum(sd))
            squares += Double(Row.horizontalSum(s2))
        }
        return (sum, weighted, squares)
    }

    /// Lane-wise maximum as compare + blend. `pointwiseMax` on `SIMD8<Float>` is not inlined
    /// (a generic call per vector, measured at ~30 % of the calibration pass), this is.
    @inlinable @inline(__always)
    static func laneMax(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
        a.replacing(with: b, where: b .> a)
    }

    /// max_k x_k (finite input), two accumulators to hide the blend latency.
    @inlinable
    static func maximum(_ x: UnsafePointer<Float>, _ k: Int) -> Float {
        var m0 = SIMD8<Float>(repeating: -.infinity)
        var m1 = m0
        var i = 0
        while i + 16 <= k {
            m0 = laneMax(m0, Row.load(x + i))
            m1 = laneMax(m1, Row.load(x + i + 8))
            i += 16
        }
        if i + 8 <= k {
            m0 = laneMax(m0, Row.load(x + i))
            i += 8
        }
        var m = laneMax(m0, m1)
        if i < k { m = laneMax(m, Row.loadPartial(x + i, k - i, fill: -.infinity)) }
        var result = m[0]
        for lane in 1..<8 where m[lane] > result { result = m[lane] }
        return result
    }

    /// The first index of the row's maximum `m` (numpy/PyTorch `argmax` tie rule).
    @inlinable
    static func firstIndex(of m: Float, in x: UnsafePointer<Float>, _ k: Int) -> Int {
        let mv = SIMD8<Float>(repeating: m)
        var i = 0
        while i + 8 <= k {
            if any(Row.load(x + i) .== mv) { break }
            i += 8
        }
        while i < k, x[i] != m { i += 1 }
        return Swift.min(i, k - 1)
    }

    /// Rank of the label's score among the row's scores, ties broken by lower index first:
    /// #{j < y : x_j ≥ x_y} + #{j > y : x_j > x_y}. The label is in the top k iff rank < k, and
    /// rank 0 iff y is the first argmax, so top-1 accuracy equals `accuracy` even with ties.
    /// (scikit-learn's `top_k_accuracy_score` breaks ties the other way; with distinct scores
    /// the two agree.) Softmax is monotone, so ranking logits ranks probabilities.
    @inlinable
    static func rank(of y: Int, in x: UnsafePointer<Float>, _ k: Int) -> Int {
        let xy = x[y]
        let v = SIMD8<Float>(repeating: xy)
        var counts = SIMD8<Int32>.zero
        let one = SIMD8<Int32>(repeating: 1)
        var i = 0
        while i + 8 <= y {
            counts &+= SIMD8<Int32>.zero.replacing(with: one, where: Row.load(x + i) .>= v)
            i += 8
        }
        var tail = 0
        while i < y {
            if x[i] >= xy { tail += 1 }
            i += 1
        }
        i = y + 1
        while i + 8 <= k {
            counts &+= SIMD8<Int32>.zero.replacing(with: one, where: Row.load(x + i) .> v)
            i += 8
        }
        while i < k {
            if x[i] > xy { tail += 1 }
            i += 1
        }
        return Int(counts.wrappedSum()) + tail
    }

    /// For temperature scaling at inverse temperature β, with a_k = x_k − max x (≤ 0) and
    /// w_k = e^(β a_k): Σ w, Σ w·a, Σ w·a². Then for one row
    ///   NLL(β) = log Σw − β a_y,  dNLL/dβ = E_p[a] − a_y,  d²NLL/dβ² = Var_p[a] ≥ 0.
    @inlinable
    static func temperatureMoments(_ x: UnsafePointer<Float>, _ k: Int, max m: Float, beta: Float)
        -> (sum: Double, first: Double, second: Double) {
        let mv = SIMD8<Float>(repeating: m)
        let bv = SIMD8<Float>(repeating: beta)
        var sum = 0.0, first = 0.0, second = 0.0
        var i = 0
        while i < k {
            let end = Swift.min(i + blockLength, k)
            var s = SIMD8<Float>.zero
            var s1 = SIMD8<Float>.zero
            var s2 = SIMD8<Float>.zero
            while i + 8 <= end {
                let a = Row.load(x + i) - mv
                let w = simdExp(a * bv)
                let wa = w * a
                s += w
                s1 += wa
                s2 = s2.addingProduct(wa, a)
                i += 8
            }
            if i < end {
                let n = end - i
                let live = SIMD8<Int32>(0, 1, 2, 3, 4, 5, 6, 7) .< SIMD8<Int32>(repeating: Int32(n))
                let a = SIMD8<Float>.zero.replacing(with: Row.loadPartial(x + i, n, fill: m) - mv, where: live)
                let w = SIMD8<Float>.zero.replacing(with: simdExp(a * bv), where: live)
                let wa = w * a
                s += w
                s1 += wa
                s2 = s2.addingProduct(wa, a)
                i = end
            }
            sum += Double(Row.horizontalSum(s))
            first += Double(Row.horizontalSum(s1))
            second += Double(Row.horizontalSum(s2))
        }
        return (sum, first, second)
    }
}
