import RealModule
import Testing
@testable import SoftLabelKernels

/// The FFT path of smooth ECE against the direct O(E²) reflected convolution it replaced (which
/// is relplot's arithmetic term for term): every smECE_σ and every search result must agree to
/// 1e-12 relative, with the same bandwidth.
@Suite("Smooth ECE by FFT")
struct CalibrationSmoothECEFFTTests {
    /// Data sets that stress different bandwidths: random outcomes (large σ), calibrated
    /// outcomes (small smECE, small σ, finer grids), confident and degenerate inputs.
    static func dataSets() -> [(name: String, f: [Double], y: [Bool])] {
        var rng = Xoshiro256StarStar(seed: 7)
        func uniform() -> Double { Double(rng.next() >> 11) / Double(1 << 53) }
        var sets: [(String, [Double], [Bool])] = []
        for n in [1, 2, 37, 1000] {
            let f = (0..<n).map { _ in uniform() }
            sets.append(("uniform \(n)", f, f.map { _ in uniform() < 0.5 }))
        }
        let calibrated = (0..<20000).map { _ in 0.3 + 0.7 * uniform() }
        sets.append(("calibrated 20000", calibrated, calibrated.map { uniform() < $0 }))
        let confident = (0..<20000).map { _ in 0.95 + 0.05 * uniform() }
        sets.append(("confident calibrated 20000", confident, confident.map { uniform() < $0 }))
        let overconfident = (0..<3000).map { _ in 0.9 + 0.1 * uniform() }
        sets.append(("overconfident 3000", overconfident, overconfident.map { _ in uniform() < 0.6 }))
        sets.append(("constant 0.7", [Double](repeating: 0.7, count: 50), (0..<50).map { $0 % 3 != 0 }))
        sets.append(("endpoints", [0, 1, 1, 0, 1, 0.5], [false, true, false, true, true, false]))
        // Confident and always wrong: smECE_σ > σ for every σ < 1, so the search ends at σ = 1.
        sets.append(("confident and wrong", [1, 1, 0.999, 1, 0.998], [false, false, false, false, false]))
        return sets
    }

    static func relativeDifference(_ a: Double, _ b: Double) -> Double {
        a == b ? 0 : Swift.abs(a - b) / Swift.max(Swift.abs(a), Swift.abs(b))
    }

    @Test("simdExp on float64 lanes is within 1 ulp of libm on [−745, 709]")
    func doubleExp() {
        var worst = 0.0
        var x = -745.0
        while x < 709 {
            let lanes = SIMD4<Double>(x, x + 1e-3, -x * 1e-3, x * 1e-6)
            let got = simdExp(lanes)
            for lane in 0..<4 {
                let expected = Double.exp(lanes[lane])
                let ulps = Swift.abs(got[lane] - expected) / expected.ulp
                worst = Swift.max(worst, ulps)
                #expect(ulps <= 1, "exp(\(lanes[lane])): \(got[lane]) vs libm \(expected)")
            }
            x += 0.0137
        }
        #expect(simdExp(SIMD4(-746, -800, -1e300, 0)) == SIMD4(0, 0, 0, 1))
    }

    @Test("RealFFT matches a direct DFT, and the inverse of X·1 is M·x")
    func realFFT() {
        var rng = Xoshiro256StarStar(seed: 3)
        for length in [16, 32, 64, 256, 2048] {
            let fft = RealFFT(length: length)
            let m = length / 2
            let x = (0..<length).map { _ in Double(rng.next() >> 11) / Double(1 << 53) - 0.5 }
            var re = (0...m).map { $0 < m ? x[2 * $0] : 0 }, im = (0...m).map { $0 < m ? x[2 * $0 + 1] : 0 }
            fft.forward(re: &re, im: &im)
            var worst = 0.0
            for k in 0...m {
                var sr = 0.0, si = 0.0
                for n in 0..<length {
                    let angle = -2 * Double.pi * Double(k * n % length) / Double(length)
                    sr += x[n] * Double.cos(angle)
                    si += x[n] * Double.sin(angle)
                }
                let p = fft.position(k)
                worst = Swift.max(worst, Swift.abs(sr - re[p]), Swift.abs(si - im[p]))
            }
            #expect(worst < 1e-13 * Double(length), "length \(length): max |FFT − DFT| = \(worst)")
            // IFFT(X·1) = x: multiply by the spectrum of a unit impulse.
            let one = [Double](repeating: 1, count: m + 1), zero = [Double](repeating: 0, count: m + 1)
            var even = [Double](repeating: 0, count: m), odd = even
            fft.inverseOfProduct(re, im, one, zero, even: &even, odd: &odd)
            var roundTrip = 0.0
            for n in 0..<length {
                let value: Double = n % 2 == 0 ? even[n / 2] : odd[n / 2]
                roundTrip = Swift.max(roundTrip, Swift.abs(x[n] - value / Double(m)))
            }
            #expect(roundTrip < 1e-15 * Double(length), "length \(length): round trip error \(roundTrip)")
        }
    }

    @Test("smECE_σ by FFT equals the direct convolution to 1e-12 relative")
    func atBandwidth() {
        let sigmas = [1, 0.75, 0.5, 0.3, 0.125, 0.05, 0.02, 0.01, 0.009765625, 0.005, 1.0 / 512, 1.0 / 1024]
        for set in Self.dataSets() {
            let residual = zip(set.f, set.y).map { $0 - ($1 ? 1 : 0) }
            let smoother = ReflectedGaussianSmoother(confidence: set.f, residual: residual)
            for sigma in sigmas {
                let fast = smoother.smoothECE(sigma: sigma)
                let direct = SmoothECE.atBandwidthDirect(set.f, residual: residual, sigma: sigma)
                let difference = Self.relativeDifference(fast, direct)
                #expect(difference <= 1e-12, "\(set.name), σ = \(sigma): FFT \(fast) vs direct \(direct), rel \(difference)")
            }
        }
    }

    @Test("the bandwidth search picks the same σ and smECE as with direct convolutions")
    func search() {
        for set in Self.dataSets() {
            let residual = zip(set.f, set.y).map { $0 - ($1 ? 1 : 0) }
            // relplot's search, on the direct smECE_σ.
            func predicate(_ alpha: Double) -> Bool {
                alpha < CalibrationConfiguration.defaultSmoothECEEpsilon
                    || alpha < SmoothECE.atBandwidthDirect(set.f, residual: residual, sigma: alpha)
            }
            var start = 1.0
            if !predicate(start) {
                var end = 0.0
                for _ in 0..<SmoothECE.bisectionSteps {
                    let midpoint = (start + end) / 2
                    if predicate(midpoint) { end = midpoint } else { start = midpoint }
                }
            }
            // compute() skips relplot's first test (σ = 1 < smECE_1), which is never true.
            #expect(SmoothECE.atBandwidthDirect(set.f, residual: residual, sigma: 1) < 1)
            let expected = SmoothECE.atBandwidthDirect(set.f, residual: residual, sigma: start)
            let got = SmoothECE.compute(confidence: set.f, correct: set.y)!
            #expect(got.bandwidth == start, "\(set.name): σ \(got.bandwidth) vs \(start)")
            let difference = Self.relativeDifference(got.value, expected)
            #expect(difference <= 1e-12, "\(set.name): smECE \(got.value) vs \(expected), rel \(difference)")
        }
    }
}
