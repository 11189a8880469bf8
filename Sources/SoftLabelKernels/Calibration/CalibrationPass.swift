import RealModule

/// What the calibration pass is given: logits (softmax taken at the configured temperature)
/// or probability rows.
public enum CalibrationInput: Sendable, Equatable {
    case logits(Matrix)
    /// Rows in [0, 1] summing to 1 ± 1e-3; used as given (not renormalised).
    case probabilities(Matrix)

    public var matrix: Matrix {
        switch self {
        case .logits(let m), .probabilities(let m): m
        }
    }

    /// The request field the matrix came from, for error paths.
    public var fieldName: String {
        switch self {
        case .logits: "logits"
        case .probabilities: "probabilities"
        }
    }
}

/// Per-row values that the metrics needing the rows themselves use (adaptive ECE, smooth ECE,
/// equal-mass bins, bootstrap). Filled by the pass only when asked for.
struct CalibrationRows {
    /// Top-label confidence max_k p_k (double-precision softmax of float32 logits).
    var confidence: [Double] = []
    var correct: [Bool] = []
    /// With `detailed`: the top-label bin, the label's rank (top-k hit iff rank < k) and the
    /// per-row NLL (+∞ for p_y = 0), Brier and entropy.
    var bin: [Int32] = []
    var rank: [Int32] = []
    var nll: [Double] = []
    var brier: [Double] = []
    var entropy: [Double] = []
    var count: Int { confidence.count }
}

/// One pass over the rows that fills a `CalibrationState` (and, on request, `CalibrationRows`).
///
/// Per logits row x with s = 1/T and m = max_k x_k: one SIMD sweep computes e_k = exp(d_k) with
/// d_k = x_k·s − m·s (float32, `d_argmax` = 0 exactly), S = Σe, Σe·d and Σe²
/// (`CalibrationRowKernels.exponentialMoments`); from them
///   confidence = e_argmax/S, NLL = log S − d_y (log-softmax, no clipping),
///   entropy = log S − Σe·d/S, Brier = Σp² − 2p_y + 1 = Σe²/S² − 2e_y/S + 1,
/// and the classwise bins take p_k = e_k/S from the same scratch row (L1-resident). Batch sums
/// are `Double` with Neumaier compensation. Accuracy vs float64 numpy on the same float32
/// logits: confidence, NLL, entropy ≤ ~1e-6 relative; Brier ≤ ~1e-7·K absolute per row.
///
/// What the configuration's `selection` does not need is not done: the class-wise sweep (its
/// state arrays stay empty), the label's rank (the state's `topK` is empty), the logit-gap
/// sweep (`state.logitGap` nil). Such a state is for the metrics of this request only; the
/// service returns `state` only when it was requested, and then everything is computed.
enum CalibrationPass {
    enum Recording { case none, confidences, detailed }

    /// The state, the rows if recorded, and the finite rows' logit gaps when `logit_gap` is
    /// selected and rows are recorded (for the quantiles).
    static func run(_ input: CalibrationInput, labels: [Int], configuration: CalibrationConfiguration,
                    recording: Recording = .none) -> (CalibrationState, CalibrationRows?, [Double]?) {
        let matrix = input.matrix
        precondition(labels.count == matrix.rows, "labels and rows differ in count")
        var accumulator = Accumulator(numClasses: matrix.columns, configuration: configuration, rows: matrix.rows, recording: recording)
        if matrix.rows > 0 {
            switch input {
            case .logits(let logits): accumulator.addLogits(logits, labels: labels, temperature: configuration.temperature)
            case .probabilities(let probabilities): accumulator.addProbabilities(probabilities, labels: labels)
            }
        }
        return accumulator.finish()
    }
}

/// The running sums of one pass.
private struct Accumulator {
    var state: CalibrationState
    var rows: CalibrationRows?
    let detailed: Bool
    let edges: BinEdges
    /// Does any requested k need the label's rank (1 < k < K)? k = 1 is `correct`, k ≥ K always hits.
    let needsRank: Bool
    let classwise: Bool
    var confidence = CompensatedSum(), nll = CompensatedSum(), brier = CompensatedSum(), entropy = CompensatedSum()
    var binConfidence: [CompensatedSum]
    /// With `logit_gap`: the sums, the gap of the smoothed target, and the gaps for quantiles.
    var gapStatistics: LogitGapStatistics?
    let optimalGap: Double?
    var gaps: [Double]?

    init(numClasses: Int, configuration: CalibrationConfiguration, rows: Int, recording: CalibrationPass.Recording) {
        let selection = configuration.selection
        classwise = selection.needsClasswise
        // The classwise arrays come from `ClasswiseBins.finish` (rows > 0).
        state = CalibrationState(numClasses: numClasses, configuration: configuration, allocatingClasswise: rows == 0 && classwise)
        if !selection.needsTopK {
            state.topK = []
            state.topKCorrect = []
        }
        edges = configuration.edges
        binConfidence = [CompensatedSum](repeating: CompensatedSum(), count: edges.binCount)
        needsRank = state.topK.contains { $0 > 1 && $0 < numClasses }
        detailed = recording == .detailed
        if recording != .none {
            var r = CalibrationRows()
            r.confidence.reserveCapacity(rows)
            r.correct.reserveCapacity(rows)
            if detailed {
                for keyPath in [\CalibrationRows.nll, \.brier, \.entropy] { r[keyPath: keyPath].reserveCapacity(rows) }
                r.bin.reserveCapacity(rows)
                r.rank.reserveCapacity(rows)
            }
            self.rows = r
        }
        if selection.contains(.logitGap) {
            let statistics = LogitGapStatistics(labelSmoothing: configuration.logitGapEpsilon, smoothing: configuration.logitGapSmoothing)
            gapStatistics = statistics
            optimalGap = statistics.optimal(numClasses: numClasses)
            if recording != .none {
                gaps = []
                gaps!.reserveCapacity(rows)
            }
        } else {
            optimalGap = nil
        }
    }

    /// Adds one row's top-label and scalar statistics.
    @inline(__always)
    mutating func addRow(confidence conf: Double, correct: Bool, rank: Int, nll rowNLL: Double, brier rowBrier: Double, entropy rowEntropy: Double) {
        let b = edges.index(of: conf)
        state.count += 1
        if correct {
            state.correct += 1
            state.binCorrect[b] += 1
        }
        for (i, k) in state.topK.enumerated() where rank < k { state.topKCorrect[i] += 1 }
        state.binCount[b] += 1
        binConfidence[b].add(conf)
        confidence.add(conf)
        if rowNLL.isFinite { nll.add(rowNLL) } else { state.nllInfiniteCount += 1 }
        brier.add(rowBrier)
        entropy.add(rowEntropy)
        if rows != nil {
            rows!.confidence.append(conf)
            rows!.correct.append(correct)
            if detailed {
                rows!.bin.append(Int32(b))
                rows!.rank.append(Int32(clamping: rank))
                rows!.nll.append(rowNLL)
                rows!.brier.append(rowBrier)
                rows!.entropy.append(rowEntropy)
            }
        }
    }

    /// Adds one row's logit gap g, top-2 gap and norm (already on z).
    @inline(__always)
    mutating func addGap(_ g: Double, top2: Double, norm: Double) {
        gapStatistics!.add(gap: g, top2: top2, norm: norm, optimal: optimalGap)
        if gaps != nil, g.isFinite, top2.isFinite, norm.isFinite { gaps!.append(g) }
    }

    /// Runs `body` with the class-wise bins when `needed` (and returns their cells for the
    /// state), with nil otherwise.
    static func withClasswise(_ needed: Bool, classes k: Int, bins: Int, _ body: (ClasswiseBins?) -> Void)
        -> (count: [Int], positives: [Int], probabilitySum: [Double])? {
        guard needed else {
            body(nil)
            return nil
        }
        return ClasswiseBins.accumulate(classes: k, bins: bins) { body($0) }
    }

    mutating func store(_ cells: (count: [Int], positives: [Int], probabilitySum: [Double])?) {
        if let cells { (state.classBinCount, state.classBinPositives, state.classBinProbabilitySum) = cells }
    }

    mutating func addLogits(_ logits: Matrix, labels: [Int], temperature: Float) {
        let k = logits.columns
        let scale = 1 / temperature
        let inverseT = 1 / Double(temperature)
        let withGap = gapStatistics != nil
        var scratch = [Float](repeating: 0, count: k)
        let cells = Self.withClasswise(classwise, classes: k, bins: state.bins) { classwise in
        logits.values.withUnsafeBufferPointer { xBuffer in
        scratch.withUnsafeMutableBufferPointer { eBuffer in
            let e = eBuffer.baseAddress!
            for r in 0..<logits.rows {
                let x = xBuffer.baseAddress! + r * k
                let y = labels[r]
                let m = CalibrationRowKernels.maximum(x, k)
                let shift = m * scale
                let moments = CalibrationRowKernels.exponentialMoments(x, k, scale: scale, shift: shift, into: e)
                let argmax = CalibrationRowKernels.firstIndex(of: m, in: x, k)
                let inverseSum = 1 / moments.sum
                let logSum = Double.log(moments.sum)
                let conf = Double(e[argmax]) * inverseSum
                let py = Double(e[y]) * inverseSum
                // −log p_y = log S − d_y with d_y exactly as the kernel formed it (so that the
                // maximum's d is 0 here too); ≥ 0 up to the float32 exp/sum error (~1e-7), which
                // the clamp keeps from going negative.
                let rowNLL = Swift.max(logSum - Double(x[y] * scale - shift), 0)
                let rowEntropy = Swift.max(logSum - moments.weightedShift * inverseSum, 0)
                let rowBrier = Swift.max(moments.sumSquares * inverseSum * inverseSum - 2 * py + 1, 0)
                let rank = argmax == y ? 0 : (needsRank ? CalibrationRowKernels.rank(of: y, in: x, k) : 1)
                addRow(confidence: conf, correct: argmax == y, rank: rank, nll: rowNLL, brier: rowBrier, entropy: rowEntropy)
                // Classwise bins of p_k = e_k/S from the same L1-resident scratch row.
                classwise?.add(e, scale: Float(inverseSum), label: y)
                if withGap {
                    // z = x/T in double: g = x_y/T − max_{j≠y} x_j/T, top-2 gap, ‖z‖ = ‖x‖/T.
                    let s = LogitGapRow.scores(x, k, label: y)
                    addGap(Double(x[y]) * inverseT - Double(s.bestOther) * inverseT,
                           top2: Double(s.first) * inverseT - Double(s.second) * inverseT,
                           norm: s.squares.squareRoot() * inverseT)
                }
            }
        }}
        }
        store(cells)
    }

    mutating func addProbabilities(_ probabilities: Matrix, labels: [Int]) {
        let k = probabilities.columns
        let withGap = gapStatistics != nil
        let cells = Self.withClasswise(classwise, classes: k, bins: state.bins) { classwise in
        probabilities.values.withUnsafeBufferPointer { pBuffer in
            for r in 0..<probabilities.rows {
                let p = pBuffer.baseAddress! + r * k
                let y = labels[r]
                let m = CalibrationRowKernels.maximum(p, k)
                let argmax = CalibrationRowKernels.firstIndex(of: m, in: p, k)
                var squares = 0.0, rowEntropy = 0.0
                for j in 0..<k {
                    let pj = Double(p[j])
                    squares += pj * pj
                    if pj > 0 { rowEntropy -= pj * Double.log(pj) }
                }
                let py = Double(p[y])
                let rowNLL = py > 0 ? -Double.log(py) : Double.infinity
                let rank = argmax == y ? 0 : (needsRank ? CalibrationRowKernels.rank(of: y, in: p, k) : 1)
                addRow(confidence: Double(m), correct: argmax == y, rank: rank, nll: rowNLL,
                       brier: Swift.max(squares - 2 * py + 1, 0), entropy: Swift.max(rowEntropy, 0))
                classwise?.add(p, scale: 1, label: y)
                if withGap {
                    // z = log p (−∞ where p = 0: such a row's norm, and maybe its gaps, are not finite).
                    let s = LogitGapRow.scores(p, k, label: y)
                    var logSquares = 0.0
                    for j in 0..<k {
                        let z = Double.log(Double(p[j]))
                        logSquares += z * z
                    }
                    addGap(Double.log(py) - Double.log(Double(s.bestOther)),
                           top2: Double.log(Double(s.first)) - Double.log(Double(s.second)),
                           norm: logSquares.squareRoot())
                }
            }
        }
        }
        store(cells)
    }

    func finish() -> (CalibrationState, CalibrationRows?, [Double]?) {
        var s = state
        s.confidenceSum = confidence.value
        s.nllSum = nll.value
        s.brierSum = brier.value
        s.entropySum = entropy.value
        s.binConfidenceSum = binConfidence.map(\.value)
        s.logitGap = gapStatistics
        return (s, rows, gaps)
    }
}
