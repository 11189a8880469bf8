/// Calibration metrics of classifier outputs (docs/api.md, "POST /v1/calibration").
///
/// Usage: `validate` the request, then either `compute` (every metric, including the ones that
/// need the rows: adaptive ECE, smooth ECE, equal-mass bins, bootstrap intervals) or `state`
/// per shard, `CalibrationState.merge`, and `metrics(_:)` for the mergeable ones.
/// All functions except `validate` expect validated input and trap (precondition) on a shape
/// mismatch; they never throw.
public enum Calibration {
    /// Checks configuration, shapes and values: labels in [0, K), finite logits whose rows stay
    /// within float32 when divided by the temperature (`ScaledLogits`), probability rows with
    /// entries in [0, 1] summing to 1 ± 1e-3, temperature 1 for probabilities, at most
    /// `CalibrationConfiguration.maximumRows` rows, bootstrap × (rows + bins) within
    /// `maximumBootstrapWork`, and K × bins within `maximumClasswiseCells`. Paths name the
    /// offending field (`labels[3]`, `probabilities[2]`, `logits[0][7]`, `bins`, `top_k[1]`).
    public static func validate(_ input: CalibrationInput, labels: [Int], configuration: CalibrationConfiguration) throws(ValidationError) {
        try configuration.validate()
        let m = input.matrix
        let field = input.fieldName
        guard labels.count == m.rows else {
            throw ValidationError(.shapeMismatch, "labels has \(labels.count) entries but \(field) has \(m.rows) rows", path: "labels")
        }
        guard m.rows == 0 || m.columns >= 1 else {
            throw ValidationError(.shapeMismatch, "\(field) rows must have at least one class", path: "\(field)[0]")
        }
        guard m.rows <= CalibrationConfiguration.maximumRows else {
            throw ValidationError(.tooLarge, "\(field) has \(m.rows) rows; at most \(CalibrationConfiguration.maximumRows) are accepted", path: field)
        }
        // rows ≤ 2³¹ − 1 and bins + 1 ≤ 10,001: the sum cannot overflow, the product is checked.
        let work = configuration.bootstrap.multipliedReportingOverflow(by: m.rows + configuration.edges.binCount)
        guard !work.overflow, work.partialValue <= CalibrationConfiguration.maximumBootstrapWork else {
            throw ValidationError(.tooLarge, "bootstrap × (rows + bins) = \(configuration.bootstrap) × (\(m.rows) + \(configuration.edges.binCount)) exceeds \(CalibrationConfiguration.maximumBootstrapWork); use fewer resamples", path: "bootstrap")
        }
        let cells = m.columns.multipliedReportingOverflow(by: configuration.bins)
        guard !cells.overflow, cells.partialValue <= CalibrationConfiguration.maximumClasswiseCells else {
            throw ValidationError(.tooLarge, "classes × bins = \(m.columns) × \(configuration.bins) exceeds \(CalibrationConfiguration.maximumClasswiseCells) classwise cells; use fewer bins", path: "bins")
        }
        for (i, y) in labels.enumerated() where y < 0 || y >= m.columns {
            throw ValidationError(.labelOutOfRange, "label \(y) is out of range: expected an integer in [0, \(m.columns))", path: "labels[\(i)]")
        }
        switch input {
        case .logits(let logits):
            try validateFinite(logits, path: field)
            try ScaledLogits.validate(logits, temperature: configuration.temperature, path: field, temperaturePath: "temperature")
        case .probabilities(let p):
            guard configuration.temperature == 1 else {
                throw ValidationError(.conflictingFields, "temperature applies to logits; probabilities are used as given (omit temperature or send logits)", path: "temperature")
            }
            for r in 0..<p.rows {
                var sum = 0.0
                for c in 0..<p.columns {
                    let v = p[r, c]
                    guard v.isFinite, v >= 0, v <= 1 else {
                        throw ValidationError(.invalidValue, "probabilities must be in [0, 1], got \(v)", path: "\(field)[\(r)][\(c)]")
                    }
                    sum += Double(v)
                }
                guard Swift.abs(sum - 1) <= TargetSource.rowSumTolerance else {
                    throw ValidationError(.invalidValue, "each probability row must sum to 1 (±1e-3), this one sums to \(sum)", path: "\(field)[\(r)]")
                }
            }
        }
    }

    /// The mergeable sufficient statistics of the rows: one pass, size independent of B.
    public static func state(_ input: CalibrationInput, labels: [Int], configuration: CalibrationConfiguration = .init()) -> CalibrationState {
        CalibrationPass.run(input, labels: labels, configuration: configuration).0
    }

    public static func state(logits: Matrix, labels: [Int], configuration: CalibrationConfiguration = .init()) -> CalibrationState {
        state(.logits(logits), labels: labels, configuration: configuration)
    }

    public static func state(probabilities: Matrix, labels: [Int], configuration: CalibrationConfiguration = .init()) -> CalibrationState {
        state(.probabilities(probabilities), labels: labels, configuration: configuration)
    }

    /// Every metric a state determines (merged or not); adaptive and smooth ECE, and the binned
    /// metrics of equal-mass binning, are listed in `omitted`, and so are `selective` and, when
    /// the state has logit-gap sums, the gap quantiles (they need the rows).
    public static func metrics(_ state: CalibrationState) -> CalibrationMetrics {
        var metrics = CalibrationMetrics(state: state)
        metrics.omitted.append(.selective)
        if let gap = state.logitGap {
            metrics.selection.insert(.logitGap)
            metrics.logitGap = LogitGapSummary(gap, numClasses: state.numClasses, sortedGaps: nil)
            metrics.omitted.append(.logitGapQuantiles)
        }
        return metrics
    }

    /// The metrics of `configuration.selection` over the rows, and nothing else (the pass
    /// skips what no selected metric needs, see `CalibrationSelection`): one pass over the
    /// matrix, then the row-based metrics over the per-row confidences: adaptive ECE, smooth ECE
    /// (with its bandwidth), equal-mass bins if configured, selective classification, the logit
    /// gaps' quantiles, and bootstrap intervals of the selected bootstrapped metrics if
    /// `bootstrap > 0` (equal-width binning only; see `Bootstrap`). Cost: one pass over the B×K
    /// matrix plus O(B log B) for each sort (adaptive ECE, selective, gap quantiles), O(B) plus a
    /// fixed ~0.1 ms of FFTs for smooth ECE (see `SmoothECE`), and O(bootstrap·B) for intervals.
    public static func compute(_ input: CalibrationInput, labels: [Int], configuration: CalibrationConfiguration = .init()) -> CalibrationMetrics {
        let selection = configuration.selection
        let bootstrapped: Set<CalibrationMetric> = configuration.bootstrap > 0 && configuration.binning == .equalWidth ? selection.bootstrapped : []
        let needsRows = selection.needsRowConfidences(configuration.binning) || selection.contains(.logitGap)
        let recording: CalibrationPass.Recording = !bootstrapped.isEmpty ? .detailed : (needsRows ? .confidences : .none)
        let (state, rows, gaps) = CalibrationPass.run(input, labels: labels, configuration: configuration, recording: recording)
        var metrics = CalibrationMetrics(state: state)
        metrics.selection = selection
        if let gap = state.logitGap {
            metrics.logitGap = LogitGapSummary(gap, numClasses: state.numClasses, sortedGaps: gaps?.sorted())
        }
        if selection.contains(.selective) {
            metrics.selective = SelectiveMetrics(confidence: rows?.confidence ?? [], correct: rows?.correct ?? [],
                                                 coverages: configuration.coverages.map(CoverageLevel.init))
        }
        guard state.count > 0 else { return metrics }
        metrics.omitted = []
        if let rows, selection.contains(.adaptiveECE) || (configuration.binning == .equalMass && selection.needsBinnedErrors) {
            let adaptive = EqualMassBinning.evaluate(confidence: rows.confidence, correct: rows.correct, groups: configuration.bins)
            metrics.adaptiveECE = adaptive.errors?.ece
            if configuration.binning == .equalMass {
                metrics.setBinned(adaptive.errors)
                metrics.reliability = adaptive.reliability
            }
        }
        if let rows, selection.contains(.smoothECE) {
            if !configuration.includeSmoothECE {
                metrics.omitted = [.smoothECE]
            } else if let smooth = SmoothECE.compute(confidence: rows.confidence, correct: rows.correct, epsilon: configuration.smoothECEEpsilon) {
                metrics.smoothECE = smooth.value
                metrics.smoothECEBandwidth = smooth.bandwidth
            }
        }
        if let rows, !bootstrapped.isEmpty {
            let intervals = Bootstrap.intervals(rows: rows, state: state, resamples: configuration.bootstrap, seed: configuration.seed,
                                                requested: bootstrapped)
            metrics.intervals = intervals.metrics
            metrics.topKIntervals = intervals.topK
        }
        return metrics
    }

    public static func compute(logits: Matrix, labels: [Int], configuration: CalibrationConfiguration = .init()) -> CalibrationMetrics {
        compute(.logits(logits), labels: labels, configuration: configuration)
    }

    public static func compute(probabilities: Matrix, labels: [Int], configuration: CalibrationConfiguration = .init()) -> CalibrationMetrics {
        compute(.probabilities(probabilities), labels: labels, configuration: configuration)
    }
}
