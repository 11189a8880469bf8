import SoftLabelKernels
import SoftLabelWire

/// The `/v1/representation` response body: the metrics (float64, shortest round-trip text; `null`
/// where undefined), `projection` when computed (coordinates as float32 text, like every bulk
/// output), and `state`.
enum RepresentationJSON {
    static func response(_ m: RepresentationMetrics, projection: TemplateProjection?, state: RepresentationState) -> [UInt8] {
        let points = projection?.points.count ?? 0
        var w = JSONWriter(capacity: 1024 + state.featureSum.count * 2 * 20 + points * 40)
        w.beginObject()
        w.key("count"); w.writeInt(m.count)
        w.key("num_classes_present"); w.writeInt(m.numClassesPresent)
        w.key("class_separation_r2"); optional(m.classSeparationR2, &w)
        w.key("within_distance"); w.writeDouble(m.withinDistance)
        w.key("total_distance"); w.writeDouble(m.totalDistance)
        w.key("feature_norm")
        w.beginObject()
        w.key("mean"); w.writeDouble(m.featureNormMean)
        w.key("per_class")
        w.beginArray(); for v in m.featureNormPerClass { optional(v, &w) }; w.endArray()
        w.endObject()
        w.key("within_class_variance"); w.writeDouble(m.withinClassVariance)
        w.key("between_class_variance"); w.writeDouble(m.betweenClassVariance)
        w.key("variance_ratio"); optional(m.varianceRatio, &w)
        if let projection {
            w.key("projection")
            write(projection, &w)
        }
        w.key("state"); RepresentationStateJSON.write(state, into: &w)
        w.endObject()
        return w.bytes
    }

    static func write(_ p: TemplateProjection, _ w: inout JSONWriter) {
        w.beginObject()
        w.key("classes")
        w.beginArray(); for c in p.classes { w.writeInt(c) }; w.endArray()
        w.key("templates"); pairs(p.templates, &w)
        w.key("points"); pairs(p.points, &w)
        w.key("labels")
        w.beginArray(); for y in p.labels { w.writeInt(y) }; w.endArray()
        w.endObject()
    }

    static func pairs(_ v: [(Double, Double)], _ w: inout JSONWriter) {
        w.beginArray()
        for (x, y) in v {
            w.beginArray(); coordinate(x, &w); coordinate(y, &w); w.endArray()
        }
        w.endArray()
    }

    /// The shortest text of the float32 nearest `v`; beyond the float32 range (templates and rows
    /// near ±3.4e38 can project there) the float64 itself, never `null`.
    static func coordinate(_ v: Double, _ w: inout JSONWriter) {
        let rounded = Float(v)
        if rounded.isFinite { w.writeFloat(rounded) } else { w.writeDouble(v) }
    }

    static func optional(_ v: Double?, _ w: inout JSONWriter) {
        if let v { w.writeDouble(v) } else { w.writeNull() }
    }
}
