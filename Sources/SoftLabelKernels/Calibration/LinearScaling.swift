/// How `/v1/temperature` rescales logits (docs/api.md, "POST /v1/temperature").
public enum ScalingMethod: String, Sendable, CaseIterable {
    /// z' = z / T (`TemperatureScaling`).
    case temperature
    /// z' = a ⊙ z + b, a, b ∈ ℝ^K.
    case vector
    /// z' = W z + b, W ∈ ℝ^(K×K), b ∈ ℝ^K.
    case matrix
}

/// Off-diagonal and intercept regularisation of matrix scaling (Kull et al. 2019, "Beyond
/// temperature scaling: obtaining well-calibrated multiclass probabilities with Dirichlet
/// calibration", NeurIPS, §3): adds λ/(K(K−1)) Σ_{i≠j} W_ij² + μ/K Σ_j b_j² to the mean NLL.
public struct ODIR: Sendable, Equatable {
    public var lambda: Double
    public var mu: Double
    /// λ and μ are accepted in [0, maximum]: beyond it the penalty dwarfs any NLL of float32
    /// logits and only makes the problem ill-conditioned.
    public static let maximum = 1e6

    public init(lambda: Double, mu: Double) {
        self.lambda = lambda
        self.mu = mu
    }
}

/// The result of vector or matrix scaling.
public struct LinearScalingFit: Sendable, Equatable {
    public var method: ScalingMethod
    /// The minimum found: mean NLL plus the ODIR terms (just the mean NLL without `odir`).
    public var objective: Double
    /// a (K values) for vector scaling; W row-major (K·K values, row i gives class i's score) for matrix.
    public var weights: [Double]
    public var bias: [Double]
    /// Mean NLL (float64) at the identity (W = I or a = 1, b = 0) and at the fit.
    public var nllBefore: Double
    public var nllAfter: Double
    /// ECE (equal-width bins) and top-1 accuracy of the logits and of the scaled logits.
    public var eceBefore: Double?
    public var eceAfter: Double?
    public var accuracyBefore: Double?
    public var accuracyAfter: Double?
    /// L-BFGS iterations and objective evaluations (each one pass over the logits).
    public var iterations: Int
    public var evaluations: Int
    /// ‖∇‖∞ in the standardised coordinates at the fit (see `LinearScaling`).
    public var gradientNorm: Double
    public var converged: Bool
}

/// Vector and matrix scaling (Guo et al. 2017, "On Calibration of Modern Neural Networks", §4.2),
/// matrix scaling optionally with ODIR (Kull et al. 2019), solved to the optimum.
///
/// Objective: F(θ) = (1/N) Σ_i NLL(softmax(s_i), y_i) + penalty, s_i = a ⊙ z_i + b or W z_i + b
/// (`VectorScalingObjective`, `MatrixScalingObjective`), a multinomial logistic regression on the
/// features (z_i, 1): convex in θ, with analytic gradient (1/N) Dᵀ[Z 1], D = softmax − onehot.
///
/// Method: L-BFGS (`LBFGS`, float64, weak-Wolfe line search) from the identity (a = 1 or W = I,
/// b = 0), in standardised coordinates (`StandardisedCoordinates`): with m_j, σ_j the mean and
/// standard deviation of logit column j, the optimiser works on W̃ = W diag(σ), b̃ = b + γ ⊙ (W m),
/// i.e. on the weights of the unit-variance, centred logits (a ⊙ z + b likewise), where the
/// per-class centring γ_i ∈ (0, 1] is 1 without ODIR's μ and smaller when μ's curvature dominates.
/// This decouples the bias from the weights and makes the problem invariant to the scale and
/// offset of the logits, which cuts the iterations several-fold; the map is linear, O(K²) per
/// evaluation. Stopping: ‖∇F‖∞ in
/// those coordinates ≤ `gradientTolerance` (converged), else at `maximumIterations`, at the
/// evaluation budget, or when no step decreases F (converged false; the last point is returned).
///
/// Why not Newton for vector scaling (2K parameters): its Hessian costs N·K² per iteration, an
/// L-BFGS step N·K; for large K L-BFGS is cheaper, and both reach the same optimum.
///
/// Unbounded problems: without `odir` (and with it, along the unpenalised diagonal) the NLL of
/// separable data has infimum 0, approached as the weights grow without bound. Then F → 0 along the
/// iterations, the gradient shrinks like F, and the fit stops either at the gradient tolerance
/// (weights large but finite, `objective` ≈ 0) or at a limit with `converged` false; the returned
/// weights and `objective` are those of the last iterate, always finite.
///
/// The solution is unique in F but not always in θ: softmax ignores adding one constant to every
/// class's score, so b + c·1 (and W + 1vᵀ without `odir`) give the same NLL. `bias` is reported
/// with Σ_j b_j = 0 (shifted when μ = 0; with μ > 0 the optimum has it). Every matrix gradient
/// without `odir` has zero column sums, so from the identity W keeps its column sums at 1.
public enum LinearScaling {
    /// Matrix scaling fits K² weights: 1,000 classes (a million weights, ~2·10⁹ multiply-adds per
    /// pass over 1,000 rows) at most.
    public static let maximumMatrixClasses = 1000
    public static let gradientTolerance = 1e-7
    public static let maximumIterations = 2000
    /// Objective evaluations allowed: `workBudget` / `evaluationWork`, within [minimumEvaluations,
    /// maximumEvaluations]; each L-BFGS iteration takes one evaluation, rarely more. 2·10¹¹ is
    /// ~16 s of one core; at the largest accepted matrix request (K = 1,000, N·K = 2²⁴ elements,
    /// 3.5·10¹⁰ per evaluation) the 20-evaluation floor is ~7·10¹¹ (about a minute): the bound on
    /// any request's time (such a fit answers `converged` false unless it converges that fast).
    public static let workBudget = 200_000_000_000
    public static let minimumEvaluations = 20
    public static let maximumEvaluations = 5000

    /// What one element's softmax, NLL and residual cost, in multiply-adds of the matrix kernels:
    /// measured at K = 100, N = 10,000, a vector-scaling evaluation takes ~6.5 ns per element and
    /// the matrix kernels ~0.09 ns per multiply-add (BENCHMARKS.md).
    public static let softmaxWork = 64

    /// The work of one evaluation in multiply-adds: 64·N·K for the softmax rows, plus 2·N·K²
    /// (forward and gradient) for matrix scaling; saturating.
    public static func evaluationWork(rows: Int, classes: Int, method: ScalingMethod) -> Int {
        let (product, overflow) = rows.multipliedReportingOverflow(by: classes)
        guard !overflow, product <= Int.max / (2 * softmaxWork) else { return .max }
        let rowsWork = softmaxWork * product
        guard method == .matrix else { return rowsWork }
        let (square, overflow2) = product.multipliedReportingOverflow(by: classes)
        return overflow2 || square > (Int.max - rowsWork) / 2 ? .max : 2 * square + rowsWork
    }

    /// The evaluations the solver may spend on an N × K problem (see `workBudget`).
    public static func evaluationLimit(rows: Int, classes: Int, method: ScalingMethod) -> Int {
        let work = Swift.max(1, evaluationWork(rows: rows, classes: classes, method: method))
        return Swift.min(maximumEvaluations, Swift.max(minimumEvaluations, workBudget / work))
    }

    /// Checks the method (vector or matrix; K ≤ `maximumMatrixClasses` for matrix), `odir` (matrix
    /// only; λ, μ finite in [0, 1e6]), the logits and labels as `TemperatureScaling.validate`.
    public static func validate(logits: Matrix, labels: [Int], method: ScalingMethod, odir: ODIR?,
                                bins: Int = CalibrationConfiguration.defaultBins) throws(ValidationError) {
        guard method != .temperature else {
            throw ValidationError(.invalidValue, "temperature scaling is TemperatureScaling's", path: "method")
        }
        if method == .matrix, logits.columns > maximumMatrixClasses {
            throw ValidationError(.tooLarge, "matrix scaling fits K×K weights and accepts at most \(maximumMatrixClasses) classes; logits has \(logits.columns) (method \"vector\" fits 2K parameters)", path: "method")
        }
        if let odir {
            guard method == .matrix else {
                throw ValidationError(.conflictingFields, "odir regularises matrix scaling only (method \"matrix\")", path: "odir")
            }
            for (name, value) in [("lambda", odir.lambda), ("mu", odir.mu)] where !(value >= 0 && value <= ODIR.maximum) {
                throw ValidationError(.invalidValue, "expected a number in [0, \(Int(ODIR.maximum))], got \(value)", path: "odir.\(name)")
            }
        }
        try TemperatureScaling.validate(logits: logits, labels: labels, bins: bins)
    }

    /// Fits vector or matrix scaling on validated input (see `validate`).
    public static func fit(logits: Matrix, labels: [Int], method: ScalingMethod, odir: ODIR? = nil,
                           bins: Int = CalibrationConfiguration.defaultBins) -> LinearScalingFit {
        precondition(method != .temperature && labels.count == logits.rows && logits.rows > 0)
        let k = logits.columns
        let configuration = CalibrationConfiguration(bins: bins, topK: [])
        let before = Calibration.metrics(Calibration.state(logits: logits, labels: labels, configuration: configuration))
        let penalty = Penalty(odir: method == .matrix ? odir : nil, classes: k)
        let solution = solve(logits: logits, labels: labels, method: method, penalty: penalty)
        let weights = solution.weights, bias = solution.bias
        let scaled: Matrix
        switch method {
        case .matrix:
            var objective = MatrixScalingObjective(logits: logits, labels: labels)
            scaled = objective.scaledLogits(w: weights, b: bias)
        default:
            var objective = VectorScalingObjective(logits: logits, labels: labels)
            scaled = objective.scaledLogits(a: weights, b: bias)
        }
        let after = Calibration.metrics(Calibration.state(logits: scaled, labels: labels, configuration: configuration))
        let penaltyAfter = penalty.value(weights: weights, bias: bias)
        return LinearScalingFit(method: method, objective: solution.value, weights: weights, bias: bias,
                                nllBefore: solution.nllBefore, nllAfter: solution.value - penaltyAfter,
                                eceBefore: before.ece, eceAfter: after.ece, accuracyBefore: before.accuracy, accuracyAfter: after.accuracy,
                                iterations: solution.iterations, evaluations: solution.evaluations,
                                gradientNorm: solution.gradientNorm, converged: solution.converged)
    }

    struct Solution {
        var weights: [Double]
        var bias: [Double]
        var value: Double
        var nllBefore: Double
        var iterations: Int
        var evaluations: Int
        var gradientNorm: Double
        var converged: Bool
    }

    /// Minimises F in the standardised coordinates (see the type's comment).
    static func solve(logits: Matrix, labels: [Int], method: ScalingMethod, penalty: Penalty) -> Solution {
        let k = logits.columns
        let isMatrix = method == .matrix
        let identityWeights: [Double] = isMatrix ? (0..<(k * k)).map { $0 / k == $0 % k ? 1 : 0 } : [Double](repeating: 1, count: k)
        if k == 1 {  // one class: every probability is 1, NLL 0, nothing to fit
            return Solution(weights: identityWeights, bias: [0], value: 0, nllBefore: 0, iterations: 0, evaluations: 0, gradientNorm: 0, converged: true)
        }
        let coordinates = StandardisedCoordinates(logits: logits, matrix: isMatrix, interceptCurvature: 2 * penalty.intercept)
        var matrixObjective = isMatrix ? MatrixScalingObjective(logits: logits, labels: labels) : nil
        var vectorObjective = isMatrix ? nil : VectorScalingObjective(logits: logits, labels: labels)
        let weightCount = identityWeights.count
        var w = identityWeights, b = [Double](repeating: 0, count: k)
        var gw = w, gb = b
        var nllBefore = Double.nan
        // L-BFGS pairs: up to 50 (fewer iterations on ill-conditioned problems: 79 -> 62 for vector
        // scaling at K = 100), with the history (2·m·P float64) within 40 MB, and at least 3.
        let optimiser = LBFGS(memory: Swift.max(3, Swift.min(50, 2_500_000 / (weightCount + k))),
                              gradientTolerance: gradientTolerance, maximumIterations: maximumIterations,
                              maximumEvaluations: evaluationLimit(rows: logits.rows, classes: k, method: method))
        let start = coordinates.standardised(weights: identityWeights, bias: b)
        let result = optimiser.minimize(from: start) { theta, gradient in
            coordinates.original(theta, weights: &w, bias: &b)
            let nll = isMatrix ? matrixObjective!.evaluate(w: w, b: b, gradientW: &gw, gradientB: &gb)
                : vectorObjective!.evaluate(a: w, b: b, gradientA: &gw, gradientB: &gb)
            if nllBefore.isNaN { nllBefore = nll }
            let value = nll + penalty.add(weights: w, bias: b, gradientWeights: &gw, gradientBias: &gb)
            coordinates.standardisedGradient(weights: gw, bias: gb, into: &gradient)
            return value
        }
        coordinates.original(result.x, weights: &w, bias: &b)
        if penalty.intercept == 0 {
            // Report the representative with Σ_j b_j = 0 (softmax ignores a common shift; with
            // μ > 0 the optimum has it already).
            let shift = b.reduce(0, +) / Double(k)
            for i in 0..<k { b[i] -= shift }
        }
        return Solution(weights: w, bias: b, value: result.value, nllBefore: nllBefore, iterations: result.iterations,
                        evaluations: result.evaluations, gradientNorm: result.gradientNorm, converged: result.converged)
    }
}
