/// One loss computation: the reduction factors decided up front, then one pass over the rows.
struct LossPlan {
    let logits: Matrix
    let source: TargetSource
    let c: LossConfiguration
    let rows: Int
    let k: Int
    /// Rows that are not ignored.
    let validRows: Int
    /// The mean's denominator of the CE/focal term: Σ_i w[y_i] over the non-ignored labelled
    /// rows (PyTorch's weighted mean), n_valid for BCE, or N (probability targets).
    let denominator: Double
    /// Σ_k w_k over the classes (K without weights), in Double: the fused kernel's smoothing
    /// term spreads ε over it. Not the denominator above, which sums weights over rows.
    let classWeightSum: Double

    init(logits: Matrix, source: TargetSource, configuration: LossConfiguration) {
        self.logits = logits
        self.source = source
        self.c = configuration
        rows = logits.rows
        k = logits.columns
        var valid = 0
        var labelWeightSum = 0.0
        switch source {
        case .labels(let labels, let ignoreIndex):
            for y in labels where y != ignoreIndex {
                valid += 1
                labelWeightSum += Double(configuration.weight?[y] ?? 1)
            }
            denominator = configuration.function == .binaryCrossEntropy ? Double(valid) : labelWeightSum
        case .probabilities(let t):
            valid = t.rows
            denominator = Double(t.rows)
        }
        validRows = valid
        classWeightSum = configuration.weight.map { $0.reduce(0.0) { $0 + Double($1) } } ?? Double(logits.columns)
    }

    /// The factor of each term's gradient and sum for the configured reduction.
    private func factor(_ denominator: Double) -> Double {
        switch c.reduction {
        case .none, .sum: 1
        case .mean: denominator > 0 ? 1 / denominator : 0
        }
    }

    /// What is decided once per request: the distillation parameters, the reduction factors, and
    /// whether the fused cross-entropy kernel applies.
    private struct Terms {
        var alpha: Float = 0
        var temperature: Float = 1
        var ceShare: Float = 1
        var ceFactor: Double = 1
        var klFactor: Double = 1
        var penaltyFactor: Double = 1
        var beta: Float = 0
        /// Plain (uniformly smoothed) cross-entropy on index labels without target or
        /// probability outputs: one fused pass per row (`FusedCrossEntropy`).
        var fusedLabels = false
    }

    /// Σ over rows of each term, in Double.
    private struct Totals {
        var crossEntropy = 0.0
        var kl = 0.0
        var entropy = 0.0
    }

    /// Pointers valid for the whole pass: inputs, outputs (nil when not requested) and scratch rows.
    private struct Buffers {
        var logits: UnsafePointer<Float>
        var weight: UnsafePointer<Float>?
        var teacher: UnsafePointer<Float>?
        var softTargets: UnsafePointer<Float>?
        var gradient: RowPointers?
        var targets: RowPointers?
        var probabilities: RowPointers?
        /// The smoothed target q, the coefficients w⊙q, softmax p and the teacher's softmax.
        var q, coefficients, p, pTeacher: UnsafeMutablePointer<Float>
        /// Focal's per-class gradient factors.
        var focal: UnsafeMutablePointer<Double>
    }

    func run() -> LossResult {
        var terms = Terms()
        var teacher: Matrix?
        if case .distillation(let t, let temperature, let alpha) = c.function {
            (teacher, terms.temperature, terms.alpha) = (t, temperature, alpha)
        }
        terms.ceShare = 1 - terms.alpha
        terms.ceFactor = factor(denominator)
        terms.klFactor = factor(Double(rows))
        terms.penaltyFactor = factor(Double(validRows))
        terms.beta = c.confidencePenalty
        if case .labels = source {
            terms.fusedLabels = c.function == .crossEntropy && c.confidencePenalty == 0
                && !c.outputs.contains(.targets) && !c.outputs.contains(.probabilities)
                && (c.smoothing.kind == .uniform || c.smoothing.epsilon == 0)
        }

        var perSample = [Float](repeating: 0, count: rows)
        var totals = Totals()
        // Outputs are written in place through row pointers: one allocation each, no copy.
        var gradient: [Float]? = c.outputs.contains(.gradient) ? [Float](repeating: 0, count: rows * k) : nil
        var targets: [Float]? = c.outputs.contains(.targets) ? [Float](repeating: 0, count: rows * k) : nil
        var probabilities: [Float]? = c.outputs.contains(.probabilities) ? [Float](repeating: 0, count: rows * k) : nil
        withBuffers(teacher: teacher, &gradient, &targets, &probabilities) { buffers in
            for b in 0..<rows {
                perSample[b] = row(b, buffers, terms, &totals)
            }
        }
        return result(perSample: perSample, totals: totals, terms: terms, gradient: gradient, targets: targets,
                      probabilities: probabilities)
    }

    /// The pass's pointers: the inputs' storage, the requested outputs', and scratch rows.
    private func withBuffers(teacher: Matrix?, _ gradient: inout [Float]?, _ targets: inout [Float]?,
                             _ probabilities: inout [Float]?, _ body: (Buffers) -> Void) {
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: 4 * k)
        scratch.initialize(repeating: 0, count: 4 * k)
        let focal = UnsafeMutablePointer<Double>.allocate(capacity: k)
        focal.initialize(repeating: 0, count: k)
        defer {
            scratch.deallocate()
            focal.deallocate()
        }
        var softTargets: Matrix?
        if case .probabilities(let t) = source { softTargets = t }
        withOptionalPointers(&gradient, &targets, &probabilities) { g, t, p in
            logits.values.withUnsafeBufferPointer { x in
            (c.weight ?? []).withUnsafeBufferPointer { w in
            (teacher?.values ?? []).withUnsafeBufferPointer { teacherValues in
            (softTargets?.values ?? []).withUnsafeBufferPointer { soft in
                body(Buffers(
                    logits: x.baseAddress!, weight: c.weight == nil ? nil : w.baseAddress,
                    teacher: teacher == nil ? nil : teacherValues.baseAddress, softTargets: softTargets == nil ? nil : soft.baseAddress,
                    gradient: g.map { RowPointers(base: $0, columns: k) }, targets: t.map { RowPointers(base: $0, columns: k) },
                    probabilities: p.map { RowPointers(base: $0, columns: k) },
                    q: scratch, coefficients: scratch + k, p: scratch + 2 * k, pTeacher: scratch + 3 * k, focal: focal))
            }
            }
            }
            }
        }
    }

    /// One row's terms: adds them to `totals` and their gradients to the gradient row; returns
    /// the row's loss (per_sample).
    private func row(_ b: Int, _ buffers: Buffers, _ terms: Terms, _ totals: inout Totals) -> Float {
        let x = buffers.logits + b * k
        let ignored = source.isIgnored(b)
        let gradRow = buffers.gradient?.row(b)
        if terms.fusedLabels {
            guard !ignored, case .labels(let labels, _) = source else { return 0 }
            let ce = FusedCrossEntropy.row(x: x, count: k, label: labels[b], epsilon: c.smoothing.epsilon,
                                           weight: buffers.weight, weightSum: Float(classWeightSum), grad: gradRow,
                                           scale: Float(terms.ceFactor))
            totals.crossEntropy += ce
            return Float(ce)
        }
        if !ignored { fillTarget(b, buffers) }
        if c.function == .binaryCrossEntropy {
            guard !ignored else { return 0 }
            let l = BinaryCrossEntropy.row(x: x, t: buffers.q, count: k, epsilon: c.smoothing.epsilon, weight: buffers.weight,
                                           grad: gradRow, scale: Float(terms.ceFactor),
                                           smoothed: buffers.targets?.row(b), sigmoid: buffers.probabilities?.row(b))
            totals.crossEntropy += l
            return Float(l)
        }
        let logZ = Softmax.logSumExp(x, count: k)
        Row.exp(x, k, shift: logZ, into: buffers.p)
        buffers.probabilities?.row(b).update(from: buffers.p, count: k)
        var rowLoss = 0.0
        if !ignored {
            buffers.targets?.row(b).update(from: buffers.q, count: k)
            if let w = buffers.weight {
                for j in 0..<k { buffers.coefficients[j] = w[j] * buffers.q[j] }
            } else {
                buffers.coefficients.update(from: buffers.q, count: k)
            }
            let ceScale = Float(terms.ceFactor) * terms.ceShare
            let ce: Double
            if case .focal(let gamma) = c.function {
                ce = SoftmaxLossTerms.focal(x: x, c: buffers.coefficients, p: buffers.p, count: k, logZ: logZ, gamma: gamma,
                                            grad: gradRow, scale: ceScale, scratch: buffers.focal)
            } else {
                ce = SoftmaxLossTerms.crossEntropy(x: x, c: buffers.coefficients, p: buffers.p, count: k, logZ: logZ,
                                                   grad: gradRow, scale: ceScale)
            }
            totals.crossEntropy += ce
            rowLoss += Double(terms.ceShare) * ce
            if terms.beta != 0 {
                let h = SoftmaxLossTerms.entropy(x: x, p: buffers.p, count: k, logZ: logZ, grad: gradRow,
                                                 scale: terms.beta * Float(terms.penaltyFactor))
                totals.entropy += h
                rowLoss -= Double(terms.beta) * h
            }
        }
        if let teacher = buffers.teacher {
            let kl = SoftmaxLossTerms.distillation(x: x, teacher: teacher + b * k, count: k, temperature: terms.temperature,
                                                   ps: buffers.coefficients, pt: buffers.pTeacher, grad: gradRow,
                                                   scale: terms.alpha * Float(terms.klFactor))
            totals.kl += kl
            rowLoss += Double(terms.alpha) * Double(terms.temperature) * Double(terms.temperature) * kl
        }
        return Float(rowLoss)
    }

    /// The row's target into `buffers.q`: the smoothed target, or for BCE the raw multi-label one.
    private func fillTarget(_ b: Int, _ buffers: Buffers) {
        let q = buffers.q
        switch source {
        case .labels(let labels, _):
            if c.function == .binaryCrossEntropy {
                q.update(repeating: 0, count: k)
                q[labels[b]] = 1
            } else {
                c.smoothing.fill(label: labels[b], into: q, count: k)
            }
        case .probabilities:
            let t = buffers.softTargets! + b * k
            if c.function == .binaryCrossEntropy {
                q.update(from: t, count: k)
            } else {
                c.smoothing.fill(target: t, into: q, count: k)
            }
        }
    }

    /// The reduced loss from the row totals, and the outputs as matrices.
    private func result(perSample: [Float], totals: Totals, terms: Terms, gradient: [Float]?, targets: [Float]?,
                        probabilities: [Float]?) -> LossResult {
        let t2 = Double(terms.temperature) * Double(terms.temperature)  // T² in float32 overflows from T ≈ 1.8e19
        let (ceShare, alpha, beta) = (Double(terms.ceShare), Double(terms.alpha), Double(terms.beta))
        var loss: Double?
        switch c.reduction {
        case .none:
            loss = nil
        case .sum:
            loss = ceShare * totals.crossEntropy + alpha * t2 * totals.kl - beta * totals.entropy
        case .mean:
            let labelled = denominator > 0
            let distilled: Bool = if case .distillation = c.function { true } else { false }
            if !labelled && !distilled {
                loss = nil
            } else {
                let ceMean = labelled ? totals.crossEntropy / denominator : 0
                let penaltyMean = validRows > 0 ? totals.entropy / Double(validRows) : 0
                loss = ceShare * ceMean + alpha * t2 * totals.kl / Double(rows) - beta * penaltyMean
            }
        }
        let wantPerSample = c.outputs.contains(.perSample) || c.reduction == .none
        return LossResult(loss: loss, count: validRows, perSample: wantPerSample ? perSample : nil,
                          gradient: gradient.map { Matrix(rows: rows, columns: k, values: $0) },
                          targets: targets.map { Matrix(rows: rows, columns: k, values: $0) },
                          probabilities: probabilities.map { Matrix(rows: rows, columns: k, values: $0) })
    }
}

/// Row pointers into an output matrix's storage, valid inside `withOptionalPointers`.
struct RowPointers {
    let base: UnsafeMutablePointer<Float>
    let columns: Int
    @inline(__always)
    func row(_ b: Int) -> UnsafeMutablePointer<Float> { base + b * columns }
}

/// Runs `body` with the base addresses of three optional arrays' storage (nil for an absent one).
@inline(__always)
func withOptionalPointers<R>(_ a: inout [Float]?, _ b: inout [Float]?, _ c: inout [Float]?,
                             _ body: (UnsafeMutablePointer<Float>?, UnsafeMutablePointer<Float>?, UnsafeMutablePointer<Float>?) -> R) -> R {
    withOptionalPointer(&a) { pa in withOptionalPointer(&b) { pb in withOptionalPointer(&c) { pc in body(pa, pb, pc) } } }
}

/// Runs `body` with the base address of `array`'s storage, or nil when there is no array.
@inline(__always)
func withOptionalPointer<R>(_ array: inout [Float]?, _ body: (UnsafeMutablePointer<Float>?) -> R) -> R {
    guard array != nil else { return body(nil) }
    return array!.withUnsafeMutableBufferPointer { body($0.baseAddress) }
}
