/// The linear change of variables in which `LinearScaling` optimises: the weights of centred,
/// unit-variance logit columns.
///
/// With m_j, σ_j the mean and (population) standard deviation of column j over the rows (σ_j = 1
/// where it is 0 or not finite):
///   matrix: W̃_ij = W_ij σ_j,  b̃_i = b_i + Σ_j W_ij m_j    ⇔  W_ij = W̃_ij / σ_j,  b_i = b̃_i − Σ_j W_ij m_j
///   vector: ã_j = a_j σ_j,    b̃_j = b_j + a_j m_j        ⇔  a_j = ã_j / σ_j,    b_j = b̃_j − a_j m_j
/// so that W z + b = W̃ ((z − m) / σ) + b̃. By the chain rule the gradient maps as
///   ∂F/∂W̃_ij = (∂F/∂W_ij − ∂F/∂b_i · m_j) / σ_j,   ∂F/∂b̃ = ∂F/∂b
/// (vector: the same with i = j). Parameters are laid out [weights..., bias...].
struct StandardisedCoordinates {
    let k: Int
    let matrix: Bool
    let mean: [Double]
    let deviation: [Double]

    init(logits: Matrix, matrix: Bool) {
        let k = logits.columns, n = logits.rows
        var sum = [Double](repeating: 0, count: k)
        for r in 0..<n { for j in 0..<k { sum[j] += Double(logits.values[r * k + j]) } }
        let mean = sum.map { $0 / Double(n) }
        var squares = [Double](repeating: 0, count: k)
        for r in 0..<n {
            for j in 0..<k {
                let d = Double(logits.values[r * k + j]) - mean[j]
                squares[j] += d * d
            }
        }
        self.k = k
        self.matrix = matrix
        self.mean = mean
        deviation = squares.map { s in
            let sd = (s / Double(n)).squareRoot()
            return sd > 0 && sd.isFinite ? sd : 1
        }
    }

    /// θ̃ from (W or a, b).
    func standardised(weights: [Double], bias: [Double]) -> [Double] {
        var theta = [Double](repeating: 0, count: weights.count + k)
        for i in 0..<k {
            var shift = bias[i]
            if matrix {
                for j in 0..<k {
                    theta[i * k + j] = weights[i * k + j] * deviation[j]
                    shift += weights[i * k + j] * mean[j]
                }
            } else {
                theta[i] = weights[i] * deviation[i]
                shift += weights[i] * mean[i]
            }
            theta[weights.count + i] = shift
        }
        return theta
    }

    /// (W or a, b) from θ̃.
    func original(_ theta: [Double], weights: inout [Double], bias: inout [Double]) {
        let count = weights.count
        for i in 0..<k {
            var shift = theta[count + i]
            if matrix {
                for j in 0..<k {
                    let w = theta[i * k + j] / deviation[j]
                    weights[i * k + j] = w
                    shift -= w * mean[j]
                }
            } else {
                let a = theta[i] / deviation[i]
                weights[i] = a
                shift -= a * mean[i]
            }
            bias[i] = shift
        }
    }

    /// ∇θ̃ from the gradient in (W or a, b).
    func standardisedGradient(weights: [Double], bias: [Double], into gradient: inout [Double]) {
        let count = weights.count
        for i in 0..<k {
            if matrix {
                for j in 0..<k { gradient[i * k + j] = (weights[i * k + j] - bias[i] * mean[j]) / deviation[j] }
            } else {
                gradient[i] = (weights[i] - bias[i] * mean[i]) / deviation[i]
            }
            gradient[count + i] = bias[i]
        }
    }
}
