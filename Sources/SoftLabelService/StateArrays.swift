import SoftLabelKernels
import SoftLabelWire

/// The arrays of a mergeable `state` (calibration and representation) as JSON: sums as float64
/// shortest round-trip text, counts as integers, so that a state read back is bit-identical to
/// the one written.
enum StateArrays {
    static func writeInts(_ v: [Int], _ w: inout JSONWriter) {
        w.beginArray(); for x in v { w.writeInt(x) }; w.endArray()
    }

    static func writeDoubles(_ v: [Double], _ w: inout JSONWriter) {
        w.beginArray(); for x in v { w.writeDouble(x) }; w.endArray()
    }

    /// Counts are read as exact doubles in [0, `CalibrationState.maximumCount`] (2⁵³ − 1, for both kinds of state): `JSONReader.readInt` stops at
    /// Int32, which a merged count over a large data set can pass.
    static func readCount(_ r: inout JSONReader, _ path: String) throws -> Int {
        let d = try r.readDouble(path: path)
        guard d >= 0, d <= Double(CalibrationState.maximumCount), d.rounded() == d else {
            throw ServiceError.invalidValue(path, "\(path) must be a whole number ≥ 0, got \(d)")
        }
        return Int(d)
    }

    static func readCounts(_ r: inout JSONReader, _ path: String) throws -> [Int] {
        var out: [Int] = []
        try r.beginArray(path: path)
        while try r.nextElement() { out.append(try readCount(&r, "\(path)[\(out.count)]")) }
        return out
    }

    static func readDoubles(_ r: inout JSONReader, _ path: String) throws -> [Double] {
        var out: [Double] = []
        try r.beginArray(path: path)
        while try r.nextElement() { out.append(try r.readDouble(path: "\(path)[\(out.count)]")) }
        return out
    }
}
