import RealModule

/// The result of fitting a temperature (docs/api.md, "POST /v1/temperature").
public struct TemperatureFit: Sendable, Equatable {
    /// Where the fit stopped at a bound instead of at an interior minimum.
    public enum Bound: String, Sendable, Equatable {
        /// NLL still decreased at `TemperatureScaling.minimumTemperature` (e.g. every row
        /// correct with a margin: the infimum is at T → 0), or at the larger lower end that
        /// logits beyond ±8.5e33 impose (see `TemperatureScaling`).
        case minimumTemperature = "minimum_temperature"
        /// NLL still decreased at `TemperatureScaling.maximumTemperature` (e.g. labels
        /// independent of the logits: the infimum is at T → ∞, the uniform prediction).
        case maximumTemperature = "maximum_temperature"
    }

    /// T minimising the mean NLL of softmax(logits / T).
    public var temperature: Double
    /// Mean NLL at T = 1 and at the fitted T.
    public var nllBefore: Double?
    public var nllAfter: Double?
    /// ECE (equal-width bins, default edge rule) at T = 1 and at the fitted T.
    public var eceBefore: Double?
    public var eceAfter: Double?
    /// Newton/bisection steps, each one pass over the logits.
    public var iterations: Int
    /// True when the step met the relative tolerance (or the fit stopped at a bound).
    public var converged: Bool
    public var bound: Bound?
}

/// Temperature scaling (Guo et al. 2017) solved exactly.
///
/// With β = 1/T and a_ik = x_ik − max_k x_ik, the mean NLL
///   F(β) = (1/N) Σ_i [log Σ_k e^(β a_ik) − β a_iy]
/// is convex (a log-sum-exp of linear functions of β), with
///   F'(β) = (1/N) Σ_i (E_p[a_i] − a_iy),   F''(β) = (1/N) Σ_i Var_p[a_i] ≥ 0,
/// p = softmax(β a_i). A safeguarded Newton iteration on F'(β) = 0 starts at β = 1, keeps a
/// bracket [lo, hi] with F'(lo) < 0 < F'(hi) once known, falls back to a geometric bisection
/// when Newton leaves the bracket (or to ×16 / ÷16 steps while one side is unknown), and stops
/// when |Δβ| ≤ 1e-10·β (or at the float32 noise floor ~1e-7·β, where F' is dominated by rounding
/// in the float32 lane sums). Typically 4–8 passes. T is searched in
/// [minimumTemperature, maximumTemperature]; at a bound the fit says so (`bound`), and every
/// returned number is finite: all-correct rows (T → 0) and random labels (T → ∞) included.
/// The lower end rises for logits so large that logits/T would leave float32 below it:
/// T ≥ 4·max|x|/Float.greatestFiniteMagnitude (above 1e-4 only when max|x| > 8.5e33; never above 1,
/// which validation guarantees is safe), so the ECE and NLL after the fit are always defined.
/// Accuracy: β enters the SIMD row kernel as float32, so T is resolved to ~1e-7 relative (the
/// API asks for 1e-6); the three fixture temperatures (scipy bounded minimisation of PyTorch's
/// cross-entropy) agree to ≤ 3e-8 relative in 6–7 passes.
/// PyTorch's LBFGS with 50 iterations (the reference recipe) often stops before the minimum.
public enum TemperatureScaling {
    public static let minimumTemperature = 1e-4
    public static let maximumTemperature = 1e4
    public static let relativeTolerance = 1e-10
    /// Steps below this relative size that no longer shrink are rounding noise: accept.
    public static let noiseTolerance = 1e-7
    public static let maximumIterations = 100
    /// Relative Newton step above which a non-shrinking step counts as an exponential tail.
    static let tailStep = 1e-3

    /// Checks logits (finite, at least one row of at least one class), labels (one per row, in
    /// [0, K)) and bins ([1, 10000]).
    public static func validate(logits: Matrix, labels: [Int], bins: Int = CalibrationConfiguration.defaultBins) throws(ValidationError) {
        guard logits.rows >= 1 else {
            throw ValidationError(.invalidValue, "at least one row is needed to fit a temperature", path: "logits")
        }
        try Calibration.validate(.logits(logits), labels: labels, configuration: CalibrationConfiguration(bins: bins, topK: []))
    }

    /// Fits T on validated logits and labels, and reports NLL and ECE (`bins` equal-width bins)
    /// before and after.
    public static func fit(logits: Matrix, labels: [Int], bins: Int = CalibrationConfiguration.defaultBins) -> TemperatureFit {
        precondition(labels.count == logits.rows && logits.rows > 0)
        let before = Calibration.metrics(Calibration.state(logits: logits, labels: labels, configuration: CalibrationConfiguration(bins: bins, topK: [])))
        let solution = logits.columns <= 1 ? (beta: 1.0, iterations: 0, converged: true, bound: nil)
            : solve(logits: logits, labels: labels, largestBeta: largestBeta(logits))
        let temperature = 1 / solution.beta
        let after = Calibration.metrics(Calibration.state(logits: logits, labels: labels,
                                                          configuration: CalibrationConfiguration(bins: bins, temperature: Float(temperature), topK: [])))
        return TemperatureFit(temperature: temperature, nllBefore: before.nll, nllAfter: after.nll, eceBefore: before.ece, eceAfter: after.ece,
                              iterations: solution.iterations, converged: solution.converged, bound: solution.bound)
    }

    /// Mean NLL, its first and second derivative in β, over all rows (row maxima precomputed).
    static func objective(logits: Matrix, labels: [Int], maxima: [Float], beta: Double) -> (value: Double, slope: Double, curvature: Double) {
        let k = logits.columns
        let betaF = Float(beta)
        var value = CompensatedSum(), slope = CompensatedSum(), curvature = CompensatedSum()
        logits.values.withUnsafeBufferPointer { buffer in
            for r in 0..<logits.rows {
                let x = buffer.baseAddress! + r * k
                let m = maxima[r]
                let moments = CalibrationRowKernels.temperatureMoments(x, k, max: m, beta: betaF)
                let ay = Double(x[labels[r]] - m)
                let mean = moments.first / moments.sum
                value.add(Double.log(moments.sum) - Double(betaF) * ay)
                slope.add(mean - ay)
                curvature.add(Swift.max(moments.second / moments.sum - mean * mean, 0))
            }
        }
        let n = Double(logits.rows)
        return (value.value / n, slope.value / n, curvature.value / n)
    }

    /// The largest β = 1/T at which softmax(β·logits) stays within float32 (`ScaledLogits`), up
    /// to 1/minimumTemperature: with β·max|x| ≤ float32 max / 4 every row is safe; above that
    /// only β ≤ 1 is known safe (validation checked T = 1 row by row, and a smaller scale
    /// cannot overflow where scale 1 does not).
    static func largestBeta(_ logits: Matrix) -> Double {
        let largest = Double(logits.values.withUnsafeBufferPointer(ScaledLogits.largestMagnitude))
        let safe = largest > 0 ? Double(Float.greatestFiniteMagnitude) / 4 / largest : .infinity
        return Swift.min(1 / minimumTemperature, Swift.max(1, safe))
    }

    static func solve(logits: Matrix, labels: [Int], largestBeta: Double = 1 / minimumTemperature)
        -> (beta: Double, iterations: Int, converged: Bool, bound: TemperatureFit.Bound?) {
        let k = logits.columns
        let maxima: [Float] = logits.values.withUnsafeBufferPointer { buffer in
            (0..<logits.rows).map { CalibrationRowKernels.maximum(buffer.baseAddress! + $0 * k, k) }
        }
        let betaMin = 1 / maximumTemperature, betaMax = largestBeta
        var lo = betaMin, hi = betaMax
        var loKnown = false, hiKnown = false
        var beta = 1.0
        var previousStep = Double.infinity
        var previousNewton = 0.0
        for iteration in 1...maximumIterations {
            let (_, g, h) = objective(logits: logits, labels: labels, maxima: maxima, beta: beta)
            if g == 0 && h > 0 { return (beta, iteration, true, nil) }
            // g < 0: the minimum lies at larger β. g = h = 0: every row is one-hot on its label
            // at this β, so F sits at its infimum 0 and stays there as β grows: go to the bound.
            let flat = g == 0 && h == 0
            if g < 0 || flat {
                if beta >= betaMax { return (betaMax, iteration, true, .minimumTemperature) }
                lo = beta; loKnown = true
            } else {
                if beta <= betaMin { return (betaMin, iteration, true, .maximumTemperature) }
                hi = beta; hiKnown = true
            }
            let lower = loKnown ? lo : Swift.max(beta / 16, betaMin)
            let upper = hiKnown ? hi : Swift.min(beta * 16, betaMax)
            let newton = h > 0 ? -g / h : (g > 0 ? -Double.infinity : Double.infinity)
            var next: Double
            if flat {
                next = betaMax
            } else {
                next = beta + newton
                // Without the far side of the bracket, Newton steps that do not shrink mean an
                // exponential tail (all rows correct: F' ~ −e^(−β·margin)), not a nearby root:
                // then at least double (or halve) β so that a bound is reached in a few steps.
                // (Steps below 1e-3·β are the ordinary end of a convergent Newton run.)
                if !hiKnown, newton > tailStep * beta, previousNewton > 0, newton >= 0.5 * previousNewton { next = Swift.max(next, 2 * beta) }
                if !loKnown, newton < -tailStep * beta, previousNewton < 0, newton <= 0.5 * previousNewton { next = Swift.min(next, beta / 2) }
                if !(next > lower && next < upper) {
                    if loKnown && hiKnown {
                        next = (lo * hi).squareRoot()  // geometric bisection: β spans decades
                    } else {
                        next = loKnown ? upper : lower
                    }
                }
            }
            previousNewton = newton
            let step = Swift.abs(next - beta)
            if step <= relativeTolerance * beta || (loKnown && hiKnown && hi - lo <= relativeTolerance * lo)
                || (step <= noiseTolerance * beta && step >= 0.5 * previousStep) {
                return (next, iteration, true, nil)
            }
            previousStep = step
            beta = next
        }
        return (beta, maximumIterations, false, nil)
    }
}
