/// Limited-memory BFGS for smooth convex objectives in float64 (Nocedal & Wright, "Numerical
/// Optimization", 2nd ed., Algorithm 7.4 (two-loop recursion) and 7.5, with the line search of
/// §3.5 reduced to the weak Wolfe conditions, which suffice for convex functions).
///
/// Each iteration: d = −H g (two-loop recursion over the last `memory` pairs (s, y), H₀ = γI with
/// γ = sᵀy / yᵀy of the newest pair), then a step t along d satisfying
///   f(x + t d) ≤ f(x) + c₁ t gᵀd + ε|f(x)|  (sufficient decrease; ε = 1e-14 absorbs the rounding of
///                                            a sum over many rows),
///   ∇f(x + t d)ᵀd ≥ c₂ gᵀd                  (curvature: the step is not too short),
/// c₁ = 1e-4, c₂ = 0.9, found by bracketing: interpolation (quadratic in f) when the step is too
/// long, doubling when too short, bisection once both ends are known. t = 1 is tried first (after
/// the first iteration, where t = 1/‖g‖∞).
///
/// Stops (`converged`) when ‖g‖∞ ≤ `gradientTolerance`; otherwise (`converged` false) after
/// `maximumIterations` iterations, `maximumEvaluations` objective evaluations, or when no step
/// along a descent direction decreases f any more (the objective is flat to rounding there, or
/// unbounded below along a direction the iterations cannot follow). Every evaluation counts, so
/// the work is bounded by `maximumEvaluations` × the cost of one evaluation whatever the input.
public struct LBFGS: Sendable {
    public var memory = 10
    public var gradientTolerance = 1e-6
    public var maximumIterations = 1000
    public var maximumEvaluations = 2000

    static let sufficientDecrease = 1e-4
    static let curvature = 0.9
    static let roundingSlack = 1e-14
    static let maximumLineSearchSteps = 40

    public struct Result: Sendable {
        public var x: [Double]
        public var value: Double
        public var gradientNorm: Double
        public var iterations: Int
        public var evaluations: Int
        public var converged: Bool
    }

    public init(memory: Int = 10, gradientTolerance: Double = 1e-6, maximumIterations: Int = 1000, maximumEvaluations: Int = 2000) {
        precondition(memory >= 1 && maximumIterations >= 0 && maximumEvaluations >= 1)
        self.memory = memory
        self.gradientTolerance = gradientTolerance
        self.maximumIterations = maximumIterations
        self.maximumEvaluations = maximumEvaluations
    }

    /// Minimises f from `start`. `evaluate(x, &g)` returns f(x) and writes ∇f(x) into g (same
    /// length as x); a non-finite f counts as "too far" in the line search.
    public func minimize(from start: [Double], _ evaluate: (_ x: [Double], _ gradient: inout [Double]) -> Double) -> Result {
        let n = start.count
        var x = start
        var g = [Double](repeating: 0, count: n)
        var f = evaluate(x, &g)
        var evaluations = 1
        var s: [[Double]] = [], y: [[Double]] = [], rho: [Double] = []
        var alpha = [Double](repeating: 0, count: memory)
        var d = [Double](repeating: 0, count: n)
        var trial = [Double](repeating: 0, count: n)
        var trialGradient = [Double](repeating: 0, count: n)
        var next = [Double](repeating: 0, count: n)
        var nextGradient = [Double](repeating: 0, count: n)
        var iterations = 0
        while true {
            let gNorm = Self.maxAbs(g)
            if gNorm <= gradientTolerance { return Result(x: x, value: f, gradientNorm: gNorm, iterations: iterations, evaluations: evaluations, converged: true) }
            if !f.isFinite || iterations >= maximumIterations || evaluations >= maximumEvaluations {
                return Result(x: x, value: f, gradientNorm: gNorm, iterations: iterations, evaluations: evaluations, converged: false)
            }
            // Two-loop recursion: d = −H g.
            for i in 0..<n { d[i] = -g[i] }
            let pairs = s.count
            for p in stride(from: pairs - 1, through: 0, by: -1) {
                let a = rho[p] * Self.dot(s[p], d)
                alpha[p] = a
                Self.axpy(-a, y[p], &d)
            }
            if pairs > 0 {
                let gamma = Self.dot(s[pairs - 1], y[pairs - 1]) / Self.dot(y[pairs - 1], y[pairs - 1])
                for i in 0..<n { d[i] *= gamma }
            }
            for p in 0..<pairs {
                let b = rho[p] * Self.dot(y[p], d)
                Self.axpy(alpha[p] - b, s[p], &d)
            }
            var slope = Self.dot(g, d)
            if !(slope < 0) {  // not a descent direction (rounding in H): restart from −g
                s.removeAll(); y.removeAll(); rho.removeAll()
                for i in 0..<n { d[i] = -g[i] }
                slope = Self.dot(g, d)
            }
            // Line search (weak Wolfe, bracketing); the accepted point goes to (next, nextG, fNext).
            var t = pairs == 0 ? 1 / gNorm : 1
            var lo = 0.0, hi = Double.infinity
            var haveLo = false, found = false
            var fNext = f
            for _ in 0..<Self.maximumLineSearchSteps {
                if evaluations >= maximumEvaluations { break }
                for i in 0..<n { trial[i] = x[i] + t * d[i] }
                let fTrial = evaluate(trial, &trialGradient)
                evaluations += 1
                if !fTrial.isFinite || fTrial > f + Self.sufficientDecrease * t * slope + Self.roundingSlack * Swift.abs(f) {
                    hi = t
                    if !haveLo, fTrial.isFinite {
                        // Minimiser of the quadratic through f, slope and fTrial, kept in [0.1t, 0.5t].
                        let q = -slope * t * t / (2 * (fTrial - f - slope * t))
                        t = Swift.min(Swift.max(q, 0.1 * t), 0.5 * t)
                    } else {
                        t = (lo + hi) / 2
                    }
                } else {
                    // Sufficient decrease: the best point so far, whether or not the curvature holds.
                    haveLo = true
                    fNext = fTrial
                    swap(&next, &trial); swap(&nextGradient, &trialGradient)
                    if Self.dot(nextGradient, d) >= Self.curvature * slope { found = true; break }
                    lo = t
                    t = hi.isFinite ? (lo + hi) / 2 : 2 * t
                }
                if hi - lo <= 1e-16 * hi { break }
            }
            guard found || haveLo else {
                return Result(x: x, value: f, gradientNorm: gNorm, iterations: iterations, evaluations: evaluations, converged: false)
            }
            Self.recordPair(x: next, previousX: x, g: nextGradient, previousG: g, memory: memory, &s, &y, &rho)
            swap(&x, &next); swap(&g, &nextGradient)
            f = fNext
            iterations += 1
        }
    }

    /// Adds (s, y) = (x − x₋, g − g₋) when sᵀy > 0 (always, for a strictly convex f, up to
    /// rounding), dropping the oldest pair beyond `memory`.
    static func recordPair(x: [Double], previousX: [Double], g: [Double], previousG: [Double], memory: Int,
                           _ s: inout [[Double]], _ y: inout [[Double]], _ rho: inout [Double]) {
        var sNew = x, yNew = g
        for i in 0..<x.count { sNew[i] -= previousX[i]; yNew[i] -= previousG[i] }
        let sy = dot(sNew, yNew)
        guard sy > 1e-300, sy.isFinite, dot(yNew, yNew) > 0 else { return }
        if s.count == memory { s.removeFirst(); y.removeFirst(); rho.removeFirst() }
        s.append(sNew); y.append(yNew); rho.append(1 / sy)
    }

    static func dot(_ a: [Double], _ b: [Double]) -> Double {
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                var acc = SIMD4<Double>(), i = 0
                let n = a.count
                while i + 4 <= n {
                    acc = acc.addingProduct(SIMD4(a[i], a[i + 1], a[i + 2], a[i + 3]), SIMD4(b[i], b[i + 1], b[i + 2], b[i + 3]))
                    i += 4
                }
                var total = acc.sum()
                while i < n { total += a[i] * b[i]; i += 1 }
                return total
            }
        }
    }

    static func axpy(_ a: Double, _ x: [Double], _ y: inout [Double]) {
        for i in 0..<x.count { y[i] += a * x[i] }
    }

    static func maxAbs(_ v: [Double]) -> Double {
        var m = 0.0
        for e in v { m = Swift.max(m, Swift.abs(e)) }
        return v.contains(where: { $0.isNaN }) ? .nan : m
    }
}
