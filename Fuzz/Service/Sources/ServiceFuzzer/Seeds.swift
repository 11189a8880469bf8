import Foundation
import SoftLabelService

/// The seed corpus, written by `ServiceFuzzer --seeds OUT_DIR FIXTURE_DIR...` (scripts/fuzz-service
/// runs it before each run; the files are not committed):
///
/// - every reference request of the fixture files (`*.json` with `cases[].endpoint` and
///   `cases[].request`, in the first FIXTURE_DIR that has any), cut to a few rows, on its v1 route
///   (calibration requests also on `/v1/reliability-diagram`);
/// - each of those for `smooth`, `loss`, `calibration`, `temperature`, `representation` also as an Open Inference
///   request, on the JSON-tensor and on the binary-tensor route (labels INT64 or INT32, data flat
///   or nested, `data` before or after `shape`, `return` as requested outputs);
/// - `/v1/calibration/merge` requests built from the `state` the service returns for the fixture
///   calibration requests (one state, the same twice, and pairs that share their configuration);
/// - representation requests also on `/v1/projection-diagram`, and `/v1/representation/merge` of
///   the state the service returns for each (twice);
/// - hand-written inference requests with binary tensors for every model;
/// - some of all these as verbatim bodies (flag bit 3), binary ones with their header length.
enum Seeds {
    static func generate(into directory: String, fixtureDirectories: [String]) -> Int32 {
        let fm = FileManager.default
        try? fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var written = 0
        func write(_ input: FuzzInput) {
            let bytes = input.encoded
            let name = "seed-" + String(fnv1a(bytes), radix: 16)
            if fm.createFile(atPath: (directory as NSString).appendingPathComponent(name), contents: Data(bytes)) { written += 1 }
        }
        func seed(_ route: FuzzRoute, _ request: FuzzJSON, flags: UInt8 = 1) {
            guard let index = FuzzRoute.index(of: route) else { return }
            write(FuzzInput(route: UInt8(index), flags: flags, seed: ArraySlice(request.text.utf8)))
        }
        /// The request as the fuzzer would send it, stored verbatim.
        func verbatim(_ route: FuzzRoute, _ request: FuzzJSON) {
            guard let index = FuzzRoute.index(of: route) else { return }
            let built = FuzzRequest(FuzzInput(route: UInt8(index), flags: 1, seed: ArraySlice(request.text.utf8)))
            var mutations: [UInt8] = []
            if let length = built.headerLength {
                mutations = (0..<4).map { UInt8(truncatingIfNeeded: length >> (8 * $0)) } + [0]
            }
            write(FuzzInput(route: UInt8(index), flags: 1 | 8, mutations: mutations, seed: ArraySlice(built.body)))
        }

        let cases = fixtureCases(fixtureDirectories)
        var states: [FuzzJSON] = []
        for (n, (endpoint, full)) in cases.enumerated() {
            let request = shrink(full)
            seed(.v1(endpoint), request, flags: n % 8 == 0 ? 0 : 1)
            if n % 5 == 0 { verbatim(.v1(endpoint), request) }
            if let (model, inference) = inferenceRequest(request, endpoint: endpoint, variant: n) {
                seed(.infer(model: model, binary: false), inference)
                seed(.infer(model: model, binary: true), inference)
                if n % 5 == 0 { verbatim(.infer(model: model, binary: true), inference) }
            }
            if endpoint == "/v1/representation" {
                seed(.v1("/v1/projection-diagram"), request)
                let response = FuzzTarget.standard.call(endpoint, body: Array(request.text.utf8))
                if response.status == 200, let state = FuzzJSON.parse(response.body[...])?["state"] {
                    seed(.v1("/v1/representation/merge"), .object([("states", .array([state, state]))]))
                }
            }
            if endpoint == "/v1/calibration" {
                seed(.v1("/v1/reliability-diagram"), request)
                let response = FuzzTarget.standard.call(endpoint, body: Array(request.text.utf8))
                if response.status == 200, let state = FuzzJSON.parse(response.body[...])?["state"] { states.append(state) }
            }
        }
        for (i, state) in states.enumerated() {
            seed(.v1("/v1/calibration/merge"), .object([("states", .array([state]))]))
            seed(.v1("/v1/calibration/merge"), .object([("states", .array([state, state]))]))
            let settings = ["num_classes", "bins", "edge_rule", "binning", "temperature", "top_k"]
            if let partner = states[(i + 1)...].first(where: { other in settings.allSatisfy { state[$0] == other[$0] } }) {
                seed(.v1("/v1/calibration/merge"), .object([("states", .array([state, partner]))]))
            }
        }
        for (model, text) in handWrittenInference {
            guard let request = FuzzJSON.parse(ArraySlice(text.utf8)) else { fatalError("hand-written seed is not JSON: \(text)") }
            seed(.infer(model: model, binary: false), request)
            seed(.infer(model: model, binary: true), request)
            verbatim(.infer(model: model, binary: true), request)
            if model == "calibration" {
                // A merge seed that does not depend on fixtures.
                let v1 = v1Calibration(from: request)
                let response = FuzzTarget.standard.call("/v1/calibration", body: Array(v1.text.utf8))
                if response.status == 200, let state = FuzzJSON.parse(response.body[...])?["state"] {
                    seed(.v1("/v1/calibration/merge"), .object([("states", .array([state, state]))]))
                }
            }
        }
        print("seeds: wrote \(written) inputs (\(cases.count) fixture requests, \(states.count) calibration states) to \(directory)")
        return 0
    }

    // MARK: Fixtures

    /// (endpoint, request) of every case in the first directory that has fixture files.
    static func fixtureCases(_ directories: [String]) -> [(String, FuzzJSON)] {
        for directory in directories {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { continue }
            var cases: [(String, FuzzJSON)] = []
            for name in names.sorted() where name.hasSuffix(".json") {
                guard let data = FileManager.default.contents(atPath: (directory as NSString).appendingPathComponent(name)),
                      let file = FuzzJSON.parse(ArraySlice(data)), case .array(let list)? = file["cases"] else { continue }
                for c in list {
                    if case .string(let endpoint)? = c["endpoint"], let request = c["request"] { cases.append((endpoint, request)) }
                }
            }
            if !cases.isEmpty {
                print("seeds: \(cases.count) fixture requests from \(directory)")
                return cases
            }
        }
        print("seeds: no fixture files in \(directories); hand-written seeds only")
        return []
    }

    /// The request with its per-row arrays cut to the first rows, until its text is at most 6 KB.
    static func shrink(_ request: FuzzJSON) -> FuzzJSON {
        let rowKeys = ["logits", "labels", "targets", "teacher_logits", "probabilities", "features"]
        var rows = 32
        var r = request
        while r.text.utf8.count > 6000, rows >= 1 {
            r = request
            for key in rowKeys {
                if case .array(let e)? = request[key] { r.set(key, .array(Array(e.prefix(rows)))) }
            }
            rows /= 2
        }
        return r
    }

    // MARK: Inference requests

    static let models = ["/v1/smooth": "smooth", "/v1/loss": "loss", "/v1/calibration": "calibration", "/v1/temperature": "temperature",
                         "/v1/representation": "representation"]

    /// A v1 request as an Open Inference request: matrices and vectors become input tensors,
    /// scalars request parameters, `return` the requested outputs. `variant` picks INT64 or INT32
    /// labels, flat or nested data, `data` first or last, and `top_k` as a list or a string.
    static func inferenceRequest(_ request: FuzzJSON, endpoint: String, variant: Int) -> (String, FuzzJSON)? {
        guard let model = models[endpoint], case .object(let fields) = request else { return nil }
        var inputs: [FuzzJSON] = []
        var parameters: [(key: String, value: FuzzJSON)] = []
        var outputs: [FuzzJSON]?
        for (key, value) in fields {
            switch key {
            case "logits", "targets", "teacher_logits", "probabilities", "similarity", "features", "weights":
                guard case .array(let rows) = value, let first = rows.first, case .array(let firstRow) = first else { continue }
                let data: FuzzJSON = variant % 2 == 0 ? value : .array(rows.flatMap(\.children))
                inputs.append(tensor(key, "FP32", [rows.count, firstRow.count], data, dataFirst: variant % 7 == 3))
            case "labels":
                guard case .array(let e) = value else { continue }
                inputs.append(tensor(key, variant % 3 == 1 ? "INT32" : "INT64", [e.count], value, dataFirst: variant % 7 == 5))
            case "weight", "prior":
                guard case .array(let e) = value else { continue }
                inputs.append(tensor(key, "FP32", [e.count], value, dataFirst: false))
            case "return":
                outputs = value.children.enumerated().map { i, name in
                    i % 2 == 0 ? .object([("name", name)]) : .object([("name", name), ("parameters", .object([("binary_data", .bool(true))]))])
                }
                if model == "loss", outputs != nil, request["reduction"] != .string("none") {
                    outputs!.insert(.object([("name", .string("loss"))]), at: 0)
                }
            case "top_k" where variant % 2 == 1:
                parameters.append((key, .string(value.children.map(\.text).joined(separator: ","))))
            default:
                parameters.append((key, value))
            }
        }
        var entries: [(key: String, value: FuzzJSON)] = [("id", .string("seed-\(variant)")), ("inputs", .array(inputs))]
        if !parameters.isEmpty { entries.append(("parameters", .object(parameters))) }
        if let outputs { entries.append(("outputs", .array(outputs))) }
        return (model, .object(entries))
    }

    static func tensor(_ name: String, _ datatype: String, _ shape: [Int], _ data: FuzzJSON, dataFirst: Bool) -> FuzzJSON {
        let description: [(key: String, value: FuzzJSON)] = [
            ("name", .string(name)), ("datatype", .string(datatype)), ("shape", .array(shape.map { .number(String($0)) })),
        ]
        return .object(dataFirst ? [("data", data)] + description : description + [("data", data)])
    }

    /// The v1 calibration request of a hand-written calibration inference request.
    static func v1Calibration(from inference: FuzzJSON) -> FuzzJSON {
        var fields: [(key: String, value: FuzzJSON)] = []
        for input in inference["inputs"]?.children ?? [] {
            guard case .string(let name)? = input["name"], let data = input["data"], case .array(let shape)? = input["shape"] else { continue }
            if shape.count == 2, case .number(let k) = shape[1], let columns = Int(k), columns > 0 {
                let flat = data.children
                fields.append((name, .array(stride(from: 0, to: flat.count, by: columns).map { .array(Array(flat[$0..<min(flat.count, $0 + columns)])) })))
            } else {
                fields.append((name, data))
            }
        }
        return .object(fields)
    }

    /// Inference requests written by hand: every model, several datatypes, requested outputs in
    /// binary and JSON, `binary_data_output`, `id`, `model_name` and `model_version`.
    static let handWrittenInference: [(String, String)] = [
        ("loss", #"{"id":"a","inputs":[{"name":"logits","shape":[2,3],"datatype":"FP32","data":[2.0,0.5,-1.0,0.1,0.2,3.0]},{"name":"labels","shape":[2],"datatype":"INT64","data":[0,2]}],"parameters":{"label_smoothing":0.1,"reduction":"mean"},"outputs":[{"name":"loss"},{"name":"gradient","parameters":{"binary_data":true}},{"name":"per_sample","parameters":{"binary_data":true}}]}"#),
        ("loss", #"{"model_name":"loss","model_version":"1","inputs":[{"name":"logits","shape":[2,3],"datatype":"FP32","data":[[1,2,3],[3,2,1]]},{"name":"teacher_logits","shape":[2,3],"datatype":"FP32","data":[[1,1,3],[3,0,1]]},{"name":"labels","shape":[2],"datatype":"INT32","data":[2,0]}],"parameters":{"loss":"distillation","temperature":2.0,"alpha":0.5,"binary_data_output":true}}"#),
        ("loss", #"{"inputs":[{"name":"logits","shape":[2,2],"datatype":"FP32","data":[0.5,-0.5,2,-2]},{"name":"targets","shape":[2,2],"datatype":"FP32","data":[1,0,0.5,0.25]}],"parameters":{"loss":"binary_cross_entropy","label_smoothing":0.2,"reduction":"none"},"outputs":[{"name":"per_sample","parameters":{"binary_data":true}},{"name":"probabilities"}]}"#),
        ("loss", #"{"inputs":[{"name":"logits","shape":[3,3],"datatype":"FP32","data":[1,0,0,0,1,0,0,0,1]},{"name":"labels","shape":[3],"datatype":"INT64","data":[0,1,-100]},{"name":"weight","shape":[3],"datatype":"FP32","data":[1,2,0.5]},{"name":"prior","shape":[3],"datatype":"FP32","data":[0.5,0.25,0.25]}],"parameters":{"loss":"focal","gamma":2,"smoothing":"prior","label_smoothing":0.3,"confidence_penalty":0.1,"reduction":"sum"},"outputs":[{"name":"loss"},{"name":"targets","parameters":{"binary_data":true}}]}"#),
        ("loss", #"{"inputs":[{"name":"logits","shape":[2,3],"datatype":"FP32","data":[1,2,3,4,5,6]},{"name":"labels","shape":[2],"datatype":"INT64","data":[1,2]},{"name":"similarity","shape":[3,3],"datatype":"FP32","data":[0,0.5,0.5,0.5,0,0.5,0.5,0.5,0]}],"parameters":{"smoothing":"similarity","label_smoothing":0.1}}"#),
        ("smooth", #"{"inputs":[{"name":"labels","shape":[3],"datatype":"INT32","data":[0,3,-1]}],"parameters":{"num_classes":4,"label_smoothing":0.1,"smoothing":"off_target","ignore_index":-1},"outputs":[{"name":"targets","parameters":{"binary_data":true}},{"name":"num_classes"}]}"#),
        ("smooth", #"{"id":"t","inputs":[{"name":"targets","shape":[2,3],"datatype":"FP32","data":[[0.2,0.3,0.5],[1,0,0]]}],"parameters":{"label_smoothing":0.2,"binary_data_output":true}}"#),
        ("calibration", #"{"inputs":[{"name":"logits","shape":[4,3],"datatype":"FP32","data":[2,1,0,0,2,1,1,0,2,3,0,0]},{"name":"labels","shape":[4],"datatype":"INT64","data":[0,1,0,2]}],"parameters":{"bins":5,"top_k":"1,2","temperature":1.5},"outputs":[{"name":"ece"},{"name":"state"},{"name":"reliability_count","parameters":{"binary_data":true}},{"name":"top_k_accuracy","parameters":{"binary_data":true}}]}"#),
        ("calibration", #"{"inputs":[{"name":"probabilities","shape":[3,2],"datatype":"FP32","data":[[0.9,0.1],[0.4,0.6],[0.5,0.5]]},{"name":"labels","shape":[3],"datatype":"INT32","data":[0,1,1]}],"parameters":{"binning":"equal_mass","preset":"kumar","binary_data_output":true}}"#),
        ("temperature", #"{"inputs":[{"name":"logits","shape":[4,3],"datatype":"FP32","data":[4,1,0,0,5,1,1,0,3,2,2,0]},{"name":"labels","shape":[4],"datatype":"INT64","data":[0,1,2,0]}],"parameters":{"bins":10},"outputs":[{"name":"temperature"},{"name":"converged","parameters":{"binary_data":true}}]}"#),
    ]

    static func fnv1a(_ bytes: [UInt8]) -> UInt64 {
        bytes.reduce(0xcbf2_9ce4_8422_2325 as UInt64) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
    }
}
