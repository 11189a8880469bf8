/// Every `/v1/representation` field but `projection`, from a `RepresentationState` alone, so that
/// one request and merged shards give the same numbers (docs/api.md).
///
/// With N_k rows in class k, S_k = Σ x, U_k = Σ x/‖x‖, over the K' classes present (N_k > 0):
/// - `withinDistance` d̄_w = (1/K') Σ_k (1 − ‖U_k‖²/N_k²) and `totalDistance`
///   d̄_t = 1 − ‖(1/K') Σ_k U_k/N_k‖²: the mean cosine distance over all pairs (m, n) of a class
///   (pairs with m = n included), and over all pairs of classes, because
///   Σ_{m,n∈k} cos(x_m, x_n) = ‖U_k‖². `classSeparationR2` = 1 − d̄_w/d̄_t (Kornblith et al. 2021,
///   "Why do better loss functions lead to less transferable features?"), nil when d̄_t = 0.
///   Both distances are 0 when within the rounding bound of their sums (`aboveRounding`).
/// - `featureNormMean` = Σ‖x‖/N, `featureNormPerClass[k]` = Σ_{i∈k}‖x‖/N_k (nil without rows).
/// - `withinClassVariance` = (1/N) Σ_i ‖x_i − μ_{y_i}‖² = (1/N) Σ_k (Σ_{i∈k}‖x_i‖² − ‖S_k‖²/N_k);
///   a class whose difference is within the rounding bound of its two sums,
///   (N_k + D + 4)·2⁻⁵²·Σ‖x‖², counts 0 (its rows are equal as far as float64 sums can tell;
///   a spread that small is below float32 input resolution too).
///   `betweenClassVariance` = (1/N) Σ_k N_k ‖S_k/N_k − S/N‖² (no cancellation: computed as
///   written); `varianceRatio` = between / within, nil when within is 0.
///
/// Matches float64 numpy over all pairs of rows (Tests/Fixtures/lens.json) to 1e-9 relative.
public struct RepresentationMetrics: Sendable, Equatable {
    public var count: Int
    public var numClassesPresent: Int
    public var classSeparationR2: Double?
    public var withinDistance: Double
    public var totalDistance: Double
    public var featureNormMean: Double
    public var featureNormPerClass: [Double?]
    public var withinClassVariance: Double
    public var betweenClassVariance: Double
    public var varianceRatio: Double?

    public init(_ state: RepresentationState) {
        let k = state.numClasses, d = state.dimension
        let n = state.count
        count = n
        var present = 0
        var withinSum = 0.0
        var meanUnit = [Double](repeating: 0, count: d)
        var mean = [Double](repeating: 0, count: d)
        var withinVariance = CompensatedSum()
        var norms = CompensatedSum()
        var perClass = [Double?](repeating: nil, count: k)
        for c in 0..<k where state.classCount[c] > 0 {
            let nk = Double(state.classCount[c])
            present += 1
            let range = (c * d)..<((c + 1) * d)
            var unitSquares = 0.0, featureSquares = 0.0
            for (j, idx) in range.enumerated() {
                let u = state.unitSum[idx], s = state.featureSum[idx]
                unitSquares += u * u
                featureSquares += s * s
                meanUnit[j] += u / nk
                mean[j] += s
            }
            withinSum += Self.aboveRounding(1 - unitSquares / (nk * nk), terms: state.classCount[c] + d, scale: 1)
            let q = state.squaredNormSum[c]
            let spread = q - featureSquares / nk
            withinVariance.add(Self.aboveRounding(spread, terms: state.classCount[c] + d, scale: q))
            norms.add(state.normSum[c])
            perClass[c] = state.normSum[c] / nk
        }
        numClassesPresent = present
        let kp = Double(present)
        withinDistance = withinSum / kp
        var meanUnitSquares = 0.0
        for j in 0..<d { meanUnitSquares += (meanUnit[j] / kp) * (meanUnit[j] / kp) }
        totalDistance = Self.aboveRounding(1 - meanUnitSquares, terms: n + d, scale: 1)
        classSeparationR2 = totalDistance > 0 ? 1 - withinDistance / totalDistance : nil
        let total = Double(n)
        featureNormMean = norms.value / total
        featureNormPerClass = perClass
        withinClassVariance = withinVariance.value / total
        var between = 0.0
        for c in 0..<k where state.classCount[c] > 0 {
            let nk = Double(state.classCount[c])
            var squares = 0.0
            for j in 0..<d {
                let gap = state.featureSum[c * d + j] / nk - mean[j] / total
                squares += gap * gap
            }
            between += nk * squares
        }
        betweenClassVariance = between / total
        varianceRatio = withinClassVariance > 0 ? betweenClassVariance / withinClassVariance : nil
    }

    /// `difference` (of two float64 sums of about `terms` terms each, of size `scale`), or 0 when
    /// it is within their rounding bound (terms + 4)·2⁻⁵²·scale: collapsed classes (identical rows)
    /// then give exactly 0 distances and variance (R² = 1, ratio null) instead of ±1e-16 noise.
    static func aboveRounding(_ difference: Double, terms: Int, scale: Double) -> Double {
        difference > Double(terms + 4) * 0x1p-52 * scale ? difference : 0
    }
}
