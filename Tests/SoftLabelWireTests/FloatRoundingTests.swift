import Foundation
import Testing
import SoftLabelTestSupport
import SoftLabelWire

/// Correct rounding of decimal text to float32 and float64, against glibc `strtof`/`strtod` (which
/// round correctly) and against exact halfway points computed independently.
@Suite struct FloatRoundingTests {
    /// Random decimal strings per the acceptance criteria: 1-25 random digits, a random decimal
    /// point, exponents -50...+40. `SOFTLABEL_ROUNDING_COUNT` raises the count (the
    /// `scripts/wire-rounding-check` script runs 10 million in release mode).
    static let totalCount = environmentInt("SOFTLABEL_ROUNDING_COUNT", default: 1_000_000)
    static let chunks = Array(0..<8)

    static func randomNumber(_ rng: inout SeededGenerator, into text: inout [UInt8]) {
        text.removeAll(keepingCapacity: true)
        if Bool.random(using: &rng) { text.append(UInt8(ascii: "-")) }
        let digitCount = Int.random(in: 1...25, using: &rng)
        let integerDigits = Int.random(in: 0...digitCount, using: &rng)
        func digit(_ range: ClosedRange<UInt8>) -> UInt8 { UInt8(ascii: "0") + UInt8.random(in: range, using: &rng) }
        if integerDigits == 0 {
            text.append(UInt8(ascii: "0"))
        } else {
            text.append(digit(1...9))
            for _ in 1..<integerDigits { text.append(digit(0...9)) }
        }
        if digitCount > integerDigits {
            text.append(UInt8(ascii: "."))
            for _ in integerDigits..<digitCount { text.append(digit(0...9)) }
        }
        if Int.random(in: 0..<4, using: &rng) != 0 {
            text.append(Bool.random(using: &rng) ? UInt8(ascii: "e") : UInt8(ascii: "E"))
            let exponent = Int.random(in: -50...40, using: &rng)
            if exponent >= 0 && Bool.random(using: &rng) { text.append(UInt8(ascii: "+")) }
            text.append(contentsOf: String(exponent).utf8)
        }
    }

    /// Reads `text` as a Float; nil when the reader reports .range (strtof's infinity).
    static func readFloat(_ text: [UInt8]) throws -> Float? {
        do {
            return try withReader(text) { reader in
                let value = try reader.readFloat(path: "x")
                try reader.finish()
                return value
            }
        } catch let error as JSONReadError where error.kind == .range {
            return nil
        }
    }

    static func readDouble(_ text: [UInt8]) throws -> Double? {
        do {
            return try withReader(text) { reader in
                let value = try reader.readDouble(path: "x")
                try reader.finish()
                return value
            }
        } catch let error as JSONReadError where error.kind == .range {
            return nil
        }
    }

    static func check(_ text: [UInt8]) throws {
        let expected = referenceFloat(text)
        let got = try readFloat(text)
        if expected.isInfinite {
            #expect(got == nil, "\(String(decoding: text, as: UTF8.self)) should be out of range")
        } else {
            #expect(got?.bitPattern == expected.bitPattern,
                    "\(String(decoding: text, as: UTF8.self)): got \(got.map { "\($0)" } ?? "range error"), strtof \(expected)")
        }
    }

    @Test(arguments: chunks)
    func randomDecimalsMatchStrtof(chunk: Int) throws {
        var rng = SeededGenerator(seed: 0x5EED_0000 + UInt64(chunk))
        var text: [UInt8] = []
        text.reserveCapacity(40)
        var failures = 0
        for _ in 0..<(Self.totalCount / Self.chunks.count) {
            Self.randomNumber(&rng, into: &text)
            let expected = referenceFloat(text)
            let got = try Self.readFloat(text)
            let same = expected.isInfinite ? got == nil : got?.bitPattern == expected.bitPattern
            if !same {
                failures += 1
                if failures <= 10 { try Self.check(text) }
            }
        }
        #expect(failures == 0)
    }

    @Test func randomDecimalsMatchStrtod() throws {
        var rng = SeededGenerator(seed: 0xD0B1E)
        var text: [UInt8] = []
        var failures = 0
        for _ in 0..<(Self.totalCount / 5) {
            Self.randomNumber(&rng, into: &text)
            if Bool.random(using: &rng) {
                // Exponents that reach the float64 extremes too.
                text.append(contentsOf: "e\(Int.random(in: -340...300, using: &rng))".utf8)
                if text.filter({ $0 | 0x20 == UInt8(ascii: "e") }).count > 1 { continue }
            }
            let expected = referenceDouble(text)
            let got = try Self.readDouble(text)
            let same = expected.isInfinite ? got == nil : got?.bitPattern == expected.bitPattern
            if !same {
                failures += 1
                #expect(Bool(false), "\(String(decoding: text, as: UTF8.self)): got \(String(describing: got)), strtod \(expected)")
                if failures > 10 { break }
            }
        }
        #expect(failures == 0)
    }

    /// Classic hard cases, each against strtof and, where it is known, the exact expected bits.
    @Test(arguments: [
        "7.038531e-26", "1.00000005960464477550", "1.0000000596046447755", "1.00000005960464477539",
        "1e-45", "1.4e-45", "1.401298464324817e-45", "7.006492321624085e-46", "7.006492321624086e-46",
        "7e-46", "3.4028235e38", "3.4028234663852886e38", "3.4028235677973366e38", "3.4028236e38",
        "1.17549435e-38", "1.1754942e-38", "1.1754943508222875e-38", "16777217", "16777219", "16777216.5",
        "33554435", "4.2949673e9", "0.1", "0.2", "0.3", "1e10", "1e11", "9999999999999999999",
        "99999999999999999999", "8388608.5", "8388609.5", "2.5e-45", "-0", "-0.0", "0e-500", "0.000",
        "1.5e-45", "2.1019476964872256e-45", "3.4028235e+38", "1e38", "1e39", "1e-46",
        "0.000000000000000000000000000000000000000000001401298464324817070923729583289916131280",
        "340282356779733661637539395458142568447.9999999999",
        "340282356779733661637539395458142568448", "1.00000000000000000000000000000000000000000000001",
        "0.99999997019767761230468750", "0.9999999701976776123046875000000000001",
        "3.0517578125e-5", "1.1920928955078125e-7", "6.103515625e-05", "123456789012345678901234567890",
    ])
    func hardCases(_ text: String) throws {
        try Self.check(Array(text.utf8))
    }

    @Test func pinnedValues() throws {
        #expect(try Self.readFloat(Array("1e-45".utf8))?.bitPattern == 1)
        #expect(try Self.readFloat(Array("7e-46".utf8))?.bitPattern == 0)  // below half the smallest subnormal
        #expect(try Self.readFloat(Array("3.4028235e38".utf8)) == .greatestFiniteMagnitude)
        #expect(try Self.readFloat(Array("3.4028236e38".utf8)) == nil)
        #expect(try Self.readFloat(Array("-0".utf8))?.bitPattern == 0x8000_0000)
        #expect(try Self.readFloat(Array("16777217".utf8)) == 16_777_216)  // tie to even
        #expect(try Self.readFloat(Array("16777219".utf8)) == 16_777_220)  // tie to even
        #expect(try Self.readFloat(Array("1e400".utf8)) == nil)
        #expect(try Self.readFloat(Array("-1e400".utf8)) == nil)
        #expect(try Self.readFloat(Array("1e-400".utf8))?.bitPattern == 0)
        #expect(try Self.readDouble(Array("1e400".utf8)) == nil)
        #expect(try Self.readDouble(Array("5e-324".utf8))?.bitPattern == 1)
        #expect(try Self.readDouble(Array("1.7976931348623157e308".utf8)) == .greatestFiniteMagnitude)
    }

    /// Exact halfway points between adjacent floats must round to the even one; a hair above or
    /// below must round away from or toward it. The decimal expansion of a halfway point is exact
    /// (it is a float64, printed with all its digits), so this reference is independent of strtof.
    @Test func halfwayPointsRoundToEven() throws {
        var rng = SeededGenerator(seed: 0x4A1F)
        for _ in 0..<50_000 {
            let bits = UInt32.random(in: 0..<0x7F7F_FFFF, using: &rng)
            let low = Float(bitPattern: bits)
            let high = Float(bitPattern: bits + 1)
            let middle = (Double(low) + Double(high)) / 2  // exact: 25 significant bits
            let digits = exactDecimal(middle)
            let even = bits & 1 == 0 ? low : high
            #expect(try Self.readFloat(Array(digits.utf8))?.bitPattern == even.bitPattern, "\(digits)")
            // A hair above the halfway point rounds up, a hair below rounds down.
            let (mantissa, exponent) = splitExponent(digits)
            let above = mantissa + (mantissa.contains(".") ? "" : ".") + "000000000000000000000001" + exponent
            #expect(try Self.readFloat(Array(above.utf8))?.bitPattern == high.bitPattern, "\(above)")
            let below = lowerHair(mantissa) + exponent
            #expect(try Self.readFloat(Array(below.utf8))?.bitPattern == low.bitPattern, "\(below)")
        }
    }

    /// Every digit of a float64, in scientific notation, trailing zeros trimmed.
    func exactDecimal(_ value: Double) -> String {
        var buffer = [CChar](repeating: 0, count: 1200)
        _ = withVaList([value]) { vsnprintf(&buffer, buffer.count, "%.1100e", $0) }
        let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let (mantissa, exponent) = splitExponent(text)
        var trimmed = mantissa
        while trimmed.hasSuffix("0") { trimmed.removeLast() }
        if trimmed.hasSuffix(".") { trimmed.removeLast() }
        return trimmed + exponent
    }

    func splitExponent(_ text: String) -> (String, String) {
        guard let index = text.firstIndex(of: "e") else { return (text, "") }
        return (String(text[..<index]), String(text[index...]))
    }

    /// The mantissa minus one unit in a far decimal place: "1.5" → "1.4999999999999999999999999".
    func lowerHair(_ mantissa: String) -> String {
        var digits = Array(mantissa.contains(".") ? mantissa : mantissa + ".")
        digits += Array(repeating: "0", count: 25)
        var index = digits.count - 1
        while true {
            if digits[index] == "." { index -= 1; continue }
            if digits[index] == "0" { digits[index] = "9"; index -= 1; continue }
            digits[index] = Character(Unicode.Scalar(digits[index].asciiValue! - 1))
            break
        }
        return String(digits)
    }
}
