/// SIMD reductions over one contiguous row of float32 values.
///
/// Every loop keeps eight-lane (or, where latency matters, two eight-lane) accumulators and
/// handles the row's tail (K mod 8 values) with a padded vector, so a row of any length is
/// one pass whose only scalar work is loading and storing the tail's lanes. Sums of many terms
/// are accumulated lane-wise in float32 and reduced at the end: for the row lengths this service accepts (K ≤ 10⁶) the relative error
/// of a lane-wise sum of same-sign terms stays below K/8 · 2⁻²⁴, i.e. ≤ 1e-6 for K ≤ 1000.
/// Batch-level sums (over rows) are done in `Double` by the callers.
@usableFromInline
enum Row {
    /// Loads `count` (< 8) floats from `base`, padding the other lanes with `fill`.
    @inlinable @inline(__always)
    static func loadPartial(_ base: UnsafePointer<Float>, _ count: Int, fill: Float) -> SIMD8<Float> {
        var v = SIMD8<Float>(repeating: fill)
        for i in 0..<count { v[i] = base[i] }
        return v
    }

    @inlinable @inline(__always)
    static func load(_ base: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(base).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inlinable @inline(__always)
    static func store(_ v: SIMD8<Float>, _ base: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(base).storeBytes(of: v, as: SIMD8<Float>.self)
    }

    @inlinable @inline(__always)
    static func storePartial(_ v: SIMD8<Float>, _ base: UnsafeMutablePointer<Float>, _ count: Int) {
        for i in 0..<count { base[i] = v[i] }
    }

    /// Lane-wise max. The stdlib's `pointwiseMax` is a non-inlined generic call in the hot
    /// loop (seen in the disassembly); a compare and blend is one `vmaxps`-class sequence.
    @inlinable @inline(__always)
    static func maximum(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
        a.replacing(with: b, where: b .> a)
    }

    @inlinable @inline(__always)
    static func maximum(_ a: SIMD4<Float>, _ b: SIMD4<Float>) -> SIMD4<Float> {
        a.replacing(with: b, where: b .> a)
    }
    /// Horizontal sum of eight lanes (pairwise, so it is one shuffle tree).
    @inlinable @inline(__always)
    static func horizontalSum(_ v: SIMD8<Float>) -> Float {
        let h = v.lowHalf + v.highHalf
        let q = h.lowHalf + h.highHalf
        return q[0] + q[1]
    }

    @inlinable @inline(__always)
    static func horizontalMax(_ v: SIMD8<Float>) -> Float {
        let h = Row.maximum(v.lowHalf, v.highHalf)
        return Swift.max(Swift.max(h[0], h[1]), Swift.max(h[2], h[3]))
    }

    /// max_k x_k and Σ_k x_k in one pass.
    @inlinable
    static func maxAndSum(_ x: UnsafePointer<Float>, _ count: Int) -> (max: Float, sum: Float) {
        var m = SIMD8<Float>(repeating: -.infinity)
        var s = SIMD8<Float>.zero
        var i = 0
        while i + 8 <= count {
            let v = load(x + i)
            m = Row.maximum(m, v)
            s += v
            i += 8
        }
        if i < count {
            m = Row.maximum(m, loadPartial(x + i, count - i, fill: -.infinity))
            s += loadPartial(x + i, count - i, fill: 0)
        }
        return (horizontalMax(m), horizontalSum(s))
    }

    /// max_k x_k.
    @inlinable
    static func max(_ x: UnsafePointer<Float>, _ count: Int) -> Float {
        var m0 = SIMD8<Float>(repeating: -.infinity)
        var m1 = m0
        var i = 0
        while i + 16 <= count {
            m0 = Row.maximum(m0, load(x + i))
            m1 = Row.maximum(m1, load(x + i + 8))
            i += 16
        }
        if i + 8 <= count {
            m0 = Row.maximum(m0, load(x + i))
            i += 8
        }
        if i < count { m1 = Row.maximum(m1, loadPartial(x + i, count - i, fill: -.infinity)) }
        return horizontalMax(Row.maximum(m0, m1))
    }

    /// Σ_k x_k · y_k.
    @inlinable
    static func dot(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ count: Int) -> Float {
        var s0 = SIMD8<Float>.zero
        var s1 = SIMD8<Float>.zero
        var i = 0
        while i + 16 <= count {
            s0 = s0.addingProduct(load(x + i), load(y + i))
            s1 = s1.addingProduct(load(x + i + 8), load(y + i + 8))
            i += 16
        }
        if i + 8 <= count {
            s0 = s0.addingProduct(load(x + i), load(y + i))
            i += 8
        }
        if i < count {
            s1 = s1.addingProduct(loadPartial(x + i, count - i, fill: 0), loadPartial(y + i, count - i, fill: 0))
        }
        return horizontalSum(s0 + s1)
    }

    /// Σ_k e^(x_k·scale − shift): the softmax denominator at temperature 1/scale. The exponent
    /// is fl(fl(x_k·scale) − shift), unfused, so that with shift = fl(max·scale) the maximum's
    /// exponent is exactly 0 (see `CalibrationRowKernels.exponentialMoments`).
    @inlinable
    static func sumExp(_ x: UnsafePointer<Float>, _ count: Int, scale: Float = 1, shift: Float) -> Float {
        let sh = SIMD8<Float>(repeating: shift)
        let sc = SIMD8<Float>(repeating: scale)
        var s0 = SIMD8<Float>.zero
        var s1 = SIMD8<Float>.zero
        var i = 0
        while i + 16 <= count {
            s0 += simdExp(load(x + i) * sc - sh)
            s1 += simdExp(load(x + i + 8) * sc - sh)
            i += 16
        }
        if i + 8 <= count {
            s0 += simdExp(load(x + i) * sc - sh)
            i += 8
        }
        if i < count {
            // Padding lanes are loaded as 0 and their exponentials set to 0 after the exp.
            let v = loadPartial(x + i, count - i, fill: 0)
            var e = simdExp(v * sc - sh)
            for lane in (count - i)..<8 { e[lane] = 0 }
            s1 += e
        }
        return horizontalSum(s0 + s1)
    }

    /// out_k = e^(x_k·scale − shift), the exponent unfused as in `sumExp`; returns Σ_k out_k.
    @inlinable
    @discardableResult
    static func exp(_ x: UnsafePointer<Float>, _ count: Int, scale: Float = 1, shift: Float,
                    into out: UnsafeMutablePointer<Float>) -> Float {
        let sh = SIMD8<Float>(repeating: shift)
        let sc = SIMD8<Float>(repeating: scale)
        var s = SIMD8<Float>.zero
        var i = 0
        while i + 8 <= count {
            let e = simdExp(load(x + i) * sc - sh)
            store(e, out + i)
            s += e
            i += 8
        }
        if i < count {
            var e = simdExp(loadPartial(x + i, count - i, fill: 0) * sc - sh)
            for lane in (count - i)..<8 { e[lane] = 0 }
            storePartial(e, out + i, count - i)
            s += e
        }
        return horizontalSum(s)
    }

    /// Σ_k e^(x_k − m) and Σ_k w_k·(m − x_k) in one pass (w_k = 1 without weights). Both sums
    /// have non-negative terms, so neither cancels: this is what keeps the smoothed CE
    /// shift-invariant to float32 precision at logits of ±1e4.
    @inlinable
    static func sumExpAndGap(_ x: UnsafePointer<Float>, _ count: Int, max m: Float,
                             weight w: UnsafePointer<Float>?) -> (sumExp: Float, gap: Float) {
        let mv = SIMD8<Float>(repeating: m)
        var s0 = SIMD8<Float>.zero
        var s1 = SIMD8<Float>.zero
        var g0 = SIMD8<Float>.zero
        var g1 = SIMD8<Float>.zero
        var i = 0
        if let w {
            while i + 8 <= count {
                let d = load(x + i) - mv
                s0 += simdExp(d)
                g0 = g0.addingProduct(load(w + i), d)
                i += 8
            }
        } else {
            while i + 16 <= count {
                let d0 = load(x + i) - mv
                let d1 = load(x + i + 8) - mv
                s0 += simdExp(d0)
                s1 += simdExp(d1)
                g0 += d0
                g1 += d1
                i += 16
            }
            if i + 8 <= count {
                let d = load(x + i) - mv
                s0 += simdExp(d)
                g0 += d
                i += 8
            }
        }
        var sTail: Float = 0
        var gTail: Float = 0
        while i < count {
            let d = x[i] - m
            sTail += scalarExp(d)
            gTail += (w?[i] ?? 1) * d
            i += 1
        }
        return (horizontalSum(s0 + s1) + sTail, -(horizontalSum(g0 + g1) + gTail))
    }
}
