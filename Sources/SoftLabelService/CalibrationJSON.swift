import SoftLabelKernels
import SoftLabelWire

/// The `/v1/calibration` (and `/merge`) response body (docs/api.md): metrics as float64 shortest
/// text, `null` where a metric is undefined (an empty bin, p_y = 0 for NLL), `top_k_accuracy`
/// keyed by k, the reliability table, `state`, and `intervals` with bootstrap.
enum CalibrationJSON {
    /// Writes `count` and what `m.selection` holds, in the order of docs/api.md.
    static func write(_ m: CalibrationMetrics, into w: inout JSONWriter) {
        let selected = m.selection
        w.beginObject()
        w.key("count"); w.writeInt(m.count)
        let scalars: [(CalibrationMetric, Double?)] = [
            (.accuracy, m.accuracy), (.meanConfidence, m.meanConfidence), (.ece, m.ece), (.mce, m.mce), (.rmsCE, m.rmsCE),
            (.adaptiveECE, m.adaptiveECE), (.classwiseECE, m.classwiseECE), (.debiasedRMSCE, m.debiasedRMSCE),
            (.smoothECE, m.smoothECE), (.brier, m.brier), (.nll, m.nll), (.meanEntropy, m.meanEntropy),
            (.overconfidence, m.overconfidence),
        ]
        for (metric, value) in scalars where selected.contains(metric) && !m.omitted.contains(metric) {
            w.key(metric.rawValue)
            writeOptional(value, &w)
        }
        if selected.contains(.smoothECE), let bandwidth = m.smoothECEBandwidth {
            w.key("smooth_ece_bandwidth"); w.writeDouble(bandwidth)
        }
        if selected.contains(.topKAccuracy) {
            w.key("top_k_accuracy")
            w.beginObject()
            for k in m.topKAccuracy.keys.sorted() {
                w.key(String(k)); w.writeDouble(m.topKAccuracy[k]!)
            }
            w.endObject()
        }
        if selected.contains(.reliability) && !m.omitted.contains(.reliability) {
            w.key("reliability")
            w.beginArray()
            for bin in m.reliability {
                w.beginObject()
                w.key("lower"); w.writeDouble(bin.lower)
                w.key("upper"); w.writeDouble(bin.upper)
                w.key("count"); w.writeInt(bin.count)
                w.key("mean_confidence"); writeOptional(bin.meanConfidence, &w)
                w.key("accuracy"); writeOptional(bin.accuracy, &w)
                w.endObject()
            }
            w.endArray()
        }
        if selected.contains(.logitGap), let gap = m.logitGap {
            w.key("logit_gap")
            writeLogitGap(gap, &w)
        }
        if selected.contains(.selective), let selective = m.selective {
            w.key("selective")
            writeSelective(selective, &w)
        }
        if !m.intervals.isEmpty || !m.topKIntervals.isEmpty {
            w.key("intervals")
            w.beginObject()
            for metric in CalibrationMetric.allCases {
                guard let interval = m.intervals[metric] else { continue }
                w.key(metric.rawValue)
                writeInterval(interval, &w)
            }
            if !m.topKIntervals.isEmpty {
                w.key("top_k_accuracy")
                w.beginObject()
                for k in m.topKIntervals.keys.sorted() {
                    w.key(String(k)); writeInterval(m.topKIntervals[k]!, &w)
                }
                w.endObject()
            }
            w.endObject()
        }
        if !m.omitted.isEmpty {
            w.key("omitted")
            w.beginArray()
            for metric in m.omitted {
                w.writeString(metric.rawValue)
                // The bandwidth comes with smooth ECE: left out with it, and said so.
                if metric == .smoothECE { w.writeString("smooth_ece_bandwidth") }
            }
            w.endArray()
        }
        if selected.state {
            w.key("state")
            CalibrationStateJSON.write(m.state, into: &w)
        }
        w.endObject()
    }

    /// `logit_gap` (docs/api.md): `quantiles` is left out when the rows were not at hand (merge).
    static func writeLogitGap(_ g: LogitGapSummary, _ w: inout JSONWriter) {
        w.beginObject()
        for (name, value) in [("mean", g.mean), ("std", g.std), ("min", g.min), ("max", g.max)] {
            w.key(name); writeOptional(value, &w)
        }
        if let quantiles = g.quantiles {
            w.key("quantiles")
            w.beginObject()
            for (level, value) in zip(LogitGapSummary.quantileLevels, quantiles) { w.key(level.key); w.writeDouble(value) }
            w.endObject()
        }
        for (name, value) in [("top2_mean", g.top2Mean), ("norm_mean", g.normMean), ("optimal", g.optimal), ("beyond_optimal", g.beyondOptimal)] {
            w.key(name); writeOptional(value, &w)
        }
        w.key("infinite"); w.writeInt(g.infinite)
        w.endObject()
    }

    /// `selective` (docs/api.md); `risk_at_coverage` keyed by each coverage's shortest decimal.
    static func writeSelective(_ s: SelectiveMetrics, _ w: inout JSONWriter) {
        w.beginObject()
        w.key("aurc"); writeOptional(s.aurc, &w)
        w.key("augrc"); writeOptional(s.augrc, &w)
        w.key("risk_at_coverage")
        w.beginObject()
        for (key, risk) in s.riskAtCoverage { w.key(key); writeOptional(risk, &w) }
        w.endObject()
        w.key("misclassification_auroc"); writeOptional(s.misclassificationAUROC, &w)
        w.endObject()
    }

    static func writeOptional(_ v: Double?, _ w: inout JSONWriter) {
        if let v, v.isFinite { w.writeDouble(v) } else { w.writeNull() }
    }

    static func writeInterval(_ i: ConfidenceInterval, _ w: inout JSONWriter) {
        w.beginArray(); w.writeDouble(i.low); w.writeDouble(i.high); w.endArray()
    }
}
