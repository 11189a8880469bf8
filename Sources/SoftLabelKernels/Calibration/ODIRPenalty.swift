extension LinearScaling {
    /// The ODIR terms of matrix scaling (Kull et al. 2019, §3) and their gradient:
    ///   P(W, b) = λ/(K(K−1)) Σ_{i≠j} W_ij² + μ/K Σ_j b_j²,
    ///   ∂P/∂W_ij = 2λ/(K(K−1)) W_ij (i ≠ j; 0 on the diagonal),   ∂P/∂b_j = 2μ/K b_j.
    /// Without `odir` (and for vector scaling) P = 0. K = 1 has no off-diagonal term.
    struct Penalty {
        let offDiagonal: Double
        let intercept: Double
        let classes: Int

        init(odir: ODIR?, classes k: Int) {
            classes = k
            offDiagonal = odir.map { k > 1 ? $0.lambda / (Double(k) * Double(k - 1)) : 0 } ?? 0
            intercept = odir.map { $0.mu / Double(k) } ?? 0
        }

        var isZero: Bool { offDiagonal == 0 && intercept == 0 }

        func value(weights: [Double], bias: [Double]) -> Double {
            guard !isZero else { return 0 }
            var off = 0.0, b2 = 0.0
            let k = classes
            for i in 0..<k {
                for j in 0..<k where i != j { off += weights[i * k + j] * weights[i * k + j] }
                b2 += bias[i] * bias[i]
            }
            return offDiagonal * off + intercept * b2
        }

        /// Returns P and adds ∇P to the gradients.
        func add(weights: [Double], bias: [Double], gradientWeights: inout [Double], gradientBias: inout [Double]) -> Double {
            guard !isZero else { return 0 }
            let k = classes
            for i in 0..<k {
                for j in 0..<k where i != j { gradientWeights[i * k + j] += 2 * offDiagonal * weights[i * k + j] }
                gradientBias[i] += 2 * intercept * bias[i]
            }
            return value(weights: weights, bias: bias)
        }
    }
}
