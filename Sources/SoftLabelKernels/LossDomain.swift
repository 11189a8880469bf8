import RealModule

/// The float32 domain of `/v1/loss`: inputs whose loss, per-sample losses and gradient stay
/// finite in every float32 intermediate of the kernels. Outside it the request is a 422 naming
/// the field to change; inside it no NaN or ∞ can come out (issue 11).
///
/// Rules, checked after the per-field ones of `Loss.validate`:
/// 1. logits (and teacher logits) obey `ScaledLogits` at T = 1, and for distillation also at
///    its temperature, which must be a positive normal float32 (then 1/T is finite);
/// 2. class weights are 0 or in [2⁻⁴⁰, 2⁴⁰] (≈ [9.1e-13, 1.1e12]): the mean's denominator
///    Σ_i w[y_i] is then ≥ 2⁻⁴⁰ or 0, and a gradient, at most 2·Σw/Σ_i w[y_i] ≤ K·2⁸¹, stays
///    far inside float32 for any K ≤ 2⁴⁰;
/// 3. with S the largest row range max − min of the logits (÷T for distillation), L = log K + 1
///    and the budget B = float32 max / 16:
///    - whenever every class enters a row's loss (label smoothing ε > 0, soft targets, a
///      confidence penalty or distillation): Σw·(S + L) ≤ B (Σw = K without weights), the
///      bound of Σ_k w_k·(max − x_k) and Σ_k c_k·(log Z − x_k); and β·(S + L) ≤ B for the
///      penalty's gradient; and for distillation T²·(S + L) ≤ B (T²·KL and its gradient);
///    - otherwise (index labels, ε = 0: only the label's logit counts) each row's
///      w[y]·(max − x_y + L) ≤ B, so that masked logits (float32's lowest, as
///      `masked_fill(finfo.min)` writes them) are accepted as long as no label points at one;
///    - binary cross-entropy: max w·(max |x| + 1) ≤ B.
/// Cost: one vectorised pass for max |x| per matrix; when the bounds hold with S ≤ 2·max|x|
/// (every realistic input) nothing else runs, otherwise one pass for the row ranges.
enum LossDomain {
    static let smallestWeight: Float = 0x1p-40
    static let largestWeight: Float = 0x1p40
    static let budget = Double(Float.greatestFiniteMagnitude) / 16

    static func validate(logits: Matrix, source: TargetSource, configuration c: LossConfiguration) throws(ValidationError) {
        try ScaledLogits.validate(logits, temperature: 1, path: "logits", temperaturePath: "logits")
        var temperature: Float = 1
        var teacher: Matrix?
        if case .distillation(let t, let temp, _) = c.function {
            guard temp.isNormal, temp > 0 else {
                throw ValidationError(.invalidValue, "temperature must be a positive normal float32 in [\(Float.leastNormalMagnitude), \(Float.greatestFiniteMagnitude)], got \(temp)", path: "temperature")
            }
            try ScaledLogits.validate(t, temperature: 1, path: "teacher_logits", temperaturePath: "teacher_logits")
            try ScaledLogits.validate(logits, temperature: temp, path: "logits", temperaturePath: "temperature")
            try ScaledLogits.validate(t, temperature: temp, path: "teacher_logits", temperaturePath: "temperature")
            (teacher, temperature) = (t, temp)
        }
        if let weight = c.weight {
            for (i, w) in weight.enumerated() where w != 0 && !(w >= smallestWeight && w <= largestWeight) {
                throw ValidationError(.invalidValue, "class weights must be 0 or in [\(smallestWeight), \(largestWeight)], got \(w)", path: "weight[\(i)]")
            }
        }
        let k = logits.columns
        let logTerm = Double.log(Double(k)) + 1
        let weightSum = c.weight.map { $0.reduce(0.0) { $0 + Double($1) } } ?? Double(k)
        let largestWeight = Double(c.weight?.max() ?? 1)
        let largest = Double(logits.values.withUnsafeBufferPointer(ScaledLogits.largestMagnitude))

        if c.function == .binaryCrossEntropy {
            guard largestWeight * (largest + 1) <= budget else {
                throw ValidationError(.invalidValue, "binary cross-entropy of logits up to \(largest) with class weights up to \(largestWeight) would overflow float32 (weight × |logit| must stay below \(Float(budget)))", path: "logits")
            }
            return
        }
        // The largest row range, bounded by 2·max|x| first; measured only when that bound fails.
        var span = 2 * largest
        func measuredSpan(_ m: Matrix) -> Double {
            (0..<m.rows).reduce(0.0) { s, r in
                let (low, high) = ScaledLogits.range(m, row: r)
                return Swift.max(s, Double(high) - Double(low))
            }
        }
        let smoothing = c.smoothing.epsilon > 0
        let softTargets: Bool
        if case .probabilities = source { softTargets = true } else { softTargets = false }
        let everyClass = smoothing || softTargets || c.confidencePenalty > 0 || teacher != nil
        if everyClass {
            if weightSum * (span + logTerm) > budget { span = measuredSpan(logits) }
            guard weightSum * (span + logTerm) <= budget else {
                let reason = smoothing ? "label smoothing" : softTargets ? "soft targets" : c.confidencePenalty > 0 ? "a confidence penalty" : "distillation"
                throw ValidationError(.invalidValue, "logits rows span up to \(span): with \(reason) every class enters the loss, and Σ weights × range = \(weightSum * span) would overflow float32 (it must stay below \(Float(budget)))", path: "logits")
            }
            guard Double(c.confidencePenalty) * (span + logTerm) <= budget else {
                throw ValidationError(.invalidValue, "confidence_penalty \(c.confidencePenalty) × logit range \(span) would overflow the float32 gradient (it must stay below \(Float(budget)))", path: "confidence_penalty")
            }
            if let teacher {
                let scale = 1 / Double(temperature)
                let teacherLargest = Double(teacher.values.withUnsafeBufferPointer(ScaledLogits.largestMagnitude))
                var scaledSpan = 2 * Swift.max(largest, teacherLargest) * scale
                let t2 = Double(temperature) * Double(temperature)
                if t2 * (scaledSpan + logTerm) > budget { scaledSpan = Swift.max(measuredSpan(logits), measuredSpan(teacher)) * scale }
                guard t2 * (scaledSpan + logTerm) <= budget else {
                    throw ValidationError(.invalidValue, "temperature \(temperature): T² × (logit range / T) = \(t2 * scaledSpan) would overflow the float32 distillation term (it must stay below \(Float(budget)))", path: "temperature")
                }
            }
            return
        }
        // Index labels, ε = 0, no penalty: only w[y]·(max − x_y) per row.
        guard largestWeight * (span + logTerm) > budget, case .labels(let labels, let ignoreIndex) = source else { return }
        for (r, y) in labels.enumerated() where y != ignoreIndex {
            let (_, high) = ScaledLogits.range(logits, row: r)
            let w = Double(c.weight?[y] ?? 1)
            let rowLoss = w * (Double(high) - Double(logits[r, y]) + logTerm)
            guard rowLoss <= budget else {
                throw ValidationError(.invalidValue, "the loss of this row, weight × (max logit − label's logit) = \(rowLoss), would overflow float32 (it must stay below \(Float(budget))); is the label's logit masked?", path: "logits[\(r)]")
            }
        }
    }
}
