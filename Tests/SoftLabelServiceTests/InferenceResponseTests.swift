import Foundation
import Testing
@testable import SoftLabelService

/// The Open Inference response writer's binary form, at the edge of its 4-byte BYTES lengths.
@Suite struct InferenceResponseTests {
    static func response(_ elements: [[UInt8]]) -> InferenceResponse {
        InferenceResponse(model: "representation", outputs: [
            (OutputTensor(name: "count", shape: [1], data: .int64([7])), true),
            (OutputTensor(name: "state", shape: [elements.count], data: .bytes(elements)), true),
        ])
    }

    @Test func bytesElementsAreLengthPrefixedInBinary() throws {
        let r = Self.response([Array("{\"a\":1}".utf8)]).serviceResponse()
        #expect(r.contentType == "application/octet-stream")
        let header = try #require(r.headers.first { $0.0 == "Inference-Header-Content-Length" }.flatMap { Int($0.1) })
        #expect(Array(r.body[header...]) == [7, 0, 0, 0, 0, 0, 0, 0] + [7, 0, 0, 0] + Array("{\"a\":1}".utf8))
    }

    /// An element longer than a 4-byte length can say (shown here with the limit lowered to 6
    /// bytes: a real one takes 4 GiB) goes out as JSON `data`, the other outputs stay binary.
    @Test func aBytesElementOverTheLengthLimitIsSentAsJSON() throws {
        let r = Self.response([Array("{\"a\":1}".utf8)]).serviceResponse(maxBinaryElementBytes: 6)
        #expect(r.contentType == "application/octet-stream")
        let header = try #require(r.headers.first { $0.0 == "Inference-Header-Content-Length" }.flatMap { Int($0.1) })
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.body[..<header])) as? [String: Any])
        let outputs = try #require(json["outputs"] as? [[String: Any]])
        #expect((outputs[0]["parameters"] as? [String: Any])?["binary_data_size"] as? Int == 8)
        #expect(outputs[1]["data"] as? [String] == ["{\"a\":1}"] && outputs[1]["parameters"] == nil)
        #expect(Array(r.body[header...]) == [7, 0, 0, 0, 0, 0, 0, 0])
    }
}
