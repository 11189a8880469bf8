import Testing
import RealModule
@testable import SoftLabelKernels

/// The accuracy contract of `simdExp`, against `Double.exp` rounded to float32 (which is within
/// half an ulp of e^x, so a distance of n ulps here is at most n + 0.5 from the exact value).
@Suite("SIMD exp")
struct SIMDExpTests {
    /// Distance in units in the last place between two finite floats of the same sign.
    static func ulps(_ a: Float, _ b: Float) -> Int {
        if a == b { return 0 }
        return abs(Int(Int32(bitPattern: a.bitPattern)) - Int(Int32(bitPattern: b.bitPattern)))
    }

    @Test("≤ 2 ulp on a dense sweep of the normal range [-87.3, 88.7]")
    func denseSweep() {
        var worst = 0
        var worstAt: Float = 0
        var x: Float = -87.3
        var batch = SIMD8<Float>()
        var lane = 0
        // Every 331st float between -87.3 and 88.7 (~6 × 10⁶ values).
        while x < 88.7 {
            batch[lane] = x
            lane += 1
            if lane == 8 {
                let e = simdExp(batch)
                for i in 0..<8 {
                    let reference = Float(Double.exp(Double(batch[i])))
                    let d = Self.ulps(e[i], reference)
                    if d > worst { worst = d; worstAt = batch[i] }
                }
                lane = 0
            }
            var next = x
            for _ in 0..<331 { next = next.nextUp }
            x = next.isFinite ? next : 88.7
        }
        #expect(worst <= 2, "worst \(worst) ulp at x = \(worstAt)")
    }

    @Test("subnormal results are within half the smallest subnormal")
    func subnormals() {
        var x: Float = -103.9
        while x < -87.3 {
            let e = simdExp(SIMD8(repeating: x))[0]
            let reference = Double.exp(Double(x))
            #expect(abs(Double(e) - reference) <= Double(Float.leastNonzeroMagnitude) * 0.5 + reference * 2e-7)
            x += 0.0137
        }
    }

    @Test("limits: exp(0) = 1, underflow to +0, overflow to +inf")
    func limits() {
        let e = simdExp(SIMD8(0, -104.5, -1000, -.infinity, 88.8, 1000, 1, -1))
        #expect(e[0] == 1)
        #expect(e[1] == 0 && e[2] == 0 && e[3] == 0)
        #expect(e[4] == .infinity && e[5] == .infinity)
        #expect(Self.ulps(e[6], Float(Double.exp(1))) <= 1)
        #expect(Self.ulps(e[7], Float(Double.exp(-1))) <= 1)
    }
}
