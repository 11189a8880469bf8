/// How the smoothing mass ε is spread over the classes (docs/api.md, "Smoothing vocabulary").
public enum SmoothingKind: String, Sendable, CaseIterable {
    /// q = (1−ε)·y + ε/K (Szegedy et al. 2016; PyTorch, Keras, Optax, timm).
    case uniform
    /// True class 1−ε, every other class ε/(K−1); soft t: q = (1−ε)·t + ε·(1−t)/(K−1) (fairseq).
    case offTarget = "off_target"
    /// q = (1−ε)·y + ε·π for a class prior π.
    case prior
    /// q = (1−ε)·y + ε·S[y] (soft t: ε·tS) for a row-stochastic class similarity S.
    case similarity
}

/// A label-smoothing rule: ε and how it is spread. Turns an index label or a soft target row
/// into the smoothed target row q, which always sums to Σ_k t_k (1 for a class distribution).
///
/// Matches optax `smooth_labels` for `uniform` (abs. error ≤ 1 float32 ulp of each entry) and
/// the API formulas for the other kinds; `uniform` with ε is also what PyTorch
/// `F.cross_entropy(label_smoothing: ε)` applies internally.
public struct LabelSmoothing: Sendable, Equatable {
    public var epsilon: Float
    public var kind: SmoothingKind
    /// π, K entries ≥ 0 summing to 1 (required for `.prior`).
    public var prior: [Float]?
    /// S, K×K entries ≥ 0 with rows summing to 1 (required for `.similarity`).
    public var similarity: Matrix?

    public static let none = LabelSmoothing(epsilon: 0)

    public init(epsilon: Float, kind: SmoothingKind = .uniform, prior: [Float]? = nil, similarity: Matrix? = nil) {
        self.epsilon = epsilon
        self.kind = kind
        self.prior = prior
        self.similarity = similarity
    }

    /// Tolerance on Σπ = 1 (docs/api.md).
    public static let priorSumTolerance: Float = 1e-4
    /// Tolerance on each similarity row summing to 1.
    public static let similarityRowSumTolerance: Float = 1e-3

    /// Checks ε ∈ [0, 1] and that the kind's parameters fit `numClasses`.
    public func validate(numClasses k: Int, epsilonPath: String = "label_smoothing") throws(ValidationError) {
        guard epsilon.isFinite, epsilon >= 0, epsilon <= 1 else {
            throw ValidationError(.invalidValue, "label_smoothing must be in [0, 1], got \(epsilon)", path: epsilonPath)
        }
        switch kind {
        case .uniform:
            break
        case .offTarget:
            guard k >= 2 else {
                throw ValidationError(.invalidValue, "off_target smoothing needs at least 2 classes, got \(k)", path: "smoothing")
            }
        case .prior:
            guard let prior else {
                throw ValidationError(.missingField, "smoothing \"prior\" needs a `prior` of \(k) class probabilities", path: "prior")
            }
            guard prior.count == k else {
                throw ValidationError(.shapeMismatch, "prior has \(prior.count) entries, expected \(k) (one per class)", path: "prior")
            }
            var sum: Double = 0
            for (i, p) in prior.enumerated() {
                guard p.isFinite, p >= 0 else {
                    throw ValidationError(.invalidValue, "prior entries must be finite and ≥ 0, got \(p)", path: "prior[\(i)]")
                }
                sum += Double(p)
            }
            guard abs(sum - 1) <= Double(Self.priorSumTolerance) else {
                throw ValidationError(.invalidValue, "prior must sum to 1 (±1e-4), sums to \(sum)", path: "prior")
            }
        case .similarity:
            guard let similarity else {
                throw ValidationError(.missingField, "smoothing \"similarity\" needs a `similarity` matrix of \(k)×\(k)", path: "similarity")
            }
            guard similarity.rows == k, similarity.columns == k else {
                throw ValidationError(.shapeMismatch, "similarity is \(similarity.rows)×\(similarity.columns), expected \(k)×\(k)", path: "similarity")
            }
            for r in 0..<k {
                var sum: Double = 0
                for c in 0..<k {
                    let s = similarity[r, c]
                    guard s.isFinite, s >= 0 else {
                        throw ValidationError(.invalidValue, "similarity entries must be finite and ≥ 0, got \(s)", path: "similarity[\(r)][\(c)]")
                    }
                    sum += Double(s)
                }
                guard abs(sum - 1) <= Double(Self.similarityRowSumTolerance) else {
                    throw ValidationError(.invalidValue, "similarity rows must sum to 1 (±1e-3), row \(r) sums to \(sum)", path: "similarity[\(r)]")
                }
            }
        }
    }

    /// Writes the smoothed target of index label `label` (0 ≤ label < k) into `q[0..<k]`.
    @inlinable
    public func fill(label: Int, into q: UnsafeMutablePointer<Float>, count k: Int) {
        let keep = 1 - epsilon
        switch kind {
        case .uniform:
            let u = epsilon / Float(k)
            q.update(repeating: u, count: k)
            q[label] = keep + u
        case .offTarget:
            q.update(repeating: epsilon / Float(k - 1), count: k)
            q[label] = keep
        case .prior:
            prior!.withUnsafeBufferPointer { pi in
                for j in 0..<k { q[j] = epsilon * pi[j] }
            }
            q[label] += keep
        case .similarity:
            similarity!.values.withUnsafeBufferPointer { s in
                let row = s.baseAddress! + label * k
                for j in 0..<k { q[j] = epsilon * row[j] }
            }
            q[label] += keep
        }
    }

    /// Writes the smoothed version of the soft target row `t[0..<k]` into `q[0..<k]`.
    @inlinable
    public func fill(target t: UnsafePointer<Float>, into q: UnsafeMutablePointer<Float>, count k: Int) {
        let keep = 1 - epsilon
        switch kind {
        case .uniform:
            let u = epsilon / Float(k)
            for j in 0..<k { q[j] = keep * t[j] + u }
        case .offTarget:
            let spread = epsilon / Float(k - 1)
            for j in 0..<k { q[j] = keep * t[j] + spread * (1 - t[j]) }
        case .prior:
            prior!.withUnsafeBufferPointer { pi in
                for j in 0..<k { q[j] = keep * t[j] + epsilon * pi[j] }
            }
        case .similarity:
            // (tS)_j = Σ_i t_i S[i][j], accumulated row by row of S (contiguous).
            for j in 0..<k { q[j] = 0 }
            similarity!.values.withUnsafeBufferPointer { s in
                for i in 0..<k where t[i] != 0 {
                    let ti = t[i]
                    let row = s.baseAddress! + i * k
                    for j in 0..<k { q[j] += ti * row[j] }
                }
            }
            for j in 0..<k { q[j] = keep * t[j] + epsilon * q[j] }
        }
    }
}
