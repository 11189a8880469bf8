/// One loss computation: the reduction factors decided up front, then one pass over the rows.
struct LossPlan {
    let logits: Matrix
    let source: TargetSource
    let c: LossConfiguration
    let rows: Int
    let k: Int
    /// Rows that are not ignored.
    let validRows: Int
    /// The mean's denominator of the CE/focal term: Σ w[y_i] (labels), n_valid, or N (targets).
    let denominator: Double

    init(logits: Matrix, source: TargetSource, configuration: LossConfiguration) {
        self.logits = logits
        self.source = source
        self.c = configuration
        rows = logits.rows
        k = logits.columns
        var valid = 0
        var weightSum = 0.0
        switch source {
        case .labels(let labels, let ignoreIndex):
            for y in labels where y != ignoreIndex {
                valid += 1
                weightSum += Double(configuration.weight?[y] ?? 1)
            }
            denominator = configuration.function == .binaryCrossEntropy ? Double(valid) : weightSum
        case .probabilities(let t):
            valid = t.rows
            denominator = Double(t.rows)
        }
        validRows = valid
    }

    /// The factor of each term's gradient and sum for the configured reduction.
    private func factor(_ denominator: Double) -> Double {
        switch c.reduction {
        case .none, .sum: 1
        case .mean: denominator > 0 ? 1 / denominator : 0
        }
    }

    func run() -> LossResult {
        let wantGradient = c.outputs.contains(.gradient)
        var perSample = [Float](repeating: 0, count: rows)
        // Outputs are written in place through row pointers: one allocation each, no copy.
        var gradientValues: [Float]? = wantGradient ? [Float](repeating: 0, count: rows * k) : nil
        var targetValues: [Float]? = c.outputs.contains(.targets) ? [Float](repeating: 0, count: rows * k) : nil
        var probabilityValues: [Float]? = c.outputs.contains(.probabilities) ? [Float](repeating: 0, count: rows * k) : nil

        var (alpha, temperature): (Float, Float) = (0, 1)
        var teacher: Matrix? = nil
        if case .distillation(let t, let temp, let a) = c.function { (teacher, temperature, alpha) = (t, temp, a) }
        let ceShare = 1 - alpha
        let ceFactor = factor(denominator)
        let klFactor = factor(Double(rows))
        let penaltyFactor = factor(Double(validRows))
        let beta = c.confidencePenalty

        var ceTotal = 0.0, klTotal = 0.0, entropyTotal = 0.0
        let fused = c.function == .crossEntropy && c.confidencePenalty == 0 && targetValues == nil && probabilityValues == nil
            && (c.smoothing.kind == .uniform || c.smoothing.epsilon == 0)
        let labelList: [Int]
        if case .labels(let l, _) = source { labelList = l } else { labelList = [] }
        let fusedLabels = fused && !labelList.isEmpty

        var scratch = [Float](repeating: 0, count: 4 * k)
        withOptionalPointer(&gradientValues) { gradientBase in
        withOptionalPointer(&targetValues) { targetBase in
        withOptionalPointer(&probabilityValues) { probabilityBase in
        let gradient = gradientBase.map { RowPointers(base: $0, columns: k) }
        let targets = targetBase.map { RowPointers(base: $0, columns: k) }
        let probabilities = probabilityBase.map { RowPointers(base: $0, columns: k) }
        logits.values.withUnsafeBufferPointer { xBuffer in
        (c.weight ?? []).withUnsafeBufferPointer { wBuffer in
        scratch.withUnsafeMutableBufferPointer { scratchBuffer in
            let x0 = xBuffer.baseAddress!
            let w = c.weight == nil ? nil : wBuffer.baseAddress
            let weightSum = Float(c.weight.map { $0.reduce(0.0) { $0 + Double($1) } } ?? Double(k))
            let q = scratchBuffer.baseAddress!
            let coefficients = q + k
            let pScratch = q + 2 * k
            let pTeacher = q + 3 * k
            for b in 0..<rows {
                let x = x0 + b * k
                let ignored = source.isIgnored(b)
                let gradRow = gradient?.row(b)
                if fusedLabels {
                    guard !ignored else { continue }
                    let ce = FusedCrossEntropy.row(x: x, count: k, label: labelList[b], epsilon: c.smoothing.epsilon,
                                                   weight: w, weightSum: weightSum, grad: gradRow, scale: Float(ceFactor))
                    perSample[b] = Float(ce)
                    ceTotal += ce
                    continue
                }
                // The smoothed target row q (or the raw multi-label target for BCE).
                if !ignored {
                    switch source {
                    case .labels(let labels, _):
                        if c.function == .binaryCrossEntropy {
                            q.update(repeating: 0, count: k)
                            q[labels[b]] = 1
                        } else {
                            c.smoothing.fill(label: labels[b], into: q, count: k)
                        }
                    case .probabilities(let t):
                        t.values.withUnsafeBufferPointer { tp in
                            if c.function == .binaryCrossEntropy {
                                q.update(from: tp.baseAddress! + b * k, count: k)
                            } else {
                                c.smoothing.fill(target: tp.baseAddress! + b * k, into: q, count: k)
                            }
                        }
                    }
                }
                if c.function == .binaryCrossEntropy {
                    guard !ignored else { continue }
                    let l = BinaryCrossEntropy.row(x: x, t: q, count: k, epsilon: c.smoothing.epsilon, weight: w,
                                                   grad: gradRow, scale: Float(ceFactor),
                                                   smoothed: targets?.row(b), sigmoid: probabilities?.row(b))
                    perSample[b] = Float(l)
                    ceTotal += l
                    continue
                }
                let logZ = Softmax.logSumExp(x, count: k)
                Row.exp(x, k, shift: logZ, into: pScratch)
                probabilities?.row(b).update(from: pScratch, count: k)
                var rowLoss = 0.0
                if !ignored {
                    targets?.row(b).update(from: q, count: k)
                    if let w {
                        for j in 0..<k { coefficients[j] = w[j] * q[j] }
                    } else {
                        coefficients.update(from: q, count: k)
                    }
                    let ceScale = Float(ceFactor) * ceShare
                    let ce: Double
                    if case .focal(let gamma) = c.function {
                        ce = SoftmaxLossTerms.focal(x: x, c: coefficients, p: pScratch, count: k, logZ: logZ, gamma: gamma,
                                                    grad: gradRow, scale: ceScale)
                    } else {
                        ce = SoftmaxLossTerms.crossEntropy(x: x, c: coefficients, p: pScratch, count: k, logZ: logZ,
                                                           grad: gradRow, scale: ceScale)
                    }
                    ceTotal += ce
                    rowLoss += Double(ceShare) * ce
                    if beta != 0 {
                        let h = SoftmaxLossTerms.entropy(x: x, p: pScratch, count: k, logZ: logZ, grad: gradRow,
                                                         scale: beta * Float(penaltyFactor))
                        entropyTotal += h
                        rowLoss -= Double(beta) * h
                    }
                }
                if let teacher {
                    let kl = teacher.values.withUnsafeBufferPointer { tp in
                        SoftmaxLossTerms.distillation(x: x, teacher: tp.baseAddress! + b * k, count: k, temperature: temperature,
                                                      ps: coefficients, pt: pTeacher, grad: gradRow,
                                                      scale: alpha * Float(klFactor))
                    }
                    klTotal += kl
                    rowLoss += Double(alpha) * Double(temperature) * Double(temperature) * kl
                }
                perSample[b] = Float(rowLoss)
            }
        }
        }
        }
        }
        }
        }

        let t2 = Double(temperature) * Double(temperature)  // T² in float32 overflows from T ≈ 1.8e19
        var loss: Double?
        switch c.reduction {
        case .none:
            loss = nil
        case .sum:
            loss = Double(ceShare) * ceTotal + Double(alpha) * t2 * klTotal - Double(beta) * entropyTotal
        case .mean:
            let labelled = denominator > 0
            if !labelled && teacher == nil {
                loss = nil
            } else {
                let ceMean = labelled ? ceTotal / denominator : 0
                let penaltyMean = validRows > 0 ? entropyTotal / Double(validRows) : 0
                loss = Double(ceShare) * ceMean + Double(alpha) * t2 * klTotal / Double(rows) - Double(beta) * penaltyMean
            }
        }
        let wantPerSample = c.outputs.contains(.perSample) || c.reduction == .none
        return LossResult(loss: loss, count: validRows, perSample: wantPerSample ? perSample : nil,
                          gradient: gradientValues.map { Matrix(rows: rows, columns: k, values: $0) },
                          targets: targetValues.map { Matrix(rows: rows, columns: k, values: $0) },
                          probabilities: probabilityValues.map { Matrix(rows: rows, columns: k, values: $0) })
    }
}

/// Row pointers into an output matrix's storage, valid inside `withOptionalPointer`.
struct RowPointers {
    let base: UnsafeMutablePointer<Float>
    let columns: Int
    @inline(__always)
    func row(_ b: Int) -> UnsafeMutablePointer<Float> { base + b * columns }
}

/// Runs `body` with the base address of `array`'s storage, or nil when there is no array.
@inline(__always)
func withOptionalPointer<R>(_ array: inout [Float]?, _ body: (UnsafeMutablePointer<Float>?) -> R) -> R {
    guard array != nil else { return body(nil) }
    return array!.withUnsafeMutableBufferPointer { body($0.baseAddress) }
}
