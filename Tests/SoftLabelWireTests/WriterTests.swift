import Foundation
import SoftLabelKernels
import Testing
import SoftLabelTestSupport
import SoftLabelWire

@Suite struct WriterTests {
    func text(_ build: (inout JSONWriter) -> Void) -> String {
        var writer = JSONWriter()
        build(&writer)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    @Test func structureAndCommas() {
        let json = text { w in
            w.beginObject()
            w.key("a"); w.beginArray(); w.writeInt(1); w.writeInt(-2); w.endArray()
            w.key("b"); w.beginObject(); w.key("c"); w.writeNull(); w.endObject()
            w.key("d"); w.writeString("x\"y")
            w.key("e"); w.writeBool(true)
            w.key("f"); w.beginArray(); w.endArray()
            w.key("g"); w.writeRaw(Array("[1,2]".utf8))
            w.key("h"); w.writeFloatArray([0.5, 2])
            w.endObject()
        }
        #expect(json == #"{"a":[1,-2],"b":{"c":null},"d":"x\"y","e":true,"f":[],"g":[1,2],"h":[0.5,2.0]}"#)
        #expect(text { w in w.beginArray(); w.writeFloatMatrix(Matrix(rows: 2, columns: 2, values: [1, 2, 3, 4])); w.writeFloatMatrix(Matrix(rows: 0, columns: 3, values: [])); w.endArray() }
                == "[[[1.0,2.0],[3.0,4.0]],[]]")
    }

    @Test(arguments: [
        (Float(0.1), "0.1"), (1, "1.0"), (-1, "-1.0"), (1e-5, "1e-05"), (0.0001, "0.0001"), (3.4028235e38, "3.4028235e+38"),
        (-0.0, "-0.0"), (0, "0.0"), (.nan, "null"), (.infinity, "null"), (-.infinity, "null"), (Float(bitPattern: 1), "1e-45"),
        (16_777_216, "16777216.0"), (1e16, "1e+16"), (1e15, "1000000000000000.0"), (123.456, "123.456"),
        (.leastNormalMagnitude, "1.1754944e-38"), (0.3, "0.3"), (2.5e-7, "2.5e-07"), (100, "100.0"), (1.5e10, "15000000000.0"),
    ] as [(Float, String)])
    func floatText(_ value: Float, _ expected: String) {
        #expect(text { $0.writeFloat(value) } == expected)
        #expect(text { $0.writeFloatArray([value]) } == "[\(expected)]")
    }

    @Test func integersAndDoubles() {
        #expect(text { $0.writeInt(Int.min) } == "-9223372036854775808")
        #expect(text { $0.writeInt(Int.max) } == "9223372036854775807")
        #expect(text { $0.writeInt(0) } == "0")
        #expect(text { $0.writeDouble(0.1) } == "0.1")
        #expect(text { $0.writeDouble(.nan) } == "null")
        #expect(text { $0.writeDouble(-.infinity) } == "null")
        var rng = SeededGenerator(seed: 7)
        for _ in 0..<20_000 {
            let value = Double(bitPattern: rng.next())
            let json = text { $0.writeDouble(value) }
            if !value.isFinite { #expect(json == "null"); continue }
            let back = try? withReader(json) { try $0.readDouble(path: "") }
            #expect(back?.bitPattern == value.bitPattern, "\(json)")
        }
    }

    /// Integral doubles take a fast path; it must print exactly what `description` prints
    /// ("N.0", "-0.0", "1e+16" from 2⁵³ on) and read back bit-identical.
    @Test func integralDoublesMatchDescription() {
        var rng = SeededGenerator(seed: 11)
        var values: [Double] = [0, -0.0, 1, -1, 7, 65536, 1e15, -1e15, 9_007_199_254_740_991, -9_007_199_254_740_991,
                                9_007_199_254_740_992, 1e16, 1e300, 4_503_599_627_370_496.5.rounded(.down)]
        for _ in 0..<5_000 { values.append(Double(Int64(bitPattern: rng.next()) >> Int64(rng.next() % 63))) }
        for value in values {
            let json = text { $0.writeDouble(value) }
            #expect(json == value.description, "\(value)")
            let back = try? withReader(json) { try $0.readDouble(path: "") }
            #expect(back?.bitPattern == value.bitPattern, "\(json)")
        }
    }

    @Test func stringEscapesRoundTrip() throws {
        let original = "quote\" backslash\\ slash/ \n\r\t\u{8}\u{c}\u{0}\u{1f} é € 😀 \u{2028}"
        let json = text { $0.writeString(original) }
        #expect(json == #""quote\" backslash\\ slash/ \n\r\t\b\f\u0000\u001f é € 😀 "# + "\u{2028}\"")
        #expect(try withReader(json) { try $0.readString(path: "") } == original)
        var rng = SeededGenerator(seed: 9)
        for _ in 0..<2_000 {
            let scalars = (0..<Int.random(in: 0...20, using: &rng)).compactMap { _ in
                Unicode.Scalar(UInt32.random(in: 0...0x10FFFF, using: &rng))
            }
            let string = String(String.UnicodeScalarView(scalars))
            #expect(try withReader(text { $0.writeString(string) }) { try $0.readString(path: "") } == string)
        }
    }

    /// Every float written reads back bit-identical (random bit patterns over the whole range),
    /// with exactly as many digits as Swift's own shortest `description`, and the same digits.
    @Test(arguments: Array(0..<4))
    func floatsRoundTripWithShortestDigits(chunk: Int) throws {
        var rng = SeededGenerator(seed: 0xF10A7 + UInt64(chunk))
        let count = environmentInt("SOFTLABEL_WRITER_COUNT", default: 400_000) / 4
        var values = (0..<count).map { _ in Float(bitPattern: UInt32(truncatingIfNeeded: rng.next())) }
        values += [.greatestFiniteMagnitude, .leastNonzeroMagnitude, .leastNormalMagnitude, 1, 0.1, 1e-10, 8_388_608, 8_388_607.5]
        var writer = JSONWriter(capacity: values.count * 16)
        values.withUnsafeBufferPointer { writer.writeFloatArray($0) }
        let back = try writer.bytes.withUnsafeBytes { raw in
            var reader = JSONReader(raw)
            var back: [Float?] = []
            try reader.beginArray(path: "")
            while try reader.nextElement() {
                back.append(try reader.readNull() ? nil : try reader.readFloat(path: ""))
            }
            try reader.finish()
            return back
        }
        #expect(back.count == values.count)
        var mismatches = 0
        for (value, read) in zip(values, back) {
            if !value.isFinite {
                if read != nil { mismatches += 1 }
                continue
            }
            if read?.bitPattern != value.bitPattern { mismatches += 1 }
            let ours = significantDigits(text { $0.writeFloat(value) })
            let swift = significantDigits(value.description)
            if ours != swift {
                mismatches += 1
                if mismatches < 10 { Issue.record("\(value): ours \(ours), Swift \(swift)") }
            }
        }
        #expect(mismatches == 0)
    }

    /// Every finite float32, written and read back: bit-identical. Two billion values, so only
    /// with `SOFTLABEL_WRITER_EXHAUSTIVE=1` and in release mode (about two minutes per core).
    @Test(.enabled(if: ProcessInfo.processInfo.environment["SOFTLABEL_WRITER_EXHAUSTIVE"] == "1"),
          arguments: Array(0..<16))
    func everyFloatRoundTrips(slice: Int) throws {
        let perSlice = UInt64(1) << 28
        let chunk = 1 << 20
        var values = [Float](repeating: 0, count: chunk)
        var start = UInt64(slice) * perSlice
        while start < UInt64(slice + 1) * perSlice {
            var count = 0
            for bits in start..<(start + UInt64(chunk)) {
                let value = Float(bitPattern: UInt32(bits))
                if value.isFinite {
                    values[count] = value
                    count += 1
                }
            }
            start += UInt64(chunk)
            var writer = JSONWriter(capacity: count * 16)
            values.withUnsafeBufferPointer { writer.writeFloatArray(UnsafeBufferPointer(rebasing: $0[0..<count])) }
            let back = try withReader(writer.bytes) { try $0.readFloatArray(path: "") }
            #expect(back.count == count)
            for index in 0..<count where back[index].bitPattern != values[index].bitPattern {
                Issue.record("\(values[index]) (bits \(values[index].bitPattern)) read back as \(back[index])")
            }
        }
    }

    /// The significant digits of a decimal text and the power of ten of its first digit.
    func significantDigits(_ text: String) -> String {
        let mantissa = text.split(separator: "e").first.map(String.init) ?? text
        let exponent = text.split(separator: "e").dropFirst().first.flatMap { Int($0) } ?? 0
        let digitsOnly = mantissa.filter(\.isNumber)
        let pointIndex = mantissa.filter { $0 != "-" }.firstIndex(of: ".").map { mantissa.filter { $0 != "-" }.distance(from: mantissa.filter { $0 != "-" }.startIndex, to: $0) } ?? digitsOnly.count
        var digits = Substring(digitsOnly)
        var leading = pointIndex - 1 + exponent
        while digits.first == "0" && digits.count > 1 { digits = digits.dropFirst(); leading -= 1 }
        while digits.last == "0" && digits.count > 1 { digits = digits.dropLast() }
        return "\(digits)e\(leading)"
    }
}
