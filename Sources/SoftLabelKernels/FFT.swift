import RealModule

/// Radix-2 fast Fourier transforms of real `Double` sequences, for convolutions (smooth ECE's
/// reflected Gaussian smoothing). Stdlib and RealModule only.
///
/// `RealFFT(length: L)`, L a power of two ≥ 8, maps L reals to the L/2 + 1 coefficients
/// X_k = Σ_n x_n e^{−2πikn/L}, k = 0 … M (M = L/2; the others are conj(X_{L−k})), and back,
/// through one complex FFT of length M of z_n = x_{2n} + i·x_{2n+1} (the "two for one" split,
/// Numerical Recipes §12.3):
///   X_k = E_k + W^k·O_k,  E_k = (Z_k + conj Z_{M−k})/2,  O_k = (Z_k − conj Z_{M−k})/(2i),  W = e^{−2πi/L}.
/// `inverse` undoes the split and runs the complex FFT backwards *without* the 1/M factor: it
/// returns M·x (callers fold the exact power-of-two 1/M into a spectrum).
///
/// The complex FFT is iterative decimation in time after a bit-reversal permutation, on split
/// real/imaginary arrays: stages 1 and 2 are one radix-4 pass without multiplications, the
/// later ones do four butterflies per `SIMD4<Double>` step. The inverse is the forward
/// transform with the real and imaginary arrays swapped (IFFT(x) = swap(FFT(swap(x))), swap(z) =
/// i·conj(z)). Twiddles are cos(2πj/2¹⁵) from a table computed once with libm (≤ 1 ulp each),
/// not a recurrence, so the round-off is the textbook O(ε·log L)·‖x‖₂ per coefficient
/// (Higham, "Accuracy and Stability of Numerical Algorithms", §24.1). Cost: (M/2)·log₂M
/// butterflies plus O(M) for the split; a plan holds O(L) twiddles and no per-call allocation.
final class RealFFT {
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

    /// X = FFT(x): reads `x[0..<L]`, writes `re[0...M]`, `im[0...M]` (M + 1 each; `re` and `im`
    /// need room for M + 1 values; `x` may not alias them).
    func forward(_ x: UnsafePointer<Double>, re: UnsafeMutablePointer<Double>, im: UnsafeMutablePointer<Double>) {
        let m = half
        for n in 0..<m {
            re[n] = x[2 * n]
            im[n] = x[2 * n + 1]
        }
        complexForward(re, im)
        // k = 0 and M: E_0 = Re Z_0, O_0 = Im Z_0.
        let r0 = re[0], i0 = im[0]
        re[0] = r0 + i0; im[0] = 0
        re[m] = r0 - i0; im[m] = 0
        for k in 1...(m / 2) {
            let mk = m - k
            let zr = re[k], zi = im[k], wr = re[mk], wi = im[mk]
            // E = (Z_k + conj Z_{M−k})/2, O = (Z_k − conj Z_{M−k})/(2i).
            let er = 0.5 * (zr + wr), ei = 0.5 * (zi - wi)
            let or = 0.5 * (zi + wi), oi = -0.5 * (zr - wr)
            // W^k·O with W^k = c − i·s.
            let c = splitCos[k], s = splitSin[k]
            let tr = c * or + s * oi, ti = c * oi - s * or
            // X_k = E + W^k O, X_{M−k} = conj(E − W^k O).
            re[k] = er + tr; im[k] = ei + ti
            re[mk] = er - tr; im[mk] = -(ei - ti)
        }
    }

    /// M·x = M·IFFT(X) for a conjugate-symmetric spectrum given as `re[0...M]`, `im[0...M]`
    /// (destroyed); writes `x[0..<L]` (`x` may not alias them).
    func inverse(re: UnsafeMutablePointer<Double>, im: UnsafeMutablePointer<Double>, into x: UnsafeMutablePointer<Double>) {
        let m = half
        // Z_0 = E_0 + i·O_0 with E_0 = (X_0 + X_M)/2, O_0 = (X_0 − X_M)/2.
        let x0 = re[0], xm = re[m]
        re[0] = 0.5 * (x0 + xm)
        im[0] = 0.5 * (x0 - xm)
        for k in 1...(m / 2) {
            let mk = m - k
            let ar = re[k], ai = im[k], br = re[mk], bi = im[mk]
            // E = (X_k + conj X_{M−k})/2, O = (X_k − conj X_{M−k})·conj(W^k)/2.
            let er = 0.5 * (ar + br), ei = 0.5 * (ai - bi)
            let dr = 0.5 * (ar - br), di = 0.5 * (ai + bi)
            let c = splitCos[k], s = splitSin[k]
            let or = c * dr - s * di, oi = c * di + s * dr
            // Z_k = E + i·O, Z_{M−k} = conj E + i·conj O.
            re[k] = er - oi; im[k] = ei + or
            re[mk] = er + oi; im[mk] = -ei + or
        }
        // IFFT(Z)·M = swap(FFT(swap(Z))).
        complexForward(im, re)
        for n in 0..<m {
            x[2 * n] = re[n]
            x[2 * n + 1] = im[n]
        }
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
        var h = 4
        while h < m {
            var base = 0
            while base < m {
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
            h *= 2
        }
    }

    @inline(__always)
    private static func load(_ p: UnsafeMutablePointer<Double>) -> SIMD4<Double> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Double>.self)
    }

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
