/// Vectorised e^x for eight float32 lanes.
///
/// Method (Cephes `expf`, Moshier 1984, re-derived for FMA):
///   n = round(x · log2 e),  r = x − n·ln2 (ln2 split in a short high part and a low part so
///   that n·ln2_hi is exact), e^r ≈ 1 + r + r²·P(r) with a degree-5 minimax P on
///   [−ln2/2, ln2/2], then e^x = e^r · 2^n. The scale 2^n is applied as two factors
///   2^⌊n/2⌋ · 2^⌈n/2⌉, each a normal float, so results that underflow into the subnormal
///   range are rounded once (gradual underflow) instead of being flushed to zero.
///
/// Contract:
/// - Accuracy: ≤ 2 ulp against the correctly rounded e^x for x in [−87.3, 88.7] (normal
///   results); tested on a dense sweep of every 331st float of [−104, 88.7] by
///   `SIMDExpTests`. Subnormal results (x in [−103.97, −87.3]) have an absolute error below
///   2⁻¹⁴⁹ (half the smallest subnormal), which is what a softmax of float32 logits can see.
/// - x < −104 gives +0, x > 88.73 gives +inf, exactly like `expf`.
/// - NaN input gives an unspecified finite or NaN value: the kernels only call this on
///   finite, validated logits.
/// - Cost: ~12 vector instructions per 8 lanes with AVX2+FMA (see README, "CPU baseline").
@inlinable @inline(__always)
public func simdExp(_ x: SIMD8<Float>) -> SIMD8<Float> {
    let log2e: Float = 1.44269504088896341
    let ln2High: Float = 0.693359375  // 0x3F318000: 10 significant bits, so n·ln2High is exact
    let ln2Low: Float = -2.12194440e-4
    let roundingMagic: Float = 12582912.0  // 1.5·2²³: adding it rounds to an integer, ties to even

    // Clamp with compare-and-blend: `clamped`/`pointwiseMin` are not inlined (disassembly).
    let low = SIMD8<Float>(repeating: -104.0)
    let high = SIMD8<Float>(repeating: 88.8)
    var clamped = x.replacing(with: low, where: x .< low)
    clamped = clamped.replacing(with: high, where: clamped .> high)
    // t = x·log2e + magic; its low mantissa bits hold n as an integer.
    let t = SIMD8<Float>(repeating: roundingMagic).addingProduct(clamped, SIMD8(repeating: log2e))
    let n = t - SIMD8(repeating: roundingMagic)
    var r = clamped.addingProduct(n, SIMD8(repeating: -ln2High))
    r = r.addingProduct(n, SIMD8(repeating: -ln2Low))

    var p = SIMD8<Float>(repeating: 1.9875691500e-4)
    p = SIMD8(repeating: 1.3981999507e-3).addingProduct(p, r)
    p = SIMD8(repeating: 8.3334519073e-3).addingProduct(p, r)
    p = SIMD8(repeating: 4.1665795894e-2).addingProduct(p, r)
    p = SIMD8(repeating: 1.6666665459e-1).addingProduct(p, r)
    p = SIMD8(repeating: 5.0000001201e-1).addingProduct(p, r)
    let r2 = r * r
    let er = (r + SIMD8(repeating: 1.0)).addingProduct(p, r2)

    // n as Int32 from t's bit pattern: t = magic + n exactly, so bits(t) − bits(magic) = n.
    let nInt = SIMD8<Int32>(truncatingIfNeeded: t.bitPattern(as: Int32.self))
        &- SIMD8<Int32>(repeating: Int32(bitPattern: roundingMagic.bitPattern))
    let nHalf = nInt &>> 1
    let nRest = nInt &- nHalf
    let bias = SIMD8<Int32>(repeating: 127)
    let scale1 = SIMD8<Float>(bitPattern: (nHalf &+ bias) &<< 23)
    let scale2 = SIMD8<Float>(bitPattern: (nRest &+ bias) &<< 23)
    return er * scale1 * scale2
}

extension SIMD8 where Scalar == Float {
    /// Reinterprets the lanes' bits (no conversion).
    @inlinable @inline(__always)
    init(bitPattern: SIMD8<Int32>) {
        self = unsafeBitCast(bitPattern, to: SIMD8<Float>.self)
    }

    /// The lanes' bits as `Int32` (no conversion).
    @inlinable @inline(__always)
    func bitPattern(as: Int32.Type) -> SIMD8<Int32> {
        unsafeBitCast(self, to: SIMD8<Int32>.self)
    }
}

/// Scalar e^x with the same algorithm and accuracy as `simdExp` (used for row tails).
@inlinable @inline(__always)
public func scalarExp(_ x: Float) -> Float {
    simdExp(SIMD8(repeating: x))[0]
}
