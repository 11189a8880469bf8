import Foundation
import SoftLabelKernels
import Testing
import SoftLabelTestSupport
import SoftLabelWire

/// The matrix reader's fast path for compact numbers (`-?D{1,7}(.D{1,15})?`) against glibc
/// `strtof`, and its hand-over to the general reader: on long rows, since the fast path only runs
/// with 32 bytes ahead (short bodies never reach it).
@Suite struct CompactFloatTests {
    /// A compact number: 1-7 integer digits (a lone leading zero allowed), 0-15 fraction digits
    /// (at most 15 digits in all), an optional sign.
    static func compactToken(_ rng: inout SeededGenerator) -> [UInt8] {
        var text: [UInt8] = []
        if Bool.random(using: &rng) { text.append(UInt8(ascii: "-")) }
        func digit(_ range: ClosedRange<UInt8>) -> UInt8 { UInt8(ascii: "0") + UInt8.random(in: range, using: &rng) }
        let integerDigits = Int.random(in: 0..<4, using: &rng) == 0 ? Int.random(in: 1...7, using: &rng) : 1
        if integerDigits == 1 {
            text.append(digit(0...9))
        } else {
            text.append(digit(1...9))
            for _ in 1..<integerDigits { text.append(digit(0...9)) }
        }
        let fractionDigits = Int.random(in: 0...(15 - integerDigits), using: &rng)
        if fractionDigits > 0 || Int.random(in: 0..<8, using: &rng) != 0 {
            text.append(UInt8(ascii: "."))
            // Runs of zeros make 0.000123-style values and exact ties.
            let zeros = Int.random(in: 0..<3, using: &rng) == 0
            for _ in 0..<max(fractionDigits, 1) { text.append(zeros && Bool.random(using: &rng) ? UInt8(ascii: "0") : digit(0...9)) }
        }
        return text
    }

    /// Exact float32 midpoints with short decimals (between 2^17 and 2^24 they have at most 7
    /// fraction digits), and their neighbours one unit in the 15th digit away.
    static func midpointToken(_ rng: inout SeededGenerator) -> [UInt8] {
        let low = Float(131_072).bitPattern, high = Float(16_777_216).bitPattern
        let f = Float(bitPattern: UInt32.random(in: low..<high, using: &rng))
        let midpoint = (Double(f) + Double(f.nextUp)) / 2
        let places = 15 - String(Int(midpoint)).count
        let offset = Double([0, 1, -1][Int.random(in: 0..<3, using: &rng)]) * pow(10, -Double(places))
        let text = String(format: "%.\(places)f", midpoint + offset)
        return Array(((Bool.random(using: &rng) ? "-" : "") + text).utf8)
    }

    /// Builds a matrix of `rows` × `columns` tokens joined by `,` or `, ` and reads it.
    static func readMatrix(_ tokens: [[UInt8]], columns: Int, _ rng: inout SeededGenerator) throws -> Matrix {
        var body: [UInt8] = [UInt8(ascii: "[")]
        for (index, token) in tokens.enumerated() {
            if index % columns == 0 {
                if index > 0 { body.append(contentsOf: "],".utf8) }
                body.append(UInt8(ascii: "["))
            } else {
                body.append(contentsOf: Bool.random(using: &rng) ? ",".utf8 : ", ".utf8)
            }
            body.append(contentsOf: token)
        }
        body.append(contentsOf: "]]".utf8)
        return try withReader(body) { reader in
            let m = try reader.readFloatMatrix(path: "logits")
            try reader.finish()
            return m
        }
    }

    static func expectMatchesStrtof(_ tokens: [[UInt8]], _ m: Matrix) {
        var failures = 0
        for (index, token) in tokens.enumerated() where m.values[index].bitPattern != referenceFloat(token).bitPattern {
            failures += 1
            if failures <= 10 {
                Issue.record("\(String(decoding: token, as: UTF8.self)): read \(m.values[index]), strtof \(referenceFloat(token))")
            }
        }
        #expect(failures == 0)
    }

    @Test(arguments: 0..<4)
    func compactNumbersMatchStrtof(seed: Int) throws {
        var rng = SeededGenerator(seed: 0xC0_4AC7 + UInt64(seed))
        let columns = 500
        let tokens = (0..<(columns * 100)).map { _ in Self.compactToken(&rng) }
        let m = try Self.readMatrix(tokens, columns: columns, &rng)
        #expect(m.rows == 100 && m.columns == columns)
        Self.expectMatchesStrtof(tokens, m)
    }

    @Test func midpointsRoundOnceToEven() throws {
        var rng = SeededGenerator(seed: 0x71E5)
        let tokens = (0..<20_000).map { _ in Self.midpointToken(&rng) }
        let m = try Self.readMatrix(tokens, columns: 100, &rng)
        Self.expectMatchesStrtof(tokens, m)
        // 8388608.5 lies halfway between 8388608 and 8388609: ties go to the even one.
        let tie = try Self.readMatrix(Array(repeating: Array("8388608.5".utf8), count: 20), columns: 20, &rng)
        #expect(tie.values.allSatisfy { $0 == 8_388_608 })
    }

    /// Decimals whose correctly rounded double is exactly a float32 midpoint although they are
    /// not: rounding that double again would round twice, and for about half of them wrongly
    /// (`9.66752004623413` is nearer 9.6675195694 but its double ties to 9.6675205231). They are
    /// the 15-digit decimals nearest random midpoints in [1, 10) that strtod reads as the midpoint.
    @Test func doubleRoundingHazardsRoundOnce() throws {
        var rng = SeededGenerator(seed: 0xD0B1E)
        var tokens: [[UInt8]] = []
        var naiveWrong = 0
        let low = Float(1).bitPattern, high = Float(10).bitPattern
        while tokens.count < 2_000 {
            let f = Float(bitPattern: UInt32.random(in: low..<high, using: &rng))
            let midpoint = (Double(f) + Double(f.nextUp)) / 2
            let text = Array(String(format: "%.14f", midpoint).utf8)
            // Midpoints in [1, 10) need 21-24 fraction digits, so the 14-digit text is never one.
            guard referenceDouble(text) == midpoint else { continue }
            if Float(referenceDouble(text)).bitPattern != referenceFloat(text).bitPattern { naiveWrong += 1 }
            tokens.append(text)
        }
        #expect(naiveWrong >= 100, "the hazards must include decimals that double rounding gets wrong")
        let m = try Self.readMatrix(tokens, columns: 50, &rng)
        Self.expectMatchesStrtof(tokens, m)
    }

    /// Compact numbers mixed with every other spelling (exponents, 16-25 digits, long integer
    /// parts): the fast path hands each of those to the general reader and takes over again.
    @Test func mixedSpellingsMatchStrtof() throws {
        var rng = SeededGenerator(seed: 0x313ED)
        var tokens: [[UInt8]] = []
        var text: [UInt8] = []
        for _ in 0..<30_000 {
            if Bool.random(using: &rng) {
                tokens.append(Self.compactToken(&rng))
            } else {
                FloatRoundingTests.randomNumber(&rng, into: &text)
                if referenceFloat(text).isFinite { tokens.append(text) }
            }
        }
        let columns = 97
        tokens.removeLast(tokens.count % columns)
        let m = try Self.readMatrix(tokens, columns: columns, &rng)
        Self.expectMatchesStrtof(tokens, m)
    }

    /// A bad value in the middle of a long row gets the error the general reader gives: the same
    /// kind and the same path, naming the element or the row.
    @Test(arguments: [
        ("01.5", JSONReadError.Kind.syntax, "logits[1][40]"), ("1.", .syntax, "logits[1][40]"),
        ("-", .syntax, "logits[1][40]"), (".5", .syntax, "logits[1][40]"), ("-.5", .syntax, "logits[1][40]"),
        ("+1", .syntax, "logits[1][40]"), ("1e", .syntax, "logits[1][40]"), ("0x10", .syntax, "logits[1]"),
        ("1.5.3", .syntax, "logits[1]"), ("1 2", .syntax, "logits[1]"), ("1e39", .range, "logits[1][40]"),
        ("-123456789e40", .range, "logits[1][40]"), ("null", .type, "logits[1][40]"), ("\"1\"", .type, "logits[1][40]"),
        ("", .syntax, "logits[1][40]"), ("1/2", .syntax, "logits[1]"), ("12345678.5,", .syntax, "logits[1][41]"),
    ])
    func badValuesInLongRows(token: String, kind: JSONReadError.Kind, path: String) {
        let row = String(repeating: "1.25,", count: 45) + "1.25"
        let bad = String(repeating: "1.5,", count: 40) + token + "," + String(repeating: "2.5,", count: 40) + "2.5"
        let error = readError("[[\(row)],[\(bad)],[\(row)]]") { _ = try $0.readFloatMatrix(path: "logits") }
        #expect(error?.kind == kind, "\(token): \(String(describing: error))")
        #expect(error?.path == path, "\(token): \(String(describing: error))")
    }

    /// The longest compact numbers (17 bytes) with `, ` separators, up to the body's last byte:
    /// the row loop's bound on how far it may read without checking the end.
    @Test func longestNumbersUpToTheEnd() throws {
        var rng = SeededGenerator(seed: 0x10_9E57)
        for columns in [1, 2, 3, 7, 50] {
            let tokens = (0..<(columns * 9)).map { _ -> [UInt8] in
                let digits = (0..<14).map { _ in Character(String(Int.random(in: 0...9, using: &rng))) }
                return Array("-\(Int.random(in: 0...9, using: &rng)).\(String(digits))".utf8)
            }
            var body: [UInt8] = Array("[".utf8)
            for (index, token) in tokens.enumerated() {
                if index % columns == 0 { body.append(contentsOf: (index == 0 ? "[" : "], [").utf8) } else { body.append(contentsOf: ", ".utf8) }
                body.append(contentsOf: token)
            }
            body.append(contentsOf: "]]".utf8)
            let m = try withReader(body) { reader in
                let m = try reader.readFloatMatrix(path: "logits")
                try reader.finish()
                return m
            }
            #expect(m.rows == 9 && m.columns == columns)
            Self.expectMatchesStrtof(tokens, m)
        }
    }

    @Test func whitespaceAnywhereInLongRows() throws {
        let values = (0..<200).map { Float($0) / 8 - 12 }
        let spaced = "[ [ " + values.map { "\($0)" }.joined(separator: " ,\n\t") + " ] ,[" +
            values.map { "\($0)" }.joined(separator: ",  ") + "] ]"
        let m = try withReader(spaced) { try $0.readFloatMatrix(path: "logits") }
        #expect(m.rows == 2 && m.columns == 200)
        #expect(Array(m.values[0..<200]) == values && Array(m.values[200...]) == values)
    }
}
