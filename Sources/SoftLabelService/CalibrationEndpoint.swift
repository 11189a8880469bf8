import SoftLabelKernels
import SoftLabelWire

/// `POST /v1/calibration`: every calibration metric in one pass, the reliability table, the
/// mergeable `state` and, with `bootstrap > 0`, percentile 95 % intervals (docs/api.md).
enum CalibrationEndpoint {
    static let fields = CalibrationFields.rowNames + CalibrationFields.optionNames
    static let example = #"{"logits": [[2.0, 0.5, -1.0], [0.1, 0.2, 3.0]], "labels": [0, 2]}"#
    static let optionsExample = #"{"bins": 15, "top_k": [1, 5]}"#

    struct Request: Sendable {
        var input: CalibrationInput
        var labels: [Int]
        var configuration: CalibrationConfiguration
        /// Whether the request named its `metrics` (else `configuration.selection` is everything).
        var namedMetrics = false
    }

    /// Decodes and validates the request (shared with `/v1/reliability-diagram`).
    static func decode(_ body: [UInt8], _ decoding: RequestDecoding) throws -> Request {
        try decode(body, decoding, rows: nil)
    }

    /// With `rows` nil the body is a whole request; otherwise `rows` holds the matrix and labels,
    /// and the body is a JSON object of the option fields only (a row field in it is an unknown
    /// field). Either way the options are read, and the request built, by the same code.
    static func decode(_ body: [UInt8], _ decoding: RequestDecoding, rows: CalibrationFields?) throws -> Request {
        var f = rows ?? CalibrationFields()
        let readsRows = rows == nil
        try decoding.decodeObject(body, allowed: readsRows ? fields : CalibrationFields.optionNames,
                                  example: readsRows ? example : optionsExample) { key, reader in
            if readsRows, try f.readRows(key, &reader, decoding) { return true }
            return try f.readOption(key, &reader, decoding)
        }
        return try f.build(decoding)
    }

    static func prepare(_ body: [UInt8], _ decoding: RequestDecoding) throws -> Prepared {
        prepare(try decode(body, decoding))
    }

    /// The work of a decoded request: compute, then write the response body.
    static func prepare(_ request: Request) -> Prepared {
        .compute(cost: cost(request.input, request.configuration)) {
            let metrics = Calibration.compute(request.input, labels: request.labels, configuration: request.configuration)
            var w = JSONWriter(capacity: 4096 + metrics.state.classBinCount.count * 24)
            CalibrationJSON.write(metrics, into: &w)
            return w.bytes
        }
    }

    /// The class-wise cells (K × bins, three float64 sums each, held while computing and written
    /// in `state`) against `maxResponseBytes`, before any of them is allocated.
    static func checkSize(_ input: CalibrationInput, _ configuration: CalibrationConfiguration, _ decoding: RequestDecoding) throws(ServiceError) {
        guard configuration.selection.needsClasswise else { return }
        let classes = switch input { case .logits(let m), .probabilities(let m): m.columns }
        try decoding.checkResponse(bytes: Int.cost(classes, configuration.bins, 3, RequestDecoding.bytesPerDouble), path: "bins",
                                   what: "the class-wise reliability cells (\(classes) classes × \(configuration.bins) bins)")
    }

    /// Element-operations of a calibration, for what the selection needs only (the same rules
    /// as `CalibrationSelection` and `Calibration.compute`): the B×K pass (and a second B×K sweep
    /// for each of the class-wise cells and the logit gaps), the K×bins class-wise cells, B·log₂B
    /// per sort (adaptive ECE or equal-mass bins, selective, gap quantiles), smooth ECE's fixed
    /// FFT work (~2^15), and per bootstrap resample the B rows' statistics and bins (resamples
    /// reuse each row's confidence and correctness, not the logits).
    static func cost(_ input: CalibrationInput, _ configuration: CalibrationConfiguration) -> Int {
        let matrix = switch input { case .logits(let m), .probabilities(let m): m }
        let selection = configuration.selection
        let pass = Int.cost(matrix.rows, matrix.columns)
        var total = pass
        if selection.needsClasswise {
            total = total.addingSaturating(pass).addingSaturating(Int.cost(matrix.columns, configuration.bins))
        }
        if selection.contains(.logitGap) { total = total.addingSaturating(pass) }
        let sort = Int.cost(matrix.rows, Swift.max(1, Int.bitWidth - matrix.rows.leadingZeroBitCount))
        var sorts = selection.contains(.selective) ? 1 : 0
        if selection.contains(.logitGap) { sorts += 1 }
        if selection.contains(.adaptiveECE) || (configuration.binning == .equalMass && selection.needsBinnedErrors) { sorts += 1 }
        total = total.addingSaturating(Int.cost(sorts, sort))
        if selection.contains(.smoothECE) { total = total.addingSaturating(1 << 15) }
        if configuration.binning == .equalWidth, !selection.bootstrapped.isEmpty {
            total = total.addingSaturating(Int.cost(configuration.bootstrap, matrix.rows.addingSaturating(configuration.bins)))
        }
        return total
    }
}

/// `POST /v1/reliability-diagram`: the `/v1/calibration` request, answered with the reliability
/// diagram as SVG (per-bin accuracy bars against the diagonal, the gap shaded, a confidence
/// histogram, ECE and accuracy in the title).
enum ReliabilityDiagramEndpoint {
    static func prepare(_ body: [UInt8], _ decoding: RequestDecoding) throws -> Prepared {
        let request = try CalibrationEndpoint.decode(body, decoding)
        if request.namedMetrics {
            throw ServiceError(status: 422, code: "conflicting_fields", message: "metrics does not apply to the reliability diagram, which always shows the reliability table, ECE, smooth ECE and accuracy; leave it out", path: "metrics")
        }
        var withoutBootstrap = request.configuration
        withoutBootstrap.bootstrap = 0
        withoutBootstrap.selection = CalibrationSelection(metrics: [.accuracy, .meanConfidence, .ece, .smoothECE, .reliability], state: false)
        let configuration = withoutBootstrap
        return .compute(cost: CalibrationEndpoint.cost(request.input, configuration), contentType: "image/svg+xml") {
            let metrics = Calibration.compute(request.input, labels: request.labels, configuration: configuration)
            return ReliabilityDiagram.svgBytes(metrics)
        }
    }
}

/// `POST /v1/calibration/merge`: `{"states": [...]}` → the metrics of the concatenated rows, for
/// every metric the states carry (equal-mass bins and smooth ECE need the rows: listed in
/// `omitted`).
enum CalibrationMergeEndpoint {
    static let example = #"{"states": [<the "state" of each /v1/calibration response>]}"#

    static func prepare(_ body: [UInt8], _ decoding: RequestDecoding) throws -> Prepared {
        var states: [CalibrationState]?
        try decoding.decodeObject(body, allowed: ["states"], example: example) { key, reader in
            guard key == "states" else { return false }
            var list: [CalibrationState] = []
            try reader.beginArray(path: key)
            while try reader.nextElement() {
                list.append(try CalibrationStateJSON.read(&reader, path: "states[\(list.count)]"))
            }
            states = list
            return true
        }
        guard let states, !states.isEmpty else {
            throw ServiceError.missingField("states", "a non-empty list of `state` objects from /v1/calibration responses")
        }
        let merged = try CalibrationState.merge(states)
        // The states were summed while merging; what is left is linear in one state's cells.
        return .compute(cost: merged.classBinCount.count) {
            var w = JSONWriter(capacity: 4096 + merged.classBinCount.count * 24)
            CalibrationJSON.write(Calibration.metrics(merged), into: &w)
            return w.bytes
        }
    }
}
