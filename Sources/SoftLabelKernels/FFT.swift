import RealModule

/// Radix-2 fast Fourier transforms of real `Double` sequences, for convolutions (smooth ECE's
/// reflected Gaussian smoothing). Stdlib and RealModule only.
///
/// `RealFFT(length: L)`, L a power of two ≥ 8, maps L reals to the L/2 + 1 coefficients
/// X_k = Σ_n x_n e^{−2πikn/L}, k = 0 … M (M = L/2; the others are conj(X_{L−k})), and back,
/// through one complex FFT of length M of z_n = x_{2n} + i·x_{2n+1} (the "two for one" split,
/// Numerical Recipes §12.3):
///   X_k = E_k + W^k·O_k,  E_k = (Z_k + conj Z_{M−k})/2,  O_k = (Z_k − conj Z_{M−k})/(2i),  W = e^{−2πi/L}.
///
/// Spectra are kept in *bit-reversed* order, which is all a convolution needs: `forward` is a
/// decimation-in-frequency FFT (natural order in, bit-reversed out) followed by the split done
/// in that order (X_k sits at `position(k)`; in the block [2^j, 2^{j+1}) of positions the
/// partner of p, holding index M − k, is 3·2^j − 1 − p), and `inverseOfProduct` multiplies two
/// spectra, undoes the split in the same order and runs a decimation-in-time FFT (bit-reversed
/// in, natural out) backwards — so no bit-reversal permutation is ever done. Both work in place
/// on the even/odd split of x: callers write x_{2n} to `re[n]` and x_{2n+1} to `im[n]`, and
/// read the result the same way. The inverse omits the 1/M factor (it returns M·x; callers
/// fold the exact power of two into an input).
///
/// Stages run four butterflies per `SIMD4<Double>` step on split real/imaginary arrays, two
/// stages per pass over the data where two remain (same arithmetic as two radix-2 stages);
/// the two stages of half-size 2 and 1 are one scalar radix-4 pass without multiplications.
/// The inverse is the forward DIT with the real and imaginary arrays swapped
/// (IFFT(x) = swap(FFT(swap(x))), swap(z) = i·conj(z)). Twiddles come from a table of
/// cos(2πj/2¹⁵) computed once with libm (≤ 1 ulp each), not a recurrence, so the round-off is
/// the textbook O(ε·log L)·‖x‖₂ per coefficient (Higham, "Accuracy and Stability of Numerical
/// Algorithms", §24.1). Cost: (M/2)·log₂M butterflies plus O(M) for the split; a plan holds O(L)
/// twiddles, and a transform allocates nothing.
final class RealFFT: @unchecked Sendable {  // immutable after init
    /// The plan for L = 2048, smooth ECE's length for every σ ≥ 0.01 (E = 1001), built once.
    static let length2048 = RealFFT(length: 2048)

    /// A plan for `length`: the shared one for 2048, else a new one.
    static func plan(length: Int) -> RealFFT { length == 2048 ? length2048 : RealFFT(length: length) }

    /// L, the number of reals.
    let length: Int
    /// M = L/2, the complex FFT length.
    let half: Int
    private let bits: Int
    /// Stage twiddles e^{−iπj/h} for the stage of half-size h (h = 4, 8, …, M/2) at offset h + j:
    /// cos(πj/h) and −sin(πj/h).
    private let stageReal: UnsafeMutablePointer<Double>
    private let stageImaginary: UnsafeMutablePointer<Double>
    /// The split's W^k = c − i·s at the position of k: cos(2πk/L), sin(2πk/L) at `position(k)`.
    private let splitCos: UnsafeMutablePointer<Double>
    private let splitSin: UnsafeMutablePointer<Double>

    init(length: Int) {
        precondition(length >= 16 && length & (length - 1) == 0, "RealFFT length must be a power of two ≥ 16")
        self.length = length
        let m = length / 2
        half = m
        var bits = 0
        while 1 << bits < m { bits += 1 }
        self.bits = bits
        stageReal = .allocate(capacity: m)
        stageImaginary = .allocate(capacity: m)
        stageReal.initialize(repeating: 0, count: m)
        stageImaginary.initialize(repeating: 0, count: m)
        var h = 4
        while h < m {
            // e^{−iπj/h} = e^{−2πi·j/(2h)}: the L-point angle index j·L/(2h).
            let stride = length / (2 * h)
            for j in 0..<h {
                let (c, s) = Twiddles.cosSin(j * stride, length)
                stageReal[h + j] = c
                stageImaginary[h + j] = -s
            }
            h *= 2
        }
        splitCos = .allocate(capacity: m)
        splitSin = .allocate(capacity: m)
        for k in 0..<m {
            let p = Self.reverse(k, bits)
            (splitCos[p], splitSin[p]) = Twiddles.cosSin(k, length)
        }
    }

    deinit {
        stageReal.deallocate(); stageImaginary.deallocate()
        splitCos.deallocate(); splitSin.deallocate()
    }

    private static func reverse(_ k: Int, _ bits: Int) -> Int {
        var r = 0
        for b in 0..<bits where k & (1 << b) != 0 { r |= 1 << (bits - 1 - b) }
        return r
    }

    /// Where X_k is stored in a spectrum: the bit reversal of k for k < M, and M for k = M.
    func position(_ k: Int) -> Int { k == half ? half : Self.reverse(k, bits) }

    /// X = FFT(x) in place, x given split into even and odd samples: on entry `re[n]` = x_{2n},
    /// `im[n]` = x_{2n+1} (n < M); on exit `re`, `im` hold X_0 … X_M in bit-reversed order (X_k
    /// at `position(k)`; both need room for M + 1 values).
    func forward(re: UnsafeMutablePointer<Double>, im: UnsafeMutablePointer<Double>) {
        let m = half
        difForward(re, im)
        // Z_0 at 0: E_0 = Re Z_0, O_0 = Im Z_0; X_0 = E_0 + O_0 at 0, X_M = E_0 − O_0 at M.
        let r0 = re[0], i0 = im[0]
        re[0] = r0 + i0; im[0] = 0
        re[m] = r0 - i0; im[m] = 0
        // Position 1 holds Z_{M/2}, its own partner; then the blocks [2^j, 2^{j+1}), whose
        // positions pair up from both ends.
        var block = 1
        while block < m {
            var p = block, q = 2 * block - 1
            while q - p >= 7 {
                let mq = q - 3
                let (xr, xi, yr, yi) = splitForward(Self.load(re + p), Self.load(im + p),
                                                    Self.reversed(Self.load(re + mq)), Self.reversed(Self.load(im + mq)),
                                                    Self.load(splitCos + p), Self.load(splitSin + p))
                Self.store(xr, re + p); Self.store(xi, im + p)
                Self.store(Self.reversed(yr), re + mq); Self.store(Self.reversed(yi), im + mq)
                p += 4; q -= 4
            }
            while p <= q {
                let (xr, xi, yr, yi) = splitForward(SIMD4(repeating: re[p]), SIMD4(repeating: im[p]),
                                                    SIMD4(repeating: re[q]), SIMD4(repeating: im[q]),
                                                    SIMD4(repeating: splitCos[p]), SIMD4(repeating: splitSin[p]))
                re[p] = xr[0]; im[p] = xi[0]
                re[q] = yr[0]; im[q] = yi[0]
                p += 1; q -= 1
            }
            block *= 2
        }
    }

    /// M·x = M·IFFT(A·B) for two conjugate-symmetric spectra A, B in `forward`'s bit-reversed
    /// order (read only), i.e. M times the circular convolution of their sequences; written
    /// split: `even[n]` = M·x_{2n}, `odd[n]` = M·x_{2n+1} (n < M). The output may not alias the
    /// inputs.
    func inverseOfProduct(_ aRe: UnsafePointer<Double>, _ aIm: UnsafePointer<Double>,
                          _ bRe: UnsafePointer<Double>, _ bIm: UnsafePointer<Double>,
                          even: UnsafeMutablePointer<Double>, odd: UnsafeMutablePointer<Double>) {
        let m = half
        // X_0 and X_M are real for real sequences (their imaginary parts are exactly 0 here).
        let x0 = aRe[0] * bRe[0] - aIm[0] * bIm[0], xm = aRe[m] * bRe[m] - aIm[m] * bIm[m]
        // Z_0 = E_0 + i·O_0 with E_0 = (X_0 + X_M)/2, O_0 = (X_0 − X_M)/2.
        even[0] = 0.5 * (x0 + xm)
        odd[0] = 0.5 * (x0 - xm)
        var block = 1
        while block < m {
            var p = block, q = 2 * block - 1
            while q - p >= 7 {
                let mq = q - 3
                let (er, ei, or, oi) = splitInverse(
                    Self.load(aRe + p), Self.load(aIm + p), Self.load(bRe + p), Self.load(bIm + p),
                    Self.reversed(Self.load(aRe + mq)), Self.reversed(Self.load(aIm + mq)),
                    Self.reversed(Self.load(bRe + mq)), Self.reversed(Self.load(bIm + mq)),
                    Self.load(splitCos + p), Self.load(splitSin + p))
                // Z_k = E + i·O, Z_{M−k} = conj E + i·conj O.
                Self.store(er - oi, even + p); Self.store(ei + or, odd + p)
                Self.store(Self.reversed(er + oi), even + mq); Self.store(Self.reversed(-ei + or), odd + mq)
                p += 4; q -= 4
            }
            while p <= q {
                let (er, ei, or, oi) = splitInverse(
                    SIMD4(repeating: aRe[p]), SIMD4(repeating: aIm[p]), SIMD4(repeating: bRe[p]), SIMD4(repeating: bIm[p]),
                    SIMD4(repeating: aRe[q]), SIMD4(repeating: aIm[q]), SIMD4(repeating: bRe[q]), SIMD4(repeating: bIm[q]),
                    SIMD4(repeating: splitCos[p]), SIMD4(repeating: splitSin[p]))
                even[p] = (er - oi)[0]; odd[p] = (ei + or)[0]
                even[q] = (er + oi)[0]; odd[q] = (-ei + or)[0]
                p += 1; q -= 1
            }
            block *= 2
        }
        // IFFT(Z)·M = swap(FFT(swap(Z))): real parts land in `even`, imaginary parts in `odd`.
        ditForward(odd, even)
    }

    /// X_k and X_{M−k} from Z_k = (zr, zi) and Z_{M−k} = (wr, wi), W^k = c − i·s:
    /// E = (Z_k + conj Z_{M−k})/2, O = (Z_k − conj Z_{M−k})/(2i), X_k = E + W^k·O,
    /// X_{M−k} = conj(E − W^k·O).
    @inline(__always)
    private func splitForward(_ zr: SIMD4<Double>, _ zi: SIMD4<Double>, _ wr: SIMD4<Double>, _ wi: SIMD4<Double>,
                              _ c: SIMD4<Double>, _ s: SIMD4<Double>)
        -> (SIMD4<Double>, SIMD4<Double>, SIMD4<Double>, SIMD4<Double>) {
        let er = 0.5 * (zr + wr), ei = 0.5 * (zi - wi)
        let or = 0.5 * (zi + wi), oi = -0.5 * (zr - wr)
        let tr = c * or + s * oi, ti = c * oi - s * or
        return (er + tr, ei + ti, er - tr, -(ei - ti))
    }

    /// E and O of the inverse split for X_k = A_k·B_k and X_{M−k} = A_{M−k}·B_{M−k} (given as
    /// a·b for k and p·q for M − k), W^k = c − i·s: E = (X_k + conj X_{M−k})/2,
    /// O = (X_k − conj X_{M−k})·conj(W^k)/2.
    @inline(__always)
    private func splitInverse(_ ar: SIMD4<Double>, _ ai: SIMD4<Double>, _ br: SIMD4<Double>, _ bi: SIMD4<Double>,
                              _ pr: SIMD4<Double>, _ pi: SIMD4<Double>, _ qr: SIMD4<Double>, _ qi: SIMD4<Double>,
                              _ c: SIMD4<Double>, _ s: SIMD4<Double>)
        -> (SIMD4<Double>, SIMD4<Double>, SIMD4<Double>, SIMD4<Double>) {
        let xr = ar * br - ai * bi, xi = ar * bi + ai * br
        let yr = pr * qr - pi * qi, yi = pr * qi + pi * qr
        let er = 0.5 * (xr + yr), ei = 0.5 * (xi - yi)
        let dr = 0.5 * (xr - yr), di = 0.5 * (xi + yi)
        let or = c * dr - s * di, oi = c * di + s * dr
        return (er, ei, or, oi)
    }

    // MARK: Complex FFTs of length M (unnormalised, sign −)

    /// Decimation in frequency (Gentleman–Sande): natural order in, bit-reversed order out.
    /// Stage of half-size h: x_p, x_{p+h} ← x_p + x_{p+h}, (x_p − x_{p+h})·w_j, w_j = e^{−iπj/h},
    /// for h = M/2 down to 1.
    private func difForward(_ re: UnsafeMutablePointer<Double>, _ im: UnsafeMutablePointer<Double>) {
        let m = half
        var h = m / 2
        while h >= 4 {
            if h >= 8 {
                difFusedStages(re, im, h)
                h /= 4
            } else {
                difStage(re, im, h)
                h /= 2
            }
        }
        // Half-sizes 2 (twiddles 1, −i) and 1 as one radix-4 pass per block of four.
        var b = 0
        while b < m {
            let a0r = re[b], a0i = im[b], a1r = re[b + 1], a1i = im[b + 1]
            let a2r = re[b + 2], a2i = im[b + 2], a3r = re[b + 3], a3i = im[b + 3]
            let s0r = a0r + a2r, s0i = a0i + a2i, d0r = a0r - a2r, d0i = a0i - a2i
            let s1r = a1r + a3r, s1i = a1i + a3i
            // (a1 − a3)·(−i) = (Im, −Re).
            let d1r = a1i - a3i, d1i = -(a1r - a3r)
            re[b] = s0r + s1r; im[b] = s0i + s1i
            re[b + 1] = s0r - s1r; im[b + 1] = s0i - s1i
            re[b + 2] = d0r + d1r; im[b + 2] = d0i + d1i
            re[b + 3] = d0r - d1r; im[b + 3] = d0i - d1i
            b += 4
        }
    }

    @inline(__always)
    private func difStage(_ re: UnsafeMutablePointer<Double>, _ im: UnsafeMutablePointer<Double>, _ h: Int) {
        var base = 0
        while base < half {
            var j = 0
            while j < h {
                let p = base + j, q = p + h
                let wr = Self.load(stageReal + h + j), wi = Self.load(stageImaginary + h + j)
                let ar = Self.load(re + p), ai = Self.load(im + p)
                let br = Self.load(re + q), bi = Self.load(im + q)
                let dr = ar - br, di = ai - bi
                Self.store(ar + br, re + p); Self.store(ai + bi, im + p)
                Self.store(dr * wr - di * wi, re + q); Self.store(dr * wi + di * wr, im + q)
                j += 4
            }
            base += 2 * h
        }
    }

    /// DIF stages of half-size h and h/2 in one pass over blocks of 2h: stage h pairs (p, p+h)
    /// with w = e^{−iπj/h} and (p+h/2, p+3h/2) with e^{−iπ(j+h/2)/h} = −i·w; stage h/2 pairs
    /// (p, p+h/2) and (p+h, p+3h/2) with v = e^{−iπj/(h/2)}.
    @inline(__always)
    private func difFusedStages(_ re: UnsafeMutablePointer<Double>, _ im: UnsafeMutablePointer<Double>, _ h: Int) {
        let g = h / 2
        var base = 0
        while base < half {
            var j = 0
            while j < g {
                let p0 = base + j, p1 = p0 + g, p2 = p0 + h, p3 = p2 + g
                let wr = Self.load(stageReal + h + j), wi = Self.load(stageImaginary + h + j)
                let vr = Self.load(stageReal + g + j), vi = Self.load(stageImaginary + g + j)
                let a0r = Self.load(re + p0), a0i = Self.load(im + p0)
                let a1r = Self.load(re + p1), a1i = Self.load(im + p1)
                let a2r = Self.load(re + p2), a2i = Self.load(im + p2)
                let a3r = Self.load(re + p3), a3i = Self.load(im + p3)
                // Stage h.
                let b0r = a0r + a2r, b0i = a0i + a2i
                let d2r = a0r - a2r, d2i = a0i - a2i
                let b2r = d2r * wr - d2i * wi, b2i = d2r * wi + d2i * wr
                let b1r = a1r + a3r, b1i = a1i + a3i
                let d3r = a1r - a3r, d3i = a1i - a3i
                let ur = wi, ui = -wr  // −i·w
                let b3r = d3r * ur - d3i * ui, b3i = d3r * ui + d3i * ur
                // Stage h/2.
                Self.store(b0r + b1r, re + p0); Self.store(b0i + b1i, im + p0)
                let e1r = b0r - b1r, e1i = b0i - b1i
                Self.store(e1r * vr - e1i * vi, re + p1); Self.store(e1r * vi + e1i * vr, im + p1)
                Self.store(b2r + b3r, re + p2); Self.store(b2i + b3i, im + p2)
                let e3r = b2r - b3r, e3i = b2i - b3i
                Self.store(e3r * vr - e3i * vi, re + p3); Self.store(e3r * vi + e3i * vr, im + p3)
                j += 4
            }
            base += 2 * h
        }
    }

    /// Decimation in time: bit-reversed order in, natural order out. Stage of half-size h:
    /// x_p, x_{p+h} ← x_p ± w_j·x_{p+h}, for h = 1 up to M/2.
    private func ditForward(_ re: UnsafeMutablePointer<Double>, _ im: UnsafeMutablePointer<Double>) {
        let m = half
        // Half-sizes 1 and 2 (twiddles 1 and −i) as one radix-4 pass.
        var b = 0
        while b < m {
            let a0r = re[b], a0i = im[b], a1r = re[b + 1], a1i = im[b + 1]
            let a2r = re[b + 2], a2i = im[b + 2], a3r = re[b + 3], a3i = im[b + 3]
            let s0r = a0r + a1r, s0i = a0i + a1i, d0r = a0r - a1r, d0i = a0i - a1i
            let s1r = a2r + a3r, s1i = a2i + a3i, d1r = a2r - a3r, d1i = a2i - a3i
            re[b] = s0r + s1r; im[b] = s0i + s1i
            re[b + 2] = s0r - s1r; im[b + 2] = s0i - s1i
            // −i·(d1r + i·d1i) = d1i − i·d1r.
            re[b + 1] = d0r + d1i; im[b + 1] = d0i - d1r
            re[b + 3] = d0r - d1i; im[b + 3] = d0i + d1r
            b += 4
        }
        var h = 4
        while h < m {
            if 2 * h < m {
                ditFusedStages(re, im, h)
                h *= 4
            } else {
                ditStage(re, im, h)
                h *= 2
            }
        }
    }

    @inline(__always)
    private func ditStage(_ re: UnsafeMutablePointer<Double>, _ im: UnsafeMutablePointer<Double>, _ h: Int) {
        var base = 0
        while base < half {
            var j = 0
            while j < h {
                let p = base + j, q = p + h
                let wr = Self.load(stageReal + h + j), wi = Self.load(stageImaginary + h + j)
                let ar = Self.load(re + p), ai = Self.load(im + p)
                let br = Self.load(re + q), bi = Self.load(im + q)
                let tr = br * wr - bi * wi
                let ti = br * wi + bi * wr
                Self.store(ar + tr, re + p); Self.store(ai + ti, im + p)
                Self.store(ar - tr, re + q); Self.store(ai - ti, im + q)
                j += 4
            }
            base += 2 * h
        }
    }

    /// DIT stages of half-size h and 2h over blocks of 4h: stage h pairs (p, p+h) and
    /// (p+2h, p+3h) with w = e^{−iπj/h}; stage 2h pairs (p, p+2h) with v = e^{−iπj/(2h)} and
    /// (p+h, p+3h) with e^{−iπ(j+h)/(2h)} = −i·v.
    @inline(__always)
    private func ditFusedStages(_ re: UnsafeMutablePointer<Double>, _ im: UnsafeMutablePointer<Double>, _ h: Int) {
        let h2 = 2 * h
        var base = 0
        while base < half {
            var j = 0
            while j < h {
                let p0 = base + j, p1 = p0 + h, p2 = p0 + h2, p3 = p2 + h
                let wr = Self.load(stageReal + h + j), wi = Self.load(stageImaginary + h + j)
                let vr = Self.load(stageReal + h2 + j), vi = Self.load(stageImaginary + h2 + j)
                let a0r = Self.load(re + p0), a0i = Self.load(im + p0)
                let a1r = Self.load(re + p1), a1i = Self.load(im + p1)
                let a2r = Self.load(re + p2), a2i = Self.load(im + p2)
                let a3r = Self.load(re + p3), a3i = Self.load(im + p3)
                // Stage h.
                let t1r = a1r * wr - a1i * wi, t1i = a1r * wi + a1i * wr
                let t3r = a3r * wr - a3i * wi, t3i = a3r * wi + a3i * wr
                let b0r = a0r + t1r, b0i = a0i + t1i, b1r = a0r - t1r, b1i = a0i - t1i
                let b2r = a2r + t3r, b2i = a2i + t3i, b3r = a2r - t3r, b3i = a2i - t3i
                // Stage 2h: twiddle v for (b0, b2), −i·v = (vi, −vr) for (b1, b3).
                let u2r = b2r * vr - b2i * vi, u2i = b2r * vi + b2i * vr
                let ur = vi, ui = -vr
                let u3r = b3r * ur - b3i * ui, u3i = b3r * ui + b3i * ur
                Self.store(b0r + u2r, re + p0); Self.store(b0i + u2i, im + p0)
                Self.store(b0r - u2r, re + p2); Self.store(b0i - u2i, im + p2)
                Self.store(b1r + u3r, re + p1); Self.store(b1i + u3i, im + p1)
                Self.store(b1r - u3r, re + p3); Self.store(b1i - u3i, im + p3)
                j += 4
            }
            base += 2 * h2
        }
    }

    @inline(__always)
    private static func load(_ p: UnsafePointer<Double>) -> SIMD4<Double> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Double>.self)
    }

    @inline(__always)
    private static func load(_ p: UnsafeMutablePointer<Double>) -> SIMD4<Double> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Double>.self)
    }

    @inline(__always)
    private static func reversed(_ v: SIMD4<Double>) -> SIMD4<Double> { SIMD4(v[3], v[2], v[1], v[0]) }

    @inline(__always)
    private static func store(_ v: SIMD4<Double>, _ p: UnsafeMutablePointer<Double>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD4<Double>.self)
    }
}

/// cos and sin of 2πk/L from one quarter-wave table of cos(2πj/2¹⁵), j = 0 … 2¹³, computed
/// once per process with libm (as sin of the complementary angle past π/4, so that small values
/// keep full relative accuracy and cos(π/2) is exactly 0); lengths above 2¹⁵ call libm directly.
enum Twiddles {
    static let tableLength = 1 << 15
    static let quarterCos: [Double] = (0...(tableLength / 4)).map { j in
        let scale = 2 * Double.pi / Double(tableLength)
        return 8 * j <= tableLength ? Double.cos(scale * Double(j)) : Double.sin(scale * Double(tableLength / 4 - j))
    }

    /// (cos 2πk/L, sin 2πk/L) for 0 ≤ k ≤ L/2, L a power of two.
    static func cosSin(_ k: Int, _ length: Int) -> (Double, Double) {
        precondition(k >= 0 && 2 * k <= length)
        guard length <= tableLength else {
            let scale = 2 * Double.pi / Double(length)
            return 8 * k <= length ? (Double.cos(scale * Double(k)), Double.sin(scale * Double(k)))
                : (Double.sin(scale * Double(length / 4 - k)), Double.cos(scale * Double(length / 4 - k)))
        }
        let stride = tableLength / length
        let quarter = length / 4
        // cos θ for θ = 2πk/L in [0, π], sin θ = cos(π/2 − θ) = cos(θ − π/2).
        if k <= quarter {
            return (quarterCos[k * stride], quarterCos[(quarter - k) * stride])
        }
        return (-quarterCos[(length / 2 - k) * stride], quarterCos[(k - quarter) * stride])
    }
}
