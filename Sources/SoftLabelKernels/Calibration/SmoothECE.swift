import RealModule

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
/// Every step is float64 as in numpy; the convolution skips kernel entries that are exactly 0
/// in float64 (|t − ½| > ~38.6σ), which changes nothing, so results agree with relplot to
/// ~1e-13 relative (summation order). Cost per σ: O(N) deposit + O(E·min(E, 77σE)) for the
/// convolution (≤ 2·10⁶ multiply-adds for σ ≥ 0.01); 11 values of σ in all.
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
        var cache = [Double: Double]()
        func value(_ sigma: Double) -> Double {
            if let v = cache[sigma] { return v }
            let v = atBandwidth(f, residual: residual, sigma: sigma)
            cache[sigma] = v
            return v
        }
        func predicate(_ alpha: Double) -> Bool { alpha < epsilon || alpha < value(alpha) }
        var start = 1.0
        if !predicate(start) {
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
        let evaluationPoints = Swift.max(pythonRound(10 / sigma), minimumEvaluationPoints)
        let gridPoints = Swift.max(minimumGridPoints, pythonRound(20 / sigma)) / 2 + 1
        let kernel = gaussianKernel(points: gridPoints, sigma: sigma)
        var residualGrid = [Double](repeating: 0, count: gridPoints)
        var onesGrid = [Double](repeating: 0, count: gridPoints)
        let scale = Double(gridPoints - 1)
        for i in f.indices {
            // smooth_round_to_grid: bins = int(f·(E−1)) clipped to [0, E−2], frac = f·(E−1) − bins.
            let t = f[i] * scale
            let bin = Swift.min(Swift.max(Int(t), 0), gridPoints - 2)
            let fraction = t - Double(bin)
            residualGrid[bin] += (1 - fraction) * residual[i]
            residualGrid[bin + 1] += fraction * residual[i]
            onesGrid[bin] += 1 - fraction
            onesGrid[bin + 1] += fraction
        }
        let smoothedResidual = reflectedConvolution(residualGrid, kernel: kernel)
        let smoothedOnes = reflectedConvolution(onesGrid, kernel: kernel)
        let t = linspace(evaluationPoints)
        var numerator = 0.0, denominator = 0.0
        for x in t {
            let a = interpolate(x, smoothedResidual)
            let density = interpolate(x, smoothedOnes) + densityFloor
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

    /// relplot `interpolate`: linear interpolation of y_i at i/(n−1), evaluated at x.
    @inline(__always)
    static func interpolate(_ x: Double, _ y: [Double]) -> Double {
        let n = y.count
        let bucketSize = 1 / Double(n - 1)
        let index = Swift.min(Swift.max(Int(x * Double(n - 1)), 0), n - 2)
        let residual = (x - Double(index) * bucketSize) / bucketSize
        return y[index] * (1 - residual) + y[index + 1] * residual
    }
}
