import Foundation
import Testing
import SoftLabelService
import SoftLabelTestSupport

/// Bad requests get the documented status and an error that names the field (docs/api.md,
/// Conventions): never a crash, never a 500.
@Suite("Service errors")
struct ServiceErrorTests {
    let service = SoftLabelService()

    struct Case: CustomStringConvertible, Sendable {
        let endpoint: String
        let body: String
        let status: Int
        let code: String
        let path: String?
        var description: String { "\(endpoint) \(body.prefix(60)) → \(status) \(code)" }
    }

    static let cases: [Case] = [
        Case(endpoint: "/v1/loss", body: #"{"logits": [[1, 2, 3]], "labels": [3]}"#, status: 422, code: "label_out_of_range", path: "labels[0]"),
        Case(endpoint: "/v1/loss", body: #"{"logits": [[1, 2, 3]], "labels": [-2]}"#, status: 422, code: "label_out_of_range", path: "labels[0]"),
        Case(endpoint: "/v1/loss", body: #"{"logits": [[1, 2, 3], [1, 2]], "labels": [0, 1]}"#, status: 422, code: "shape_mismatch", path: "logits[1]"),
        Case(endpoint: "/v1/loss", body: #"{"logits": [[1, 2]], "labels": [0], "label_smoothing": 1.5}"#, status: 422, code: "invalid_value", path: "label_smoothing"),
        Case(endpoint: "/v1/loss", body: #"{"logits": [[1, 2]], "labels": [0], "label_smothing": 0.1}"#, status: 422, code: "unknown_field", path: "label_smothing"),
        Case(endpoint: "/v1/loss", body: #"{"logits": [[1, NaN]], "labels": [0]}"#, status: 400, code: "malformed_json", path: "logits[0][1]"),
        Case(endpoint: "/v1/loss", body: #"{"logits": [[1, 1e400]], "labels": [0]}"#, status: 422, code: "invalid_value", path: "logits[0][1]"),
        Case(endpoint: "/v1/loss", body: #"{"logits": [[1, 2]], "labels": [0, 1]}"#, status: 422, code: "shape_mismatch", path: "labels"),
        Case(endpoint: "/v1/loss", body: #"{"labels": [0]}"#, status: 422, code: "missing_field", path: "logits"),
        Case(endpoint: "/v1/loss", body: #"{"logits": [[1, 2]]}"#, status: 422, code: "missing_field", path: "labels"),
        Case(endpoint: "/v1/loss", body: #"{"logits": [[1, 2]], "labels": [0], "reduction": "avg"}"#, status: 422, code: "invalid_value", path: "reduction"),
        Case(endpoint: "/v1/loss", body: #"{"logits": [[1, 2]], "labels": [0.5]}"#, status: 422, code: "invalid_value", path: "labels[0]"),
        Case(endpoint: "/v1/loss", body: #"{"logits": [[1, 2]], "labels": ["0"]}"#, status: 422, code: "invalid_type", path: "labels[0]"),
        Case(endpoint: "/v1/loss", body: #"{"logits": [[1, 2]], "labels": [0], "weight": [1]}"#, status: 422, code: "shape_mismatch", path: "weight"),
        Case(endpoint: "/v1/loss", body: #"{"logits": [[1, 2]], "labels": [0], "loss": "focal", "gamma": -1}"#, status: 422, code: "invalid_value", path: "gamma"),
        Case(endpoint: "/v1/loss", body: #"{"logits": [[1, 2]], "labels": [0], "loss": "distillation"}"#, status: 422, code: "missing_field", path: "teacher_logits"),
        Case(endpoint: "/v1/loss", body: #"{"logits": [[1, 2]], "labels": [0], "gamma": 2}"#, status: 422, code: "conflicting_fields", path: "gamma"),
        Case(endpoint: "/v1/loss", body: #"{"logits": [[1, 2]], "targets": [[0.5, 0.6]]}"#, status: 422, code: "invalid_value", path: "targets[0]"),
        Case(endpoint: "/v1/loss", body: #"{"logits": [[1, 2]], "labels": [0], "labels": [1]}"#, status: 422, code: "duplicate_field", path: "labels"),
        Case(endpoint: "/v1/loss", body: #"{"logits": [[1, 2]], "labels": [0],}"#, status: 400, code: "malformed_json", path: nil),
        Case(endpoint: "/v1/loss", body: #"{"logits": [[1, 2]], "labels": [0]} x"#, status: 400, code: "malformed_json", path: nil),
        Case(endpoint: "/v1/loss", body: #"{"logits": [[1, 2]], "labels": [9], "oops": 1, "x": }"#, status: 400, code: "malformed_json", path: "x"),
        Case(endpoint: "/v1/loss", body: "", status: 400, code: "empty_body", path: nil),
        Case(endpoint: "/v1/loss", body: "[1, 2]", status: 422, code: "invalid_type", path: nil),
        Case(endpoint: "/v1/smooth", body: #"{"labels": [0, 1], "label_smoothing": 0.1}"#, status: 422, code: "missing_field", path: "num_classes"),
        Case(endpoint: "/v1/smooth", body: #"{"labels": [0, 1], "num_classes": 2}"#, status: 422, code: "missing_field", path: "label_smoothing"),
        Case(endpoint: "/v1/smooth", body: #"{"labels": [0], "num_classes": 3, "label_smoothing": 0.1, "smoothing": "prior"}"#, status: 422, code: "missing_field", path: "prior"),
        Case(endpoint: "/v1/smooth", body: #"{"labels": [0], "num_classes": 3, "label_smoothing": 0.1, "smoothing": "prior", "prior": [0.5, 0.2, 0.2]}"#, status: 422, code: "invalid_value", path: "prior"),
        Case(endpoint: "/v1/smooth", body: #"{"labels": [0], "num_classes": 3, "label_smoothing": 0.1, "smoothing": "gaussian"}"#, status: 422, code: "invalid_value", path: "smoothing"),
        Case(endpoint: "/v1/smooth", body: #"{"labels": [], "num_classes": 3, "label_smoothing": 0.1}"#, status: 422, code: "invalid_value", path: "labels"),
        Case(endpoint: "/v1/smooth", body: #"{"labels": [0], "num_classes": 0, "label_smoothing": 0.1}"#, status: 422, code: "invalid_value", path: "num_classes"),
        Case(endpoint: "/v1/smooth", body: #"{"labels": [0], "num_classes": 2000000, "label_smoothing": 0.1}"#, status: 422, code: "too_large", path: "num_classes"),
        Case(endpoint: "/v1/nope", body: "{}", status: 404, code: "not_found", path: nil),
    ]

    @Test("bad input → documented status, code and path", arguments: cases)
    func badInput(_ c: Case) throws {
        let response = service.call(c.endpoint, body: Array(c.body.utf8))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
        #expect(response.status == c.status, "\(json)")
        #expect(json["code"] as? String == c.code, "\(json)")
        #expect(json["path"] as? String == c.path, "\(json)")
        let message = try #require(json["error"] as? String)
        #expect(message.count > 10)
    }

    @Test("`softlabel call` prints the error JSON and exits 1")
    func cliError() throws {
        let (status, stdout, _) = try ProductLocator.run(["call", "loss"], input: Array(#"{"logits": [[1, 2, 3]], "labels": [7]}"#.utf8))
        #expect(status == 1)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(stdout)) as? [String: Any])
        #expect(json["code"] as? String == "label_out_of_range")
        #expect(json["path"] as? String == "labels[0]")
    }

    @Test("all-ignored mean gives loss null with count 0; sum gives 0")
    func allIgnored() throws {
        for (reduction, expected) in [("mean", nil), ("sum", 0.0)] as [(String, Double?)] {
            let body = #"{"logits": [[1, 2], [3, 4]], "labels": [-100, -100], "reduction": "\#(reduction)"}"#
            let response = service.call("/v1/loss", body: Array(body.utf8))
            #expect(response.status == 200)
            let json = try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
            #expect(json["count"] as? Int == 0)
            if let expected { #expect((json["loss"] as? NSNumber)?.doubleValue == expected) } else { #expect(json["loss"] is NSNull) }
        }
    }
}
