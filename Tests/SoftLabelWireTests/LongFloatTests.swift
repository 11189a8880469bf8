import Foundation
import Glibc
import SoftLabelKernels
import Testing
import SoftLabelTestSupport
import SoftLabelWire

/// The matrix reader's fast path for long decimals (`LongFloat32`: 16-19 significant digits, with
/// or without an exponent, what Python's `json.dumps(tensor.tolist())` writes) against glibc
/// `strtof`, which rounds the decimal straight to float32. Rows are long so that the fast path
/// (48 bytes of lookahead) reads nearly every value; `CompactFloatTests.readMatrix` builds them.
@Suite struct LongFloatTests {
    /// `SOFTLABEL_LONG_FLOAT_COUNT` raises the count of random decimals (default 1,000,000 in all).
    static let randomCount = environmentInt("SOFTLABEL_LONG_FLOAT_COUNT", default: 1_000_000)

    /// 16-19 significant digits, 0-7 integer digits (0 → "0." and 0-6 zeros after the point),
    /// an exponent in a quarter of them (-45...+38, with "e" or "E", "+" or not), either sign.
    static func longToken(_ rng: inout SeededGenerator) -> [UInt8] {
        var text: [UInt8] = []
        if Bool.random(using: &rng) { text.append(UInt8(ascii: "-")) }
        func digit(_ range: ClosedRange<UInt8>) -> UInt8 { UInt8(ascii: "0") + UInt8.random(in: range, using: &rng) }
        let significant = Int.random(in: 16...19, using: &rng)
        let integerDigits = Int.random(in: 0..<3, using: &rng) == 0 ? Int.random(in: 0...7, using: &rng) : Int.random(in: 0...1, using: &rng)
        if integerDigits == 0 {
            text.append(contentsOf: "0.".utf8)
            for _ in 0..<Int.random(in: 0...6, using: &rng) { text.append(UInt8(ascii: "0")) }
            text.append(digit(1...9))
            for _ in 1..<significant { text.append(digit(0...9)) }
        } else {
            text.append(digit(1...9))
            for _ in 1..<integerDigits { text.append(digit(0...9)) }
            text.append(UInt8(ascii: "."))
            for _ in integerDigits..<significant { text.append(digit(0...9)) }
        }
        if Int.random(in: 0..<4, using: &rng) == 0 {
            text.append(Bool.random(using: &rng) ? UInt8(ascii: "e") : UInt8(ascii: "E"))
            let exponent = Int.random(in: -45...38, using: &rng)
            if exponent >= 0 && Bool.random(using: &rng) { text.append(UInt8(ascii: "+")) }
            text.append(contentsOf: String(format: exponent < 0 ? "-%02d" : "%02d", abs(exponent)).utf8)
        }
        return text
    }

    /// `repr(float(f))` as Python prints it: the shortest decimal that reads back as the double
    /// Double(f) (Swift's `description` is the same shortest round-trip digits), e.g.
    /// `-1.2345678806304932` or `1.2345678806304932e-05`.
    static func pythonForm(_ f: Float) -> [UInt8] {
        Array(Double(f).description.utf8)
    }

    /// Reads the tokens as matrix rows and compares every value with strtof, bit for bit.
    static func expectMatrixMatchesStrtof(_ tokens: [[UInt8]], columns: Int, _ rng: inout SeededGenerator) throws {
        let m = try CompactFloatTests.readMatrix(tokens, columns: columns, &rng)
        #expect(m.rows * m.columns == tokens.count)
        CompactFloatTests.expectMatchesStrtof(tokens, m)
    }

    @Test(arguments: 0..<8)
    func randomLongDecimalsMatchStrtof(chunk: Int) throws {
        var rng = SeededGenerator(seed: 0x10_4E + UInt64(chunk))
        let columns = 1_000
        let perChunk = max(Self.randomCount / 8 / columns, 1) * columns
        var tokens: [[UInt8]] = []
        tokens.reserveCapacity(columns)
        var rows = 0
        while rows * columns < perChunk {
            let token = Self.longToken(&rng)
            // Values that round past float32 are refused: tested in `overflowBoundaries`.
            guard referenceFloat(token).isFinite else { continue }
            tokens.append(token)
            if tokens.count == columns {
                try Self.expectMatrixMatchesStrtof(tokens, columns: columns, &rng)
                tokens.removeAll(keepingCapacity: true)
                rows += 1
            }
        }
    }

    /// Random float32 values of every exponent (normal and subnormal) in Python's form read back
    /// as themselves: the decimal is within half a double's unit of Double(f), far from any float32
    /// midpoint. And to strtof's float.
    @Test func pythonFormOfRandomFloat32() throws {
        var rng = SeededGenerator(seed: 0x9_7401)
        var tokens: [[UInt8]] = []
        var values: [Float] = []
        var long = 0
        while tokens.count < 200_000 {
            let f = Float(bitPattern: UInt32.random(in: 0..<0x7F80_0000, using: &rng) | (Bool.random(using: &rng) ? 0x8000_0000 : 0))
            let token = Self.pythonForm(f)
            if token.count >= 18 { long += 1 }
            tokens.append(token)
            values.append(f)
        }
        #expect(long > 100_000, "most of them must be in the long form")
        let m = try CompactFloatTests.readMatrix(tokens, columns: 500, &rng)
        CompactFloatTests.expectMatchesStrtof(tokens, m)
        #expect(zip(m.values, values).allSatisfy { $0.bitPattern == $1.bitPattern })
    }

    /// Logits as a Python client sends them (N(0, 3²) float32s, Python's form): the loss-py bodies.
    @Test func pythonFormOfLogits() throws {
        var rng = SeededGenerator(seed: 0x10617)
        let values = (0..<100_000).map { _ -> Float in
            let u1 = max(Double(rng.next() >> 11) / Double(1 << 53), 1e-300), u2 = Double(rng.next() >> 11) / Double(1 << 53)
            return Float((-2 * log(u1)).squareRoot() * cos(2 * .pi * u2) * 3)
        }
        let tokens = values.map(Self.pythonForm)
        let m = try CompactFloatTests.readMatrix(tokens, columns: 1_000, &rng)
        #expect(zip(m.values, values).allSatisfy { $0.bitPattern == $1.bitPattern })
    }

    /// A float32 midpoint between 2^10 and 2^24 (at most 14 fraction bits, so at most 19
    /// significant digits), written exactly with `places` fraction digits (zero-padded).
    static func midpoint(_ rng: inout SeededGenerator) -> (low: Float, text: String, places: Int) {
        let lowBits = Float(1024).bitPattern, highBits = Float(16_777_216).bitPattern
        let low = Float(bitPattern: UInt32.random(in: lowBits..<highBits, using: &rng))
        let middle = (Double(low) + Double(low.nextUp)) / 2  // exact: 25 significant bits
        let integerDigits = String(Int(middle)).count
        // Every fraction bit is a decimal place: 2^-k has k places. Pad to 17-19 digits.
        let exactPlaces = max(1, 24 - Int(middle.exponent))
        let places = max(exactPlaces, Int.random(in: 17...19, using: &rng) - integerDigits)
        return (low, String(format: "%.\(places)f", middle), places)
    }

    /// A float32 midpoint between 2^53 and 2^63: an integer of 17-19 digits, written with all its
    /// digits as `d.ddd…e+NN` (trailing zeros dropped), so that w × 10^q has q in 0...10, where
    /// 5^q is exact and the 64-bit product is exact too.
    static func integerMidpoint(_ rng: inout SeededGenerator) -> (low: Float, text: String) {
        let low = Float(bitPattern: UInt32.random(in: Float(0x1p53).bitPattern..<Float(0x1p63).bitPattern, using: &rng))
        let middle = UInt64((Double(low) + Double(low.nextUp)) / 2)  // exact: 25 significant bits
        var digits = String(middle)
        let exponent = digits.count - 1
        while digits.hasSuffix("0") { digits.removeLast() }
        if digits.count == 1 { digits += "0" }
        return (low, "\(digits.first!).\(digits.dropFirst())e+\(exponent)")
    }

    /// Exact ties with 17-19 significant digits go to the float with the even mantissa: integers
    /// like `1.152921573326323712e+18` (q ≥ 0: the fast path's own halfway guard decides them;
    /// removing `LongFloat32`'s guard rounds half of them up and fails this test) and fractions
    /// like `1024.00006103515625` or `131072.50000000000` (q < 0: the truncated 64-bit 5^q leaves
    /// them undecided, and the general reader rounds them).
    @Test func exactTiesRoundToEven() throws {
        var rng = SeededGenerator(seed: 0x7E_1E5)
        var tokens: [[UInt8]] = []
        var expected: [Float] = []
        var oddLow = 0
        while tokens.count < 20_000 {
            let (low, text): (Float, String)
            if tokens.count.isMultiple(of: 2) {
                (low, text) = Self.integerMidpoint(&rng)
            } else {
                let fraction = Self.midpoint(&rng)
                (low, text) = (fraction.low, fraction.text)
            }
            let digits = text.prefix { $0 != "e" }.filter(\.isNumber).drop { $0 == "0" }.count
            guard digits >= 16 && digits <= 19 else { continue }
            let negative = Bool.random(using: &rng)
            let even = low.bitPattern & 1 == 0 ? low : low.nextUp
            if low.bitPattern & 1 == 1 { oddLow += 1 }
            tokens.append(Array(((negative ? "-" : "") + text).utf8))
            expected.append(negative ? -even : even)
        }
        #expect(oddLow > 5_000, "ties whose lower neighbour is odd round up: both kinds must be there")
        let m = try CompactFloatTests.readMatrix(tokens, columns: 200, &rng)
        var wrong = 0
        for (index, value) in m.values.enumerated() where value.bitPattern != expected[index].bitPattern {
            wrong += 1
            if wrong <= 10 { Issue.record("\(String(decoding: tokens[index], as: UTF8.self)): read \(value), ties to even \(expected[index])") }
        }
        #expect(wrong == 0)
        CompactFloatTests.expectMatchesStrtof(tokens, m)
    }

    /// One unit in the last (17th-19th) digit above and below exact midpoints: not ties, so each
    /// rounds to its nearer float, away from the midpoint.
    @Test func nearHalfwayRoundToNearest() throws {
        var rng = SeededGenerator(seed: 0x4EA7)
        var tokens: [[UInt8]] = []
        var expected: [Float] = []
        while tokens.count < 40_000 {
            let (low, text, _) = Self.midpoint(&rng)
            let digits = text.filter(\.isNumber).drop { $0 == "0" }.count
            guard digits <= 18 else { continue }
            // One more digit, 1 or 9 below: text + "1" is a hair above, (text - ulp) + "9" below.
            var above = text + "1"
            var below = Array(text + "0")
            var index = below.count - 1
            while true {
                if below[index] == "." { index -= 1; continue }
                if below[index] == "0" { below[index] = "9"; index -= 1; continue }
                below[index] = Character(Unicode.Scalar(below[index].asciiValue! - 1))
                break
            }
            var belowText = String(below)
            if Bool.random(using: &rng) { above = "-" + above; belowText = "-" + belowText }
            tokens.append(Array(above.utf8))
            expected.append(above.hasPrefix("-") ? -low.nextUp : low.nextUp)
            tokens.append(Array(belowText.utf8))
            expected.append(belowText.hasPrefix("-") ? -low : low)
        }
        let m = try CompactFloatTests.readMatrix(tokens, columns: 100, &rng)
        #expect(zip(m.values, expected).allSatisfy { $0.bitPattern == $1.bitPattern })
        CompactFloatTests.expectMatchesStrtof(tokens, m)
    }

    /// Subnormal results, the smallest normal and underflow to zero in the long form: the fast
    /// path hands them to the general reader, which must agree with strtof.
    @Test func subnormalsAndUnderflow() throws {
        var rng = SeededGenerator(seed: 0x5_0B)
        var tokens: [[UInt8]] = [
            "1.1754943508222875e-38", "1.1754942106924411e-38", "1.401298464324817e-45", "7.006492321624086e-46",
            "7.006492321624087e-46", "-7.006492321624085e-46", "1.0000000000000000e-50", "-2.8025969286496341e-45",
        ].map { Array($0.utf8) }
        while tokens.count < 40_000 {
            let f = Float(bitPattern: UInt32.random(in: 1..<0x0080_0000, using: &rng) | (Bool.random(using: &rng) ? 0x8000_0000 : 0))
            tokens.append(Self.pythonForm(f))
            tokens.append(Self.pythonForm(Float.leastNormalMagnitude.nextDown))
        }
        try Self.expectMatrixMatchesStrtof(tokens, columns: 400, &rng)
    }

    /// The largest finite float32 and the midpoint above it (2^128 - 2^103 =
    /// 3.40282356779733661637…e38): below it a value reads as Float.greatestFiniteMagnitude,
    /// at or above it the reader refuses the value as out of range, naming the element.
    @Test func overflowBoundaries() throws {
        var rng = SeededGenerator(seed: 0x0F1)
        let finite = ["3.4028234663852886e+38", "3.402823567797336616e+38", "340282356779733661.6e21", "3.4028235677973362e38"]
        for text in finite {
            for sign in ["", "-"] {
                let tokens = Array(repeating: Array("1.2345678806304932".utf8), count: 60) + [Array((sign + text).utf8)]
                    + Array(repeating: Array("-1.2345678806304932".utf8), count: 59)
                let m = try CompactFloatTests.readMatrix(tokens, columns: 120, &rng)
                #expect(m.values[60] == (sign.isEmpty ? Float.greatestFiniteMagnitude : -Float.greatestFiniteMagnitude), "\(sign)\(text)")
            }
        }
        let beyond = ["3.402823567797336617e+38", "3.4028235677973367e+38", "3.4028236e38", "1.0000000000000000e+39", "9.999999999999999999e+99"]
        for text in beyond {
            for sign in ["", "-"] {
                let row = Array(repeating: "1.2345678806304932", count: 60).joined(separator: ", ")
                let error = readError("[[\(row)],[\(row), \(sign)\(text), \(row)]]") { _ = try $0.readFloatMatrix(path: "logits") }
                #expect(error?.kind == .range, "\(sign)\(text): \(String(describing: error))")
                #expect(error?.path == "logits[1][60]", "\(sign)\(text): \(String(describing: error))")
            }
        }
    }

    /// Zeros in the long form keep their sign.
    @Test func signedZeros() throws {
        var rng = SeededGenerator(seed: 0)
        let zeros = ["-0.0", "0.0", "-0.0000000000000000", "0.0000000e-05", "-0.0000000000000000e-05", "-0e-05", "0E+00"]
        var tokens: [[UInt8]] = []
        for _ in 0..<20 { tokens += zeros.map { Array($0.utf8) } + [Array("-1.2345678806304932".utf8)] }
        let m = try CompactFloatTests.readMatrix(tokens, columns: 40, &rng)
        for (index, token) in tokens.enumerated() where !token.contains(UInt8(ascii: "1")) {
            let negative = token.first == UInt8(ascii: "-")
            #expect(m.values[index] == 0 && m.values[index].sign == (negative ? .minus : .plus), "\(String(decoding: token, as: UTF8.self))")
        }
        CompactFloatTests.expectMatchesStrtof(tokens, m)
    }

    /// Every length of fraction after one integer digit (1-21 digits, leading zeros after "0."
    /// included, an exponent in a third), each right after a long number so that the long path
    /// reads it first: on x86-64-v3 builds `FractionDigitsAVX2` takes runs of 1-18 digits (19
    /// after a zero), one table row per length; the others go to the other paths. All as strtof.
    @Test func everyFractionLength() throws {
        var rng = SeededGenerator(seed: 0x1F_2A)
        var tokens: [[UInt8]] = []
        for _ in 0..<40 {
            for length in 1...21 {
                for lead in 0...9 {
                    var text = Array((Bool.random(using: &rng) ? "-" : "").utf8) + [UInt8(ascii: "0") + UInt8(lead), UInt8(ascii: ".")]
                    let zeros = lead == 0 ? Int.random(in: 0...min(length - 1, 4), using: &rng) : 0
                    for i in 0..<length {
                        text.append(UInt8(ascii: "0") + (i < zeros ? 0 : UInt8.random(in: 0...9, using: &rng)))
                    }
                    if Int.random(in: 0..<3, using: &rng) == 0 {
                        text += Array(String(format: "e%d", Int.random(in: -30...30, using: &rng)).utf8)
                    }
                    tokens.append(Array("-1.2345678806304932".utf8))
                    tokens.append(text)
                }
            }
        }
        let m = try CompactFloatTests.readMatrix(tokens, columns: 60, &rng)
        #expect(m.rows * m.columns == tokens.count)
        CompactFloatTests.expectMatchesStrtof(tokens, m)
    }

    /// A point with no digit after it is not JSON, also where the long path reads first.
    @Test func pointWithoutDigitsAfterALongNumber() throws {
        let row = Array(repeating: "1.2345678806304932", count: 60).joined(separator: ", ")
        for bad in ["1.", "-0.", "7.e5", "1.,"] {
            let error = readError("[[\(row), \(bad), \(row)]]") { _ = try $0.readFloatMatrix(path: "logits") }
            #expect(error != nil, "\(bad) was read")
            #expect(error?.path == "logits[0]" || error?.path == "logits[0][60]", "\(bad): \(String(describing: error))")
        }
    }
}
