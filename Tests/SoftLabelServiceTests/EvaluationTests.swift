import Foundation
import SoftLabelKernels
import SoftLabelService
import SoftLabelTestSupport
import SoftLabelWire
import Testing

/// `SoftLabelService.calibration(matrix:...)` and `.loss(logits:...)` (what `softlabel eval`
/// calls) answer byte for byte what `/v1/calibration` and `/v1/loss` answer for a JSON body
/// holding the same float32 values and options, errors included.
@Suite struct EvaluationTests {
    let service = SoftLabelService()

    /// A random B×K matrix of logits (or softmax probabilities) and labels, seeded.
    func rows(_ b: Int, _ k: Int, seed: UInt64, probabilities: Bool = false) -> (Matrix, [Int]) {
        var g = SeededGenerator(seed: SeededGenerator.seed(default: seed))
        var m = Matrix(rows: b, columns: k)
        for i in 0..<m.count { m.values[i] = Float.random(in: -4...4, using: &g) }
        if probabilities {
            for r in 0..<b {
                let e = m.row(r).map { Foundation.exp(Double($0)) }
                let s = e.reduce(0, +)
                for c in 0..<k { m[r, c] = Float(e[c] / s) }
            }
        }
        return (m, (0..<b).map { _ in Int.random(in: 0..<k, using: &g) })
    }

    /// The JSON body: `options`' members, then the matrix and labels, as one object.
    func body(_ field: String, _ m: Matrix, _ labels: [Int], options: String) -> [UInt8] {
        var w = JSONWriter()
        w.beginObject()
        w.key(field); w.writeFloatMatrix(m)
        w.key("labels"); w.beginArray(); for y in labels { w.writeInt(y) }; w.endArray()
        w.endObject()
        let inner = options.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
        return inner.isEmpty ? w.bytes : Array(w.bytes.dropLast()) + Array(",\(inner)}".utf8)
    }

    func text(_ r: ServiceResponse) -> String { String(decoding: r.body, as: UTF8.self) }

    @Test(arguments: [
        "{}", #"{"bins": 10}"#, #"{"bins": 7, "binning": "equal_mass", "top_k": [1, 3]}"#, #"{"preset": "netcal"}"#,
        #"{"temperature": 1.7, "bootstrap": 20, "seed": 3}"#,
    ])
    func calibrationMatchesTheEndpoint(options: String) throws {
        let (m, labels) = rows(300, 5, seed: 21)
        let direct = service.calibration(matrix: m, isProbabilities: false, labels: labels, options: Array(options.utf8))
        let endpoint = service.call("/v1/calibration", body: body("logits", m, labels, options: options))
        #expect(direct.status == 200, "\(text(direct).prefix(300))")
        #expect(direct.body == endpoint.body, "\(options)")
    }

    @Test func probabilitiesMatchTheEndpoint() {
        let (p, labels) = rows(200, 4, seed: 22, probabilities: true)
        let direct = service.calibration(matrix: p, isProbabilities: true, labels: labels, options: Array(#"{"bins": 12}"#.utf8))
        let endpoint = service.call("/v1/calibration", body: body("probabilities", p, labels, options: #"{"bins": 12}"#))
        #expect(direct.status == 200, "\(text(direct).prefix(300))")
        #expect(direct.body == endpoint.body)
    }

    @Test(arguments: ["{}", #"{"label_smoothing": 0.1}"#, #"{"label_smoothing": 0.2, "smoothing": "off_target", "return": ["per_sample"]}"#])
    func lossMatchesTheEndpoint(options: String) {
        let (m, labels) = rows(64, 6, seed: 23)
        let direct = service.loss(logits: m, labels: labels, options: Array(options.utf8))
        let endpoint = service.call("/v1/loss", body: body("logits", m, labels, options: options))
        #expect(direct.status == 200, "\(text(direct).prefix(300))")
        #expect(direct.body == endpoint.body, "\(options)")
    }

    /// Invalid options and rows give the endpoint's own error bytes.
    @Test(arguments: [#"{"bins": 0}"#, #"{"preset": "nope"}"#, #"{"top_k": [0]}"#, #"{"seed": -1}"#, #"{"bins": 1.5}"#, #"{"bins": 3,}"#])
    func optionErrorsMatch(options: String) {
        let (m, labels) = rows(10, 3, seed: 24)
        let direct = service.calibration(matrix: m, isProbabilities: false, labels: labels, options: Array(options.utf8))
        let endpoint = service.call("/v1/calibration", body: body("logits", m, labels, options: options.replacingOccurrences(of: ",}", with: "}")))
        #expect(!direct.isSuccess)
        if options.hasSuffix(",}") {
            #expect(direct.status == 400, "a trailing comma is malformed JSON: \(text(direct))")
        } else {
            #expect(direct.status == endpoint.status && direct.body == endpoint.body, "\(text(direct)) vs \(text(endpoint))")
        }
    }

    @Test func rowErrorsMatch() {
        let (m, labels) = rows(10, 3, seed: 25)
        var wrong = labels
        wrong[4] = 3
        let pairs: [(ServiceResponse, ServiceResponse)] = [
            (service.calibration(matrix: m, isProbabilities: false, labels: Array(labels.dropLast()), options: Array("{}".utf8)),
             service.call("/v1/calibration", body: body("logits", m, Array(labels.dropLast()), options: "{}"))),
            (service.calibration(matrix: m, isProbabilities: false, labels: wrong, options: Array("{}".utf8)),
             service.call("/v1/calibration", body: body("logits", m, wrong, options: "{}"))),
            (service.calibration(matrix: Matrix(rows: 0, columns: 3), isProbabilities: false, labels: [], options: Array("{}".utf8)),
             service.call("/v1/calibration", body: Array(#"{"logits": [], "labels": []}"#.utf8))),
            (service.calibration(matrix: Matrix(rows: 2, columns: 0), isProbabilities: false, labels: [0, 0], options: Array("{}".utf8)),
             service.call("/v1/calibration", body: Array(#"{"logits": [[], []], "labels": [0, 0]}"#.utf8))),
            (service.calibration(matrix: m, isProbabilities: true, labels: labels, options: Array("{}".utf8)),
             service.call("/v1/calibration", body: body("probabilities", m, labels, options: "{}"))),
            (service.loss(logits: m, labels: wrong, options: Array("{}".utf8)),
             service.call("/v1/loss", body: body("logits", m, wrong, options: "{}"))),
        ]
        for (direct, endpoint) in pairs {
            #expect(direct.status == 422)
            #expect(direct.body == endpoint.body, "\(text(direct)) vs \(text(endpoint))")
        }
        // The service's limits apply to supplied rows as to JSON ones.
        let small = SoftLabelService(configuration: ServiceConfiguration(maxElements: 29, maxClasses: 2))
        #expect(text(small.calibration(matrix: m, isProbabilities: false, labels: labels, options: Array("{}".utf8)))
                == text(small.call("/v1/calibration", body: body("logits", m, labels, options: "{}"))))
    }

    /// The options body holds options only: the rows' fields there are unknown fields, other
    /// unknown fields are named as always, and the body must be a JSON object.
    @Test func optionsAreOptionsOnly() {
        let (m, labels) = rows(4, 3, seed: 26)
        func calibration(_ options: String) -> ServiceResponse {
            service.calibration(matrix: m, isProbabilities: false, labels: labels, options: Array(options.utf8))
        }
        #expect(text(calibration(#"{"labels": [0, 0, 0, 0]}"#))
                == #"{"error":"unknown field \"labels\"; this endpoint accepts: temperature, bins, binning, preset, top_k, bootstrap, seed, metrics, label_smoothing, smoothing, coverages","code":"unknown_field","path":"labels"}"#)
        #expect(calibration(#"{"bnis": 3}"#).status == 422)
        #expect(text(calibration(#"{"bnis": 3}"#)).contains(#""code":"unknown_field","path":"bnis""#))
        #expect(calibration("").status == 400)
        #expect(calibration("[]").status == 422)
        let loss = service.loss(logits: m, labels: labels, options: Array(#"{"targets": [[1, 0, 0]]}"#.utf8))
        #expect(text(loss).contains(#""code":"unknown_field","path":"targets""#))
    }

    @Test func rowsOfARequest() throws {
        let (m, labels) = rows(5, 3, seed: 27)
        let decoded = try service.calibrationRows(body: body("logits", m, labels, options: #"{"bins": 4}"#)).get()
        #expect(decoded.matrix == m && decoded.labels == labels && !decoded.isProbabilities)
        let bad = service.calibrationRows(body: Array(#"{"logits": [[1, 2]], "labels": [5]}"#.utf8))
        #expect(throws: ServiceError.self) { try bad.get() }
    }
}
