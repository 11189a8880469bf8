import RealModule
import Synchronization

/// Smooth ECE (Błasiok & Nakkiran 2024, "Smooth ECE: Principled Reliability Diagrams via Kernel
/// Smoothing"), computed exactly as relplot 1.0.3's `smECE(f, y, eps=0.001)` with its default
/// reflected Gaussian kernel:
///
/// - Bandwidth: `search_param`: σ = 1 if 1 ≥ smECE_σ(1); else ten bisection steps on [0, 1]
///   keeping the larger end `start` where σ ≥ smECE_σ(σ) (the predicate is σ < eps or
///   σ < smECE_σ(σ)), and the answer is smECE at that `start`.
/// - smECE_σ: residuals r_i = f_i − y_i and ones are deposited on a grid of E = ⌊max(2000,
///   round(20/σ))/2⌋ + 1 points over [0, 1] by linear interpolation (`smooth_round_to_grid`),
///   each grid is reflected at 0 and 1 and convolved with the unnormalised kernel
///   k_j = exp(−(t_j − ½)²/(2σ²))/(√(2π)σ), t = linspace(0, 1, E) (`np.convolve(..., "valid")`),
///   and both are interpolated linearly at T = max(round(10/σ), 200) points of linspace(0, 1, T).
///   With A = smoothed residual and D = smoothed ones + 1e-4:
///   smECE_σ = Σ_t |A_t/D_t|·D_t / Σ_t D_t.
///
/// relplot evaluates the search's 11 bandwidths (12 calls: it recomputes the last one) with
/// direct `np.convolve` sums, O(E²) each; here the reflected convolutions run by FFT
/// (`ReflectedGaussianSmoother`): the grids and their spectra are built once per E (E = 1001
/// for every σ ≥ 0.01), and each σ costs one kernel transform (none for the search's first
/// seven bandwidths, whose kernel spectra are shared across requests: `KernelSpectrumCache`)
/// and two inverse transforms of length 2048, plus O(T). Every step is float64; the kernel,
/// deposit and interpolation are relplot's arithmetic, and the FFT's round-off keeps smECE_σ
/// within ~3e-15 relative of the direct sums (`atBandwidthDirect`, the reference the tests
/// hold it to at 1e-12), so results agree with relplot to ~1e-13 relative (summation order).
/// relplot's first test (σ = 1) can never pass and is skipped (see `compute`), so 10
/// bandwidths are evaluated. Cost: O(N) for the deposit plus 2–3 FFTs of 1024 complex points
/// per bandwidth, ~0.09 ms for any N up to ~10⁵ when σ ≥ 0.01; smaller σ (nearly calibrated
/// data) use finer grids, up to 32768-point transforms at σ = 2⁻¹⁰.
public enum SmoothECE {
    /// relplot's `BaseKernelMixin.smooth` density floor.
    static let densityFloor = 1e-4
    static let minimumEvaluationPoints = 200
    static let minimumGridPoints = 2000
    static let bisectionSteps = 10

    /// smECE of confidences f (in [0, 1]) against outcomes y (0 or 1), with the bandwidth
    /// search; returns the value and the bandwidth σ. Empty input gives nil.
    public static func compute(confidence f: [Double], correct: [Bool], epsilon: Double = CalibrationConfiguration.defaultSmoothECEEpsilon)
        -> (value: Double, bandwidth: Double)? {
        guard !f.isEmpty else { return nil }
        let residual = zip(f, correct).map { $0 - ($1 ? 1 : 0) }
        let smoother = ReflectedGaussianSmoother(confidence: f, residual: residual)
        var cache = [Double: Double]()
        func value(_ sigma: Double) -> Double {
            if let v = cache[sigma] { return v }
            let v = smoother.smoothECE(sigma: sigma)
            cache[sigma] = v
            return v
        }
        func predicate(_ alpha: Double) -> Bool { alpha < epsilon || alpha < value(alpha) }
        var start = 1.0
        // relplot first tests σ = 1, i.e. 1 < ε or 1 < smECE_1. The second is never true: with
        // |f_i − y_i| ≤ 1 the deposited residuals satisfy |r_j| ≤ ones_j, the kernel and the
        // interpolation weights are ≥ 0, so |A_t| ≤ D_t − 10⁻⁴ at every point and
        // smECE_σ = Σ|A_t|/ΣD_t ≤ 1 − T·10⁻⁴/ΣD_t < 1 for every σ. In float64 the margin
        // T·10⁻⁴/ΣD_t ≥ ~8·10⁻⁵/N (D_t ≤ ~1.2·N at σ = 1) dwarfs the ~10⁻¹⁵ relative round-off
        // for N ≤ 10⁸, so there the evaluation is skipped (the answer is the same; smECE_1 is
        // still computed if the search ends at σ = 1).
        let firstTestIsFalse = epsilon <= 1 && f.count <= 100_000_000 && f.allSatisfy { $0 >= 0 && $0 <= 1 }
        if firstTestIsFalse || !predicate(start) {
            var end = 0.0
            for _ in 0..<bisectionSteps {
                let midpoint = (start + end) / 2
                if predicate(midpoint) { end = midpoint } else { start = midpoint }
            }
        }
        return (value(start), start)
    }

    /// smECE at a fixed bandwidth σ (relplot `smECE_sigma`), residual = f − y.
    static func atBandwidth(_ f: [Double], residual: [Double], sigma: Double) -> Double {
        ReflectedGaussianSmoother(confidence: f, residual: residual).smoothECE(sigma: sigma)
    }

    /// relplot's grid size E for σ: ⌊max(2000, round(20/σ))/2⌋ + 1.
    static func gridPoints(sigma: Double) -> Int { Swift.max(minimumGridPoints, pythonRound(20 / sigma)) / 2 + 1 }

    /// relplot's evaluation point count T for σ: max(round(10/σ), 200).
    static func evaluationPoints(sigma: Double) -> Int { Swift.max(pythonRound(10 / sigma), minimumEvaluationPoints) }

    /// smECE at σ computed the direct way, term for term as relplot (O(E²) convolutions): the
    /// reference that `ReflectedGaussianSmoother` is tested against.
    static func atBandwidthDirect(_ f: [Double], residual: [Double], sigma: Double) -> Double {
        let evaluationPoints = evaluationPoints(sigma: sigma)
        let gridPoints = gridPoints(sigma: sigma)
        let kernel = gaussianKernel(points: gridPoints, sigma: sigma)
        var residualGrid = [Double](repeating: 0, count: gridPoints)
        var onesGrid = [Double](repeating: 0, count: gridPoints)
        deposit(f, residual: residual, residualGrid: &residualGrid, onesGrid: &onesGrid)
        let smoothedResidual = reflectedConvolution(residualGrid, kernel: kernel)
        let smoothedOnes = reflectedConvolution(onesGrid, kernel: kernel)
        return weightedAbsoluteMean(gridPoints: gridPoints, evaluationPoints: evaluationPoints,
                                    residualAt: { smoothedResidual[$0] }, onesAt: { smoothedOnes[$0] })
    }

    /// relplot `smooth_round_to_grid` of the residuals and of ones: bins = int(f·(E−1)) clipped
    /// to [0, E−2], frac = f·(E−1) − bins; (1 − frac)·v to bins, frac·v to bins + 1, row by row.
    /// (f is a confidence in [0, 1]; the clip is done before the conversion to Int, so no value
    /// of f, NaN included, can trap there.)
    static func deposit(_ f: [Double], residual: [Double], residualGrid: inout [Double], onesGrid: inout [Double]) {
        let gridPoints = residualGrid.count
        precondition(onesGrid.count == gridPoints && residual.count == f.count)
        let scale = Double(gridPoints - 1)
        for i in f.indices {
            let t = f[i] * scale
            let bin = t >= 1 ? (t < Double(gridPoints - 2) ? Int(t) : gridPoints - 2) : 0
            let fraction = t - Double(bin)
            residualGrid[bin] += (1 - fraction) * residual[i]
            residualGrid[bin + 1] += fraction * residual[i]
            onesGrid[bin] += 1 - fraction
            onesGrid[bin + 1] += fraction
        }
    }

    /// Σ_t |A_t/D_t|·D_t / Σ_t D_t over T = `evaluationPoints` points of linspace(0, 1, T), with
    /// A and D the linear interpolations (relplot `interpolate`) of the smoothed residual and
    /// ones grids (E points each, read through `residualAt` and `onesAt`) and D_t including
    /// relplot's 1e-4 floor.
    @inline(__always)
    static func weightedAbsoluteMean(gridPoints n: Int, evaluationPoints: Int,
                                     residualAt: (Int) -> Double, onesAt: (Int) -> Double) -> Double {
        var numerator = 0.0, denominator = 0.0
        let step = evaluationPoints > 1 ? 1 / Double(evaluationPoints - 1) : 0
        let bucketSize = 1 / Double(n - 1)
        for j in 0..<evaluationPoints {
            let x = j == evaluationPoints - 1 && evaluationPoints > 1 ? 1 : Double(j) * step
            let index = Swift.min(Swift.max(Int(x * Double(n - 1)), 0), n - 2)
            let fraction = (x - Double(index) * bucketSize) / bucketSize
            let a = residualAt(index) * (1 - fraction) + residualAt(index + 1) * fraction
            let density = onesAt(index) * (1 - fraction) + onesAt(index + 1) * fraction + densityFloor
            numerator += Swift.abs(a / density) * density
            denominator += density
        }
        return numerator / denominator
    }

    /// numpy `linspace(0, 1, n)`: i·(1/(n−1)), the last point exactly 1.
    static func linspace(_ n: Int) -> [Double] {
        guard n > 1 else { return [0] }
        let step = 1 / Double(n - 1)
        var t = (0..<n).map { Double($0) * step }
        t[n - 1] = 1
        return t
    }

    /// Python's `round` (half to even) to an Int.
    static func pythonRound(_ x: Double) -> Int { Int(x.rounded(.toNearestOrEven)) }

    /// relplot `GaussianKernel.kernel_ev`: exp(−(t − ½)²/(2σ²))/(√(2π)σ) on linspace(0, 1, E).
    static func gaussianKernel(points: Int, sigma: Double) -> [Double] {
        let variance = sigma * sigma
        let normaliser = (2 * Double.pi).squareRoot() * sigma
        return linspace(points).map { t in Double.exp(-(t - 0.5) * (t - 0.5) / (2 * variance)) / normaliser }
    }

    /// relplot `ReflectedGaussianKernel.convolve`: ext = [reverse(v)[..−1], v, reverse(v)[1...]]
    /// (length 3E−2), c = np.convolve(ext, k, "valid") (length 2E−1), result c[E/2 ..< E/2 + E]:
    ///   out_i = Σ_m ext[i + E/2 + m]·k[E−1−m].
    static func reflectedConvolution(_ values: [Double], kernel: [Double]) -> [Double] {
        let e = values.count
        precondition(kernel.count == e)
        var extended = [Double](repeating: 0, count: 3 * e - 2)
        for i in 0..<(e - 1) { extended[i] = values[e - 1 - i] }
        for i in 0..<e { extended[e - 1 + i] = values[i] }
        for i in 1..<e { extended[2 * e - 2 + i] = values[e - 1 - i] }
        // Only kernel entries that are non-zero in float64 contribute.
        let first = kernel.firstIndex { $0 != 0 } ?? 0
        let last = kernel.lastIndex { $0 != 0 } ?? (e - 1)
        var out = [Double](repeating: 0, count: e)
        let offset = e / 2
        extended.withUnsafeBufferPointer { ext in
            kernel.withUnsafeBufferPointer { k in
                for i in 0..<e {
                    // m runs over E−1−last ... E−1−first (where k[E−1−m] ≠ 0).
                    var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
                    var m = e - 1 - last
                    let mEnd = e - 1 - first
                    let base = i + offset
                    while m + 3 <= mEnd {
                        s0 += ext[base + m] * k[e - 1 - m]
                        s1 += ext[base + m + 1] * k[e - 2 - m]
                        s2 += ext[base + m + 2] * k[e - 3 - m]
                        s3 += ext[base + m + 3] * k[e - 4 - m]
                        m += 4
                    }
                    while m <= mEnd {
                        s0 += ext[base + m] * k[e - 1 - m]
                        m += 1
                    }
                    out[i] = (s0 + s1) + (s2 + s3)
                }
            }
        }
        return out
    }
}

/// relplot's reflected Gaussian smoothing of one data set at any number of bandwidths, by FFT:
/// smECE_σ for each σ the bandwidth search asks for, with the grids, their spectra and every
/// buffer reused across σ (the grids and spectra depend on σ only through E, which is 1001 for
/// every σ ≥ 0.01).
///
/// The reflected convolution out_g = Σ_{d<E} k_d·v̂(g + ⌊E/2⌋ − d), g ∈ [0, E), where v̂ is the grid
/// mirrored at 0 and at E−1 (v̂(−u) = v(u), v̂(E−1+u) = v(E−1−u)), is the linear convolution of
/// the 2E−1 mirrored values s_x = v̂(x + ⌊E/2⌋ − (E−1)) with the E kernel values, read at
/// x = g + E − 1. In a circular convolution of length L ≥ 2E − 1 those E outputs do not wrap,
/// so L = the next power of two (2048 for E = 1001) and
///   out = IFFT(FFT(s)·FFT(k))[E−1 ..< 2E−1].
/// Per σ that is one real FFT of the kernel and two real inverse FFTs (O(L log L)) instead of
/// two O(E²) sums. FFT round-off is O(ε·log L) relative to the signal's norm (the direct sum's is
/// O(ε) relative to Σ|terms|); against `SmoothECE.atBandwidthDirect`, smECE_σ agreed to ≤ 3e-15
/// relative on every data set and σ of CalibrationSmoothECEFFTTests (which requires 1e-12).
/// The kernel spectra of the bandwidth search's first bandwidths, shared by every request of the
/// process: the spectrum depends on σ alone (not on the data), and the search bisects [0, 1] on
/// dyadic values k/2^s, so its first seven evaluations (s ≤ 7, with σ = 1: at most 129 values
/// of σ) recur in every request. Only those σ, and only the
/// 2048-point transform (σ ≥ 0.01), are kept: ≤ 129 × 2 × 1025 doubles (2.1 MB), filled on
/// first use and never evicted. A cached spectrum is bit-identical to a recomputed one, so the
/// cache changes no result. Thread-safe (one mutex; lookups copy nothing).
@available(macOS 15, *)
final class KernelSpectrumCache: Sendable {
    static let shared = KernelSpectrumCache()
    /// σ with a denominator ≤ 2^7 (σ·128 an integer).
    static let finestLevel = 128.0
    static let length = 2048
    private let entries = Mutex<[UInt64: [Double]]>([:])

    static func isCached(sigma: Double, length: Int) -> Bool {
        let scaled = sigma * finestLevel
        return length == Self.length && scaled == scaled.rounded()
    }

    /// The spectrum for σ as re[0...M] followed by im[0...M], if held.
    func spectrum(sigma: Double, length: Int) -> [Double]? {
        guard Self.isCached(sigma: sigma, length: length) else { return nil }
        return entries.withLock { $0[sigma.bitPattern] }
    }

    func insert(sigma: Double, length: Int, re: UnsafePointer<Double>, im: UnsafePointer<Double>, count: Int) {
        guard Self.isCached(sigma: sigma, length: length) else { return }
        var spectrum = [Double](UnsafeBufferPointer(start: re, count: count))
        spectrum.append(contentsOf: UnsafeBufferPointer(start: im, count: count))
        entries.withLock { $0[sigma.bitPattern] = spectrum }
    }
}

final class ReflectedGaussianSmoother {
    let confidence: [Double]
    let residual: [Double]
    /// E of the grids and spectra held now (0: none yet).
    private var gridPoints = 0
    private var fft: RealFFT?
    private var storage: UnsafeMutablePointer<Double>?
    // Views into `storage` for the current L, M + 1 values each (M = L/2): the spectra of the
    // mirrored residual and ones grids, the kernel (its samples split even/odd, then its
    // spectrum), and the two smoothed grids split even/odd.
    private var residualRe: UnsafeMutablePointer<Double>!, residualIm: UnsafeMutablePointer<Double>!
    private var onesRe: UnsafeMutablePointer<Double>!, onesIm: UnsafeMutablePointer<Double>!
    private var kernelRe: UnsafeMutablePointer<Double>!, kernelIm: UnsafeMutablePointer<Double>!
    private var smoothedResidualEven: UnsafeMutablePointer<Double>!, smoothedResidualOdd: UnsafeMutablePointer<Double>!
    private var smoothedOnesEven: UnsafeMutablePointer<Double>!, smoothedOnesOdd: UnsafeMutablePointer<Double>!

    init(confidence: [Double], residual: [Double]) {
        precondition(confidence.count == residual.count)
        self.confidence = confidence
        self.residual = residual
    }

    deinit { storage?.deallocate() }

    /// relplot `smooth_ece(f, y, σ)`.
    func smoothECE(sigma: Double) -> Double {
        let e = SmoothECE.gridPoints(sigma: sigma)
        prepare(gridPoints: e)
        let fft = fft!
        if #available(macOS 15, *), let cached = KernelSpectrumCache.shared.spectrum(sigma: sigma, length: fft.length) {
            return cached.withUnsafeBufferPointer { spectrum in
                smooth(sigma: sigma, gridPoints: e, kernelRe: spectrum.baseAddress!, kernelIm: spectrum.baseAddress! + fft.half + 1)
            }
        }
        fillKernel(sigma: sigma, gridPoints: e, scale: 1 / Double(fft.half))
        fft.forward(re: kernelRe, im: kernelIm)
        if #available(macOS 15, *) {
            KernelSpectrumCache.shared.insert(sigma: sigma, length: fft.length, re: kernelRe, im: kernelIm, count: fft.half + 1)
        }
        return smooth(sigma: sigma, gridPoints: e, kernelRe: kernelRe, kernelIm: kernelIm)
    }

    /// smECE_σ from the kernel's spectrum (scaled by 1/M, bit-reversed order).
    private func smooth(sigma: Double, gridPoints e: Int, kernelRe: UnsafePointer<Double>, kernelIm: UnsafePointer<Double>) -> Double {
        let fft = fft!
        // Grid value g of a smoothed signal is sample x = g + E − 1 of the circular convolution,
        // which the inverse leaves at [x/2] of its even (x even) or odd half.
        let residualEven = smoothedResidualEven!, residualOdd = smoothedResidualOdd!
        let onesEven = smoothedOnesEven!, onesOdd = smoothedOnesOdd!
        fft.inverseOfProduct(residualRe, residualIm, kernelRe, kernelIm, even: residualEven, odd: residualOdd)
        fft.inverseOfProduct(onesRe, onesIm, kernelRe, kernelIm, even: onesEven, odd: onesOdd)
        let shift = e - 1
        // Each odd half directly follows its even half (`prepare`): sample u is at
        // (u >> 1) + (u & 1)·stride from the even half, without a branch per access.
        let stride = residualOdd - residualEven
        precondition(onesOdd - onesEven == stride)
        return SmoothECE.weightedAbsoluteMean(
            gridPoints: e, evaluationPoints: SmoothECE.evaluationPoints(sigma: sigma),
            residualAt: { g in let u = g &+ shift; return residualEven[(u &>> 1) &+ (u & 1) &* stride] },
            onesAt: { g in let u = g &+ shift; return onesEven[(u &>> 1) &+ (u & 1) &* stride] })
    }

    /// relplot `GaussianKernel.kernel_ev`, k_i = exp(−(t_i − ½)²/(2σ²))/(√(2π)σ) on
    /// t = linspace(0, 1, E), times `scale` (a power of two: exact), written split even/odd into
    /// `kernelRe`/`kernelIm` with zeros up to L. exp is `simdExp` (< 1 ulp, like libm's).
    private func fillKernel(sigma: Double, gridPoints e: Int, scale: Double) {
        let variance = sigma * sigma
        let twoVariance = 2 * variance
        let normaliser = (2 * Double.pi).squareRoot() * sigma
        // ·(scale/√(2π)σ) instead of /√(2π)σ·scale: one rounding off by ≤ 1 ulp, no division.
        let factor = scale / normaliser
        let step = 1 / Double(e - 1)
        let even = kernelRe!, odd = kernelIm!
        // z_i = −(t_i − ½)²/(2σ²), split even/odd: eight points per step as the four even and the
        // four odd ones; the last point (t = 1 exactly) is always in the scalar tail.
        let evenLanes = SIMD4<Double>(0, 2, 4, 6), oddLanes = SIMD4<Double>(1, 3, 5, 7)
        @inline(__always) func exponent(_ index: SIMD4<Double>) -> SIMD4<Double> {
            let d = index * step - 0.5
            return (-d) * d / twoVariance
        }
        var i = 0
        while i + 8 < e {
            let first = SIMD4<Double>(repeating: Double(i))
            UnsafeMutableRawPointer(even + i / 2).storeBytes(of: exponent(first + evenLanes), as: SIMD4<Double>.self)
            UnsafeMutableRawPointer(odd + i / 2).storeBytes(of: exponent(first + oddLanes), as: SIMD4<Double>.self)
            i += 8
        }
        while i < e {
            let t = i == e - 1 ? 1 : Double(i) * step
            let z = -(t - 0.5) * (t - 0.5) / twoVariance
            if i & 1 == 0 { even[i >> 1] = z } else { odd[i >> 1] = z }
            i += 1
        }
        // k = exp(z)·factor in place, sixteen independent lanes per step (the exp is a long
        // dependency chain), up to a multiple of 16 (within the M + 1 values; the tails are
        // zeroed below).
        let m = fft!.half
        precondition((e + 1) / 2 + 15 <= m + 1, "kernel buffer too small for the blocked exp")
        func exponentiate(_ values: UnsafeMutablePointer<Double>) {
            var j = 0
            while j < (e + 1) / 2 {
                let p = UnsafeMutableRawPointer(values + j)
                let z0 = p.loadUnaligned(as: SIMD4<Double>.self)
                let z1 = p.loadUnaligned(fromByteOffset: 32, as: SIMD4<Double>.self)
                let z2 = p.loadUnaligned(fromByteOffset: 64, as: SIMD4<Double>.self)
                let z3 = p.loadUnaligned(fromByteOffset: 96, as: SIMD4<Double>.self)
                p.storeBytes(of: simdExp(z0) * factor, as: SIMD4<Double>.self)
                p.storeBytes(of: simdExp(z1) * factor, toByteOffset: 32, as: SIMD4<Double>.self)
                p.storeBytes(of: simdExp(z2) * factor, toByteOffset: 64, as: SIMD4<Double>.self)
                p.storeBytes(of: simdExp(z3) * factor, toByteOffset: 96, as: SIMD4<Double>.self)
                j += 16
            }
        }
        exponentiate(even)
        exponentiate(odd)
        (even + (e + 1) / 2).update(repeating: 0, count: m - (e + 1) / 2)
        (odd + e / 2).update(repeating: 0, count: m - e / 2)
    }

    /// Deposits the rows on a grid of E points and transforms the mirrored grids (once per E).
    private func prepare(gridPoints e: Int) {
        guard e != gridPoints else { return }
        var length = 16
        while length < 2 * e - 1 { length *= 2 }
        if fft?.length != length {
            fft = RealFFT.plan(length: length)
            storage?.deallocate()
            let s = length / 2 + 1
            let block = UnsafeMutablePointer<Double>.allocate(capacity: 10 * s)
            block.initialize(repeating: 0, count: 10 * s)
            storage = block
            var next = block
            func take() -> UnsafeMutablePointer<Double> { defer { next += s }; return next }
            residualRe = take(); residualIm = take(); onesRe = take(); onesIm = take()
            kernelRe = take(); kernelIm = take()
            smoothedResidualEven = take(); smoothedResidualOdd = take(); smoothedOnesEven = take(); smoothedOnesOdd = take()
        }
        gridPoints = e
        var residualGrid = [Double](repeating: 0, count: e)
        var onesGrid = [Double](repeating: 0, count: e)
        SmoothECE.deposit(confidence, residual: residual, residualGrid: &residualGrid, onesGrid: &onesGrid)
        let fft = fft!
        let m = fft.half
        let offset = e / 2 - (e - 1)
        func transform(_ grid: [Double], _ re: UnsafeMutablePointer<Double>, _ im: UnsafeMutablePointer<Double>) {
            // s_x = v̂(x + ⌊E/2⌋ − (E−1)) for x < 2E − 1, zero after; split even/odd.
            re.update(repeating: 0, count: m)
            im.update(repeating: 0, count: m)
            for x in 0..<(2 * e - 1) {
                let u = x + offset
                let v = grid[u < 0 ? -u : (u < e ? u : 2 * (e - 1) - u)]
                if x & 1 == 0 { re[x >> 1] = v } else { im[x >> 1] = v }
            }
            fft.forward(re: re, im: im)
        }
        transform(residualGrid, residualRe, residualIm)
        transform(onesGrid, onesRe, onesIm)
    }
}
