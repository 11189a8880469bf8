import RealModule

/// The float64 SIMD loops of vector and matrix scaling over a block of rows.
///
/// Layout: a block holds `rows` rows (a multiple of 4) of `stride` doubles each (K rounded up to
/// a multiple of 8, the padding zero), so the loops run on whole SIMD4 pairs without tails. With
/// Z the block's logits, Wᵀ stored row-major as `wt[j·stride + i] = W_ij` and D = softmax − onehot:
///   scores:   S = Z Wᵀ + 1 bᵀ        (S_ri = b_i + Σ_j Z_rj W_ij)
///   gradient: G += Dᵀ Z              (G_ij += Σ_r D_ri Z_rj, G row-major with the same stride)
/// each N·K² multiply-adds over all blocks, the two hot loops of matrix scaling. Both are register
/// blocked 4 × 8 (eight SIMD4<Double> accumulators; with AVX2 + FMA one vfmadd231pd per 4 lanes):
/// `scores` keeps a 4-row × 8-class tile of S in registers while j runs over K (a strip of Wᵀ stays
/// in L1 across the block's rows), `accumulateGradient` keeps a 4 × 8 tile of G while r runs
/// over the block (G is loaded and stored once per block, i.e. once per `rows` multiply-adds).
enum ScalingBlockKernels {
    @inline(__always)
    static func load(_ p: UnsafePointer<Double>) -> SIMD4<Double> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Double>.self)
    }

    @inline(__always)
    static func store(_ v: SIMD4<Double>, _ p: UnsafeMutablePointer<Double>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD4<Double>.self)
    }

    /// S = Z Wᵀ + b for a block: z and s are rows × stride, wt is k × stride, bias is stride.
    static func scores(z: UnsafePointer<Double>, wt: UnsafePointer<Double>, bias: UnsafePointer<Double>,
                       rows: Int, k: Int, stride: Int, into s: UnsafeMutablePointer<Double>) {
        precondition(rows % 4 == 0 && stride % 8 == 0 && k <= stride)
        var i0 = 0
        while i0 < stride {
            let b0 = load(bias + i0), b1 = load(bias + i0 + 4)
            var r0 = 0
            while r0 < rows {
                var a00 = b0, a01 = b1, a10 = b0, a11 = b1, a20 = b0, a21 = b1, a30 = b0, a31 = b1
                let z0 = z + r0 * stride, z1 = z0 + stride, z2 = z1 + stride, z3 = z2 + stride
                var w = wt + i0
                for j in 0..<k {
                    let w0 = load(w), w1 = load(w + 4)
                    let x0 = SIMD4<Double>(repeating: z0[j]), x1 = SIMD4<Double>(repeating: z1[j])
                    let x2 = SIMD4<Double>(repeating: z2[j]), x3 = SIMD4<Double>(repeating: z3[j])
                    a00 = a00.addingProduct(x0, w0); a01 = a01.addingProduct(x0, w1)
                    a10 = a10.addingProduct(x1, w0); a11 = a11.addingProduct(x1, w1)
                    a20 = a20.addingProduct(x2, w0); a21 = a21.addingProduct(x2, w1)
                    a30 = a30.addingProduct(x3, w0); a31 = a31.addingProduct(x3, w1)
                    w += stride
                }
                let out = s + r0 * stride + i0
                store(a00, out); store(a01, out + 4)
                store(a10, out + stride); store(a11, out + stride + 4)
                store(a20, out + 2 * stride); store(a21, out + 2 * stride + 4)
                store(a30, out + 3 * stride); store(a31, out + 3 * stride + 4)
                r0 += 4
            }
            i0 += 8
        }
    }

    /// G += Dᵀ Z for a block: d and z are rows × stride, g is stride × stride; only the first k
    /// rows of G (rounded up to 4) and its first k columns (rounded up to 8) are touched.
    static func accumulateGradient(d: UnsafePointer<Double>, z: UnsafePointer<Double>, rows: Int, k: Int, stride: Int,
                                   into g: UnsafeMutablePointer<Double>) {
        precondition(stride % 8 == 0 && k <= stride)
        let iEnd = (k + 3) & ~3, jEnd = (k + 7) & ~7
        var i0 = 0
        while i0 < iEnd {
            var j0 = 0
            while j0 < jEnd {
                let g0 = g + i0 * stride + j0, g1 = g0 + stride, g2 = g1 + stride, g3 = g2 + stride
                var a00 = load(g0), a01 = load(g0 + 4), a10 = load(g1), a11 = load(g1 + 4)
                var a20 = load(g2), a21 = load(g2 + 4), a30 = load(g3), a31 = load(g3 + 4)
                var zr = z + j0, dr = d + i0
                for _ in 0..<rows {
                    let x0 = load(zr), x1 = load(zr + 4)
                    let d0 = SIMD4<Double>(repeating: dr[0]), d1 = SIMD4<Double>(repeating: dr[1])
                    let d2 = SIMD4<Double>(repeating: dr[2]), d3 = SIMD4<Double>(repeating: dr[3])
                    a00 = a00.addingProduct(d0, x0); a01 = a01.addingProduct(d0, x1)
                    a10 = a10.addingProduct(d1, x0); a11 = a11.addingProduct(d1, x1)
                    a20 = a20.addingProduct(d2, x0); a21 = a21.addingProduct(d2, x1)
                    a30 = a30.addingProduct(d3, x0); a31 = a31.addingProduct(d3, x1)
                    zr += stride; dr += stride
                }
                store(a00, g0); store(a01, g0 + 4); store(a10, g1); store(a11, g1 + 4)
                store(a20, g2); store(a21, g2 + 4); store(a30, g3); store(a31, g3 + 4)
                j0 += 8
            }
            i0 += 4
        }
    }

    /// Turns one row of scores s (k values, padding up to `stride`) into D = softmax(s) − e_label
    /// in place (padding left 0) and returns the row's NLL, log Σ_j e^(s_j − m) − (s_label − m)
    /// with m = max_j s_j. e^x by `simdExp` (1 ulp).
    static func softmaxResidual(_ s: UnsafeMutablePointer<Double>, k: Int, stride: Int, label: Int) -> Double {
        for i in k..<stride { s[i] = -.infinity }
        var mv = SIMD4<Double>(repeating: -.infinity)
        var i = 0
        while i < stride { mv = pointwiseMax(mv, load(s + i)); i += 4 }
        let m = mv.max()
        let target = s[label] - m
        var sum = SIMD4<Double>()
        let mm = SIMD4<Double>(repeating: m)
        i = 0
        while i < stride {
            let e = simdExp(load(s + i) - mm)
            store(e, s + i)
            sum += e
            i += 4
        }
        let total = sum.sum()
        let inverse = SIMD4<Double>(repeating: 1 / total)
        i = 0
        while i < stride { store(load(s + i) * inverse, s + i); i += 4 }
        s[label] -= 1
        return Double.log(total) - target
    }

    /// Converts `count` float32 values to float64, padding with zeros up to `stride`.
    @inline(__always)
    static func widen(_ x: UnsafePointer<Float>, count: Int, stride: Int, into out: UnsafeMutablePointer<Double>) {
        var j = 0
        while j + 4 <= count {
            store(SIMD4<Double>(UnsafeRawPointer(x + j).loadUnaligned(as: SIMD4<Float>.self)), out + j)
            j += 4
        }
        while j < count { out[j] = Double(x[j]); j += 1 }
        while j < stride { out[j] = 0; j += 1 }
    }
}
