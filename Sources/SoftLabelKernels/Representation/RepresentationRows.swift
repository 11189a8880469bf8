/// SIMD loops over one feature row (D float32 values) with float64 accumulation, for
/// `/v1/representation`: the squared norm, the class-sum update S_k += x, U_k += x/‖x‖, and
/// dot products with float64 vectors (the projection).
///
/// Each float32 value converts exactly to float64 (`vcvtps2pd`), so a product of two inputs is
/// exact and only the additions round: a row's ‖x‖² has relative error ≤ (D/8 + 3)·2⁻⁵³ (eight
/// lane-wise partial sums, then a tree). Rows of any length: 8 values per step, then a tail of
/// up to 7 done one by one.
@usableFromInline
enum RepresentationRows {
    @inlinable @inline(__always)
    static func load4(_ p: UnsafePointer<Float>, _ offset: Int) -> SIMD4<Double> {
        SIMD4<Double>(UnsafeRawPointer(p + offset).loadUnaligned(as: SIMD4<Float>.self))
    }

    @inlinable @inline(__always)
    static func load4(_ p: UnsafePointer<Double>, _ offset: Int) -> SIMD4<Double> {
        UnsafeRawPointer(p + offset).loadUnaligned(as: SIMD4<Double>.self)
    }

    @inlinable @inline(__always)
    static func store4(_ v: SIMD4<Double>, _ p: UnsafeMutablePointer<Double>, _ offset: Int) {
        UnsafeMutableRawPointer(p + offset).storeBytes(of: v, as: SIMD4<Double>.self)
    }

    /// ‖x‖₂² = Σ_j x_j², in float64.
    @inlinable
    static func squaredNorm(_ x: UnsafePointer<Float>, _ d: Int) -> Double {
        var a0 = SIMD4<Double>.zero, a1 = SIMD4<Double>.zero
        var j = 0
        while j &+ 8 <= d {
            let v0 = load4(x, j), v1 = load4(x, j &+ 4)
            a0 = a0.addingProduct(v0, v0)
            a1 = a1.addingProduct(v1, v1)
            j &+= 8
        }
        let a = a0 + a1
        var sum = (a[0] + a[1]) + (a[2] + a[3])
        while j < d {
            let v = Double(x[j])
            sum = sum.addingProduct(v, v)
            j &+= 1
        }
        return sum
    }

    /// S += x and U += scale·x (scale = 1/‖x‖): one pass over the row and the class's two sums.
    @inlinable
    static func accumulate(_ x: UnsafePointer<Float>, _ d: Int, scale: Double,
                           featureSum s: UnsafeMutablePointer<Double>, unitSum u: UnsafeMutablePointer<Double>) {
        let c = SIMD4<Double>(repeating: scale)
        var j = 0
        while j &+ 8 <= d {
            let v0 = load4(x, j), v1 = load4(x, j &+ 4)
            store4(load4(UnsafePointer(s), j) + v0, s, j)
            store4(load4(UnsafePointer(s), j &+ 4) + v1, s, j &+ 4)
            store4(load4(UnsafePointer(u), j).addingProduct(v0, c), u, j)
            store4(load4(UnsafePointer(u), j &+ 4).addingProduct(v1, c), u, j &+ 4)
            j &+= 8
        }
        while j < d {
            let v = Double(x[j])
            s[j] += v
            u[j] = u[j].addingProduct(v, scale)
            j &+= 1
        }
    }

    /// out += v, element-wise (merging states).
    @inlinable
    static func add(_ v: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>) {
        precondition(v.count == out.count, "sums of one shape")
        guard let p = v.baseAddress, let o = out.baseAddress else { return }
        var j = 0
        while j &+ 4 <= v.count {
            store4(load4(UnsafePointer(o), j) + load4(p, j), o, j)
            j &+= 4
        }
        while j < v.count {
            o[j] += p[j]
            j &+= 1
        }
    }

    /// (x·a, x·b) for a float32 row and two float64 vectors, in one pass.
    @inlinable
    static func dots(_ x: UnsafePointer<Float>, _ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ d: Int) -> (Double, Double) {
        var sa = SIMD4<Double>.zero, sb = SIMD4<Double>.zero
        var j = 0
        while j &+ 4 <= d {
            let v = load4(x, j)
            sa = sa.addingProduct(v, load4(a, j))
            sb = sb.addingProduct(v, load4(b, j))
            j &+= 4
        }
        var ra = (sa[0] + sa[1]) + (sa[2] + sa[3]), rb = (sb[0] + sb[1]) + (sb[2] + sb[3])
        while j < d {
            let v = Double(x[j])
            ra = ra.addingProduct(v, a[j])
            rb = rb.addingProduct(v, b[j])
            j &+= 1
        }
        return (ra, rb)
    }
}
