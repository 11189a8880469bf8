import RealModule

/// Radix-2 fast Fourier transforms of real `Double` sequences, for convolutions (smooth ECE's
/// reflected Gaussian smoothing). Stdlib and RealModule only.
///
/// `RealFFT(length: L)`, L a power of two ≥ 8, maps L reals to the L/2 + 1 coefficients
/// X_k = Σ_n x_n e^{−2πikn/L}, k = 0 … M (M = L/2; the others are conj(X_{L−k})), and back,
/// through one complex FFT of length M of z_n = x_{2n} + i·x_{2n+1} (the "two for one" split,
/// Numerical Recipes §12.3):
///   X_k = E_k + W^k·O_k,  E_k = (Z_k + conj Z_{M−k})/2,  O_k = (Z_k − conj Z_{M−k})/(2i),  W = e^{−2πi/L}.
/// Both work in place on the even/odd split of x, so callers write and read the samples there.
/// `inverseOfProduct` multiplies two spectra, undoes the split and runs the complex FFT backwards
/// *without* the 1/M factor: it returns M·x (callers fold the exact power-of-two 1/M into an
/// input).
///
/// The complex FFT is iterative decimation in time after a bit-reversal permutation, on split
/// real/imaginary arrays: stages 1 and 2 are one radix-4 pass without multiplications, the
/// later ones do four butterflies per `SIMD4<Double>` step. The inverse is the forward
/// transform with the real and imaginary arrays swapped (IFFT(x) = swap(FFT(swap(x))), swap(z) =
/// i·conj(z)). Twiddles are cos(2πj/2¹⁵) from a table computed once with libm (≤ 1 ulp each),
/// not a recurrence, so the round-off is the textbook O(ε·log L)·‖x‖₂ per coefficient
/// (Higham, "Accuracy and Stability of Numerical Algorithms", §24.1). Cost: (M/2)·log₂M
/// butterflies plus O(M) for the split; a plan holds O(L) twiddles and no per-call allocation.
final class RealFFT: @unchecked Sendable {  // immutable after init
    /// The plan for L = 2048, smooth ECE's length for every σ ≥ 0.01 (E = 1001), built once.
    static let length2048 = RealFFT(length: 2048)

    /// A plan for `length`: the shared one for 2048, else a new one.
    static func plan(length: Int) -> RealFFT { length == 2048 ? length2048 : RealFFT(length: length) }

    /// L, the number of reals.
    let length: Int
    /// M = L/2, the complex FFT length.
    let half: Int
    /// Bit-reversal swaps (i, j), i < j, for length M.
    private let swaps: [(Int32, Int32)]
    /// Stage twiddles e^{−iπj/h} for the stage of half-size h (h = 4, 8, …, M/2) at offset h + j:
    /// cos(πj/h) and −sin(πj/h).
    private let stageReal: UnsafeMutablePointer<Double>
    private let stageImaginary: UnsafeMutablePointer<Double>
    /// cos(2πk/L) and sin(2πk/L) for k = 0 … M/2 (the split's W^k = c − i·s).
    private let splitCos: UnsafeMutablePointer<Double>
    private let splitSin: UnsafeMutablePointer<Double>

    init(length: Int) {
        precondition(length >= 8 && length & (length - 1) == 0, "RealFFT length must be a power of two ≥ 8")
        self.length = length
        let m = length / 2
        half = m
        var bits = 0
        while 1 << bits < m { bits += 1 }
        var swaps: [(Int32, Int32)] = []
        swaps.reserveCapacity(m / 2)
        for i in 0..<m {
            var j = 0
            for b in 0..<bits where i & (1 << b) != 0 { j |= 1 << (bits - 1 - b) }
            if i < j { swaps.append((Int32(i), Int32(j))) }
        }
        self.swaps = swaps
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
        splitCos = .allocate(capacity: m / 2 + 1)
        splitSin = .allocate(capacity: m / 2 + 1)
        for k in 0...(m / 2) {
            (splitCos[k], splitSin[k]) = Twiddles.cosSin(k, length)
        }
    }

    deinit {
        stageReal.deallocate(); stageImaginary.deallocate()
        splitCos.deallocate(); splitSin.deallocate()
    }

    /// X = FFT(x) in place, x given split into even and odd samples: on entry `re[n]` = x_{2n},
    /// `im[n]` = x_{2n+1} (n < M); on exit `re[0...M]`, `im[0...M]` = X_0 … X_M (both need
    /// room for M + 1 values).
    func forward(re: UnsafeMutablePointer<Double>, im: UnsafeMutablePointer<Double>) {
        let m = half
        complexForward(re, im)
        // k = 0 and M: E_0 = Re Z_0, O_0 = Im Z_0.
        let r0 = re[0], i0 = im[0]
        re[0] = r0 + i0; im[0] = 0
        re[m] = r0 - i0; im[m] = 0
        // k and M − k together; four k per step while the two runs of four stay apart, then the
        // rest one at a time (the same arithmetic).
        var k = 1
        while 2 * k + 6 < m {
            let mk = m - k - 3
            let (xr, xi, yr, yi) = splitForward(Self.load(re + k), Self.load(im + k),
                                                Self.reversed(Self.load(re + mk)), Self.reversed(Self.load(im + mk)),
                                                Self.load(splitCos + k), Self.load(splitSin + k))
            Self.store(xr, re + k); Self.store(xi, im + k)
            Self.store(Self.reversed(yr), re + mk); Self.store(Self.reversed(yi), im + mk)
            k += 4
        }
        while k <= m / 2 {
            let mk = m - k
            let (xr, xi, yr, yi) = splitForward(SIMD4(repeating: re[k]), SIMD4(repeating: im[k]),
                                                SIMD4(repeating: re[mk]), SIMD4(repeating: im[mk]),
                                                SIMD4(repeating: splitCos[k]), SIMD4(repeating: splitSin[k]))
            re[k] = xr[0]; im[k] = xi[0]
            re[mk] = yr[0]; im[mk] = yi[0]
            k += 1
        }
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

    /// M·x = M·IFFT(A·B) for two conjugate-symmetric spectra A, B given as `re[0...M]`,
    /// `im[0...M]` (read only), i.e. M times the circular convolution of their sequences;
    /// written split: `even[n]` = M·x_{2n}, `odd[n]` = M·x_{2n+1} (n < M). The output may not
    /// alias the inputs.
    func inverseOfProduct(_ aRe: UnsafePointer<Double>, _ aIm: UnsafePointer<Double>,
                          _ bRe: UnsafePointer<Double>, _ bIm: UnsafePointer<Double>,
                          even: UnsafeMutablePointer<Double>, odd: UnsafeMutablePointer<Double>) {
        let m = half
        // X_0 and X_M are real for real sequences (their imaginary parts are exactly 0 here).
        let x0 = aRe[0] * bRe[0] - aIm[0] * bIm[0], xm = aRe[m] * bRe[m] - aIm[m] * bIm[m]
        // Z_0 = E_0 + i·O_0 with E_0 = (X_0 + X_M)/2, O_0 = (X_0 − X_M)/2.
        even[0] = 0.5 * (x0 + xm)
        odd[0] = 0.5 * (x0 - xm)
        var k = 1
        while 2 * k + 6 < m {
            let mk = m - k - 3
            let (er, ei, or, oi) = splitInverse(
                Self.load(aRe + k), Self.load(aIm + k), Self.load(bRe + k), Self.load(bIm + k),
                Self.reversed(Self.load(aRe + mk)), Self.reversed(Self.load(aIm + mk)),
                Self.reversed(Self.load(bRe + mk)), Self.reversed(Self.load(bIm + mk)),
                Self.load(splitCos + k), Self.load(splitSin + k))
            Self.store(er - oi, even + k); Self.store(ei + or, odd + k)
            Self.store(Self.reversed(er + oi), even + mk); Self.store(Self.reversed(-ei + or), odd + mk)
            k += 4
        }
        while k <= m / 2 {
            let mk = m - k
            let (er, ei, or, oi) = splitInverse(
                SIMD4(repeating: aRe[k]), SIMD4(repeating: aIm[k]), SIMD4(repeating: bRe[k]), SIMD4(repeating: bIm[k]),
                SIMD4(repeating: aRe[mk]), SIMD4(repeating: aIm[mk]), SIMD4(repeating: bRe[mk]), SIMD4(repeating: bIm[mk]),
                SIMD4(repeating: splitCos[k]), SIMD4(repeating: splitSin[k]))
            // Z_k = E + i·O, Z_{M−k} = conj E + i·conj O.
            even[k] = (er - oi)[0]; odd[k] = (ei + or)[0]
            even[mk] = (er + oi)[0]; odd[mk] = (-ei + or)[0]
            k += 1
        }
        // IFFT(Z)·M = swap(FFT(swap(Z))): real parts land in `even`, imaginary parts in `odd`.
        complexForward(odd, even)
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

    /// In-place unnormalised forward DFT of length M (sign −) on split arrays.
    private func complexForward(_ re: UnsafeMutablePointer<Double>, _ im: UnsafeMutablePointer<Double>) {
        let m = half
        for (a, b) in swaps {
            let i = Int(a), j = Int(b)
            let tr = re[i], ti = im[i]
            re[i] = re[j]; im[i] = im[j]
            re[j] = tr; im[j] = ti
        }
        // Stages of half-size 1 and 2 as one radix-4 pass (twiddles 1 and −i).
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
        // Stages of half-size h ≥ 4 on four lanes at a time, two at once where two remain
        // (h and 2h over blocks of 4h: the same butterflies, one load and store of the data
        // instead of two).
        var h = 4
        while h < m {
            if 2 * h < m {
                fusedStages(re, im, h)
                h *= 4
            } else {
                radix2Stage(re, im, h)
                h *= 2
            }
        }
    }

    /// One radix-2 stage of half-size h: x_p, x_{p+h} ← x_p ± w_j·x_{p+h}, w_j = e^{−iπj/h}.
    @inline(__always)
    private func radix2Stage(_ re: UnsafeMutablePointer<Double>, _ im: UnsafeMutablePointer<Double>, _ h: Int) {
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

    /// The stages of half-size h and 2h together over blocks of 4h. Stage h pairs (p, p+h) and
    /// (p+2h, p+3h) with w = e^{−iπj/h}; stage 2h pairs (p, p+2h) with v = e^{−iπj/(2h)} and
    /// (p+h, p+3h) with e^{−iπ(j+h)/(2h)} = −i·v. The arithmetic is exactly that of two radix-2
    /// stages.
    @inline(__always)
    private func fusedStages(_ re: UnsafeMutablePointer<Double>, _ im: UnsafeMutablePointer<Double>, _ h: Int) {
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
