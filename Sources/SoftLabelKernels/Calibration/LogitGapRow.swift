/// One row's scores for the logit-gap statistics (docs/api.md, "logit_gap"): the two largest
/// scores, the label's score and Σ x², in one SIMD sweep.
///
/// Per lane it keeps the largest and second-largest values seen (v → second = max(second,
/// min(first, v)), first = max(first, v)), so equal maxima count twice: the second largest of
/// [3, 3, 1] is 3. The best score other than the label's is then
///   max_{j≠y} x_j = (x_y == first) ? second : first,
/// whichever of several equal maxima the label is. Σ x² is accumulated in `Double` lanes (a
/// float32 square overflows beyond |x| ≈ 1.8e19), so ‖x‖₂ is exact to ~1e-16 relative.
@usableFromInline
enum LogitGapRow {
    @usableFromInline
    struct Scores: Sendable, Equatable {
        /// The largest score.
        @usableFromInline var first: Float
        /// The second largest (equal to `first` when the maximum repeats; −∞ for K = 1).
        @usableFromInline var second: Float
        /// max_{j≠y} x_j (−∞ for K = 1).
        @usableFromInline var bestOther: Float
        /// Σ_k x_k², in double precision.
        @usableFromInline var squares: Double

        @inlinable init(first: Float, second: Float, bestOther: Float, squares: Double) {
            self.first = first
            self.second = second
            self.bestOther = bestOther
            self.squares = squares
        }
    }

    @inlinable
    static func scores(_ x: UnsafePointer<Float>, _ k: Int, label y: Int) -> Scores {
        var first = SIMD8<Float>(repeating: -.infinity)
        var second = first
        var sq0 = SIMD4<Double>.zero, sq1 = SIMD4<Double>.zero
        var i = 0
        while i + 8 <= k {
            let v = Row.load(x + i)
            second = CalibrationRowKernels.laneMax(second, CalibrationRowKernels.laneMin(first, v))
            first = CalibrationRowKernels.laneMax(first, v)
            let lo = SIMD4<Double>(v.lowHalf), hi = SIMD4<Double>(v.highHalf)
            sq0 = sq0.addingProduct(lo, lo)
            sq1 = sq1.addingProduct(hi, hi)
            i += 8
        }
        var squares = (sq0 + sq1).sum()
        // Lanes → the row's top two: merge the 16 candidates, then the scalar tail.
        var a = -Float.infinity, b = -Float.infinity
        func offer(_ v: Float) {
            if v > a { b = a; a = v } else if v > b { b = v }
        }
        for lane in 0..<8 { offer(first[lane]); offer(second[lane]) }
        while i < k {
            offer(x[i])
            squares += Double(x[i]) * Double(x[i])
            i += 1
        }
        return Scores(first: a, second: b, bestOther: x[y] == a ? b : a, squares: squares)
    }
}

extension CalibrationRowKernels {
    /// Lane-wise minimum as compare + blend (see `laneMax`).
    @inlinable @inline(__always)
    static func laneMin(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
        a.replacing(with: b, where: b .< a)
    }
}
