import Foundation
import Testing
@testable import SoftLabelService
import SoftLabelTestSupport

/// The Open Inference models table of `openapi.yaml` (the description of /v2/models/{model}/infer)
/// names each model's request parameters exactly and every output of its metadata; the
/// `calibration` row names exactly its outputs, with `*` on exactly those returned only on request.
@Suite struct OpenInferenceSpecTests {
    /// The table row of `model`: its columns (model, inputs, parameters, outputs).
    static func row(_ model: String) throws -> [String] {
        let text = try String(contentsOf: Fixtures.packageRoot.appendingPathComponent("openapi.yaml"), encoding: .utf8)
        let line = try #require(text.split(separator: "\n").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix("| `\(model)` |") })
        return line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// The backticked names of a column, each with whether a `*` follows it.
    static func names(_ column: String) -> [(name: String, onRequest: Bool)] {
        let parts = column.split(separator: "`", omittingEmptySubsequences: false)
        return stride(from: 1, to: parts.count - 1, by: 2).map { (String(parts[$0]), parts[$0 + 1].hasPrefix("*")) }
    }

    @Test("each model's parameters exactly, and every output of its metadata")
    func everyModel() throws {
        for model in OpenInferenceModels.all {
            let columns = try Self.row(model.name)
            #expect(columns.count == 4, "\(model.name)")
            #expect(Set(Self.names(columns[2]).map(\.name)) == Set(model.parameters), "\(model.name) parameters")
            let documented = Set(Self.names(columns[3]).map(\.name))
            for output in model.outputs { #expect(documented.contains(output.name), "\(model.name): output \(output.name) not in openapi.yaml") }
        }
    }

    @Test("calibration: exactly its outputs, * on the on-request ones")
    func calibration() throws {
        let documented = Self.names(try Self.row("calibration")[3])
        #expect(documented.map(\.name).sorted() == CalibrationModel.model.outputs.map(\.name).sorted())
        #expect(Set(documented.filter(\.onRequest).map(\.name)) == CalibrationModel.model.onRequestOnly)
    }
}
