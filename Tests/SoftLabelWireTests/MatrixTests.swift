import Foundation
import SoftLabelKernels
import Testing
import SoftLabelTestSupport
import SoftLabelWire

@Suite struct MatrixTests {
    func matrix(_ json: String, maxElements: Int = .max) throws -> Matrix {
        try withReader(json) { reader in
            let matrix = try reader.readFloatMatrix(path: "logits", maxElements: maxElements)
            try reader.finish()
            return matrix
        }
    }

    func matrixError(_ json: String) -> JSONReadError? {
        readError(json) { reader in
            _ = try reader.readFloatMatrix(path: "logits")
            try reader.finish()
        }
    }

    @Test func readsRowMajor() throws {
        let m = try matrix(" [ [1, 2.5, -3e-2] ,\n [4,5,6] ] ")
        #expect(m.rows == 2 && m.columns == 3)
        #expect(m.values == [1, 2.5, -0.03, 4, 5, 6])
        #expect(try matrix("[[7]]") == Matrix(rows: 1, columns: 1, values: [7]))
    }

    @Test func raggedRowsNameTheRow() {
        let error = matrixError("[[1,2,3,4,5],[1,2,3,4,5],[1,2,3,4,5],[1,2,3,4]]")
        #expect(error?.kind == .shape)
        #expect(error?.path == "logits[3]")
        #expect(error?.message == "logits[3] has 4 values, expected 5 like logits[0].")
        #expect(matrixError("[[1],[1,2]]")?.message == "logits[1] has 2 values, expected 1 like logits[0].")
    }

    @Test func shapeErrors() {
        #expect(matrixError("[]")?.kind == .shape)
        #expect(matrixError("[[]]")?.kind == .shape)
        #expect(matrixError("[[1],[]]")?.path == "logits[1]")
        let limit = readError("[[1,2],[3,4],[5,6]]") { _ = try $0.readFloatMatrix(path: "logits", maxElements: 4) }
        #expect(limit?.kind == .tooLarge)
    }

    /// The limit holds inside a row too: one row of a million values stops at the limit, it is
    /// not read whole first (short compact numbers and long ones take different paths).
    @Test func elementLimitStopsInsideALongRow() {
        for number in ["0.5", "-1.2345678806304932"] {
            let row = "[[" + Array(repeating: number, count: 1_000_000).joined(separator: ",") + "]]"
            let error = readError(row) { _ = try $0.readFloatMatrix(path: "logits", maxElements: 1000) }
            #expect(error?.kind == .tooLarge)
            #expect(error?.offset == 1)  // reported at the row, read no further than the limit
        }
    }

    @Test func typeErrorsNameTheElement() {
        #expect(matrixError("[[1],2]")?.kind == .type)
        #expect(matrixError("[[1],2]")?.path == "logits[1]")
        #expect(matrixError("[[1, null]]")?.path == "logits[0][1]")
        #expect(matrixError("[[1, \"2\"]]")?.kind == .type)
        #expect(matrixError("{\"a\": 1}")?.kind == .type)
        #expect(matrixError("[1, 2]")?.kind == .type)
        #expect(matrixError("[1, 2]")?.path == "logits[0]")
        let range = matrixError("[[1, 2], [3, 1e39]]")
        #expect(range?.kind == .range)
        #expect(range?.path == "logits[1][1]")
    }

    @Test func syntaxErrorsInsideMatrices() {
        for text in ["[[1,],[2]]", "[[1],]", "[[1] [2]]", "[[1 2]]", "[[1]", "[[1", "[[1,", "[[01]]", "[[NaN]]", "[[1.]]", "[[-]]"] {
            let error = matrixError(text)
            #expect(error?.kind == .syntax, "\(text): \(String(describing: error))")
        }
        #expect(matrixError("[[1,],[2]]")?.message.contains("Trailing comma") == true)
    }

    @Test func arrays() throws {
        #expect(try withReader("[]") { try $0.readFloatArray(path: "p") } == [])
        #expect(try withReader("[0.25, -0, 1e-3]") { try $0.readFloatArray(path: "p") } == [0.25, 0, 0.001])
        #expect(try withReader("[0, 3, 2.0, -100]") { try $0.readIntArray(path: "labels") } == [0, 3, 2, -100])
        let label = readError("[0, 1, 2.5]") { _ = try $0.readIntArray(path: "labels") }
        #expect(label?.kind == .range)
        #expect(label?.path == "labels[2]")
        #expect(readError("[0, \"1\"]") { _ = try $0.readIntArray(path: "labels") }?.path == "labels[1]")
        #expect(readError("[0,]") { _ = try $0.readIntArray(path: "labels") }?.kind == .syntax)
        #expect(readError("{}") { _ = try $0.readIntArray(path: "labels") }?.kind == .type)
        #expect(try withReader(#"["1", "5"]"#) { try $0.readStringArray(path: "return") } == ["1", "5"])
    }

    /// A large matrix written with full float32 digits reads back bit-identical, and each element
    /// agrees with strtof on its own text.
    @Test func largeMatrixAgreesWithStrtof() throws {
        var rng = SeededGenerator(seed: 42)
        let rows = 64, columns = 300
        var texts: [[UInt8]] = []
        var body: [UInt8] = [UInt8(ascii: "[")]
        for row in 0..<rows {
            if row > 0 { body.append(UInt8(ascii: ",")) }
            body.append(UInt8(ascii: "["))
            for column in 0..<columns {
                if column > 0 { body.append(contentsOf: ", ".utf8) }
                let value = Float.random(in: -20...20, using: &rng) * (Bool.random(using: &rng) ? 1 : 1e-3)
                let text = Array(String(format: "%.\(Int.random(in: 1...12, using: &rng))g", Double(value)).utf8)
                texts.append(text)
                body.append(contentsOf: text)
            }
            body.append(UInt8(ascii: "]"))
        }
        body.append(UInt8(ascii: "]"))
        let m = try withReader(body) { try $0.readFloatMatrix(path: "logits") }
        #expect(m.rows == rows && m.columns == columns)
        for (index, text) in texts.enumerated() where m.values[index].bitPattern != referenceFloat(text).bitPattern {
            Issue.record("element \(index) \(String(decoding: text, as: UTF8.self)): \(m.values[index])")
        }
    }
}
