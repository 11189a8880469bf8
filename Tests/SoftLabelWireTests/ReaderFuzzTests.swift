import Foundation
import Testing
import SoftLabelKernels
import SoftLabelTestSupport
@testable import SoftLabelWire

/// Seeded random and mutated bodies through every reader entry point (issue 11, "no
/// input-driven trap"): each call either returns a value or throws a `JSONReadError`; a number it
/// accepts is the one Swift's own parser reads from the same text, and an integer is exactly the
/// value the text denotes.
@Suite("Reader fuzz")
struct ReaderFuzzTests {
    static func digits(_ n: Int, _ g: inout SeededGenerator) -> String {
        String((0..<n).map { _ in Character(String(Int.random(in: 0...9, using: &g))) })
    }

    /// A well-formed JSON number with extreme digit counts and exponents (half of the tokens).
    static func number(_ g: inout SeededGenerator) -> String {
        let integer = Bool.random(using: &g) ? "0" : String(Int.random(in: 1...9, using: &g)) + digits(Int.random(in: 0...25, using: &g), &g)
        let fraction = Bool.random(using: &g) ? "" : "." + digits(Int.random(in: 1...25, using: &g), &g)
        let exponent = Bool.random(using: &g) ? "" : ["e", "E", "e+", "e-"].randomElement(using: &g)!
            + String([0, 1, 9, 38, 39, 45, 46, 308, 309, 324, 400, 99_999, Int.max].randomElement(using: &g)!)
        return (Bool.random(using: &g) ? "-" : "") + integer + fraction + exponent
    }

    /// Number-like tokens: extreme digit counts, exponents beyond Int, signs, zeros and junk.
    static func token(_ g: inout SeededGenerator) -> String {
        if Bool.random(using: &g) { return number(&g) }
        func digits(_ n: Int) -> String { Self.digits(n, &g) }
        let pieces = ["", "-", "0", "1", "9", digits(Int.random(in: 1...3, using: &g)), digits(Int.random(in: 17...24, using: &g)),
                      digits(Int.random(in: 300...400, using: &g)), ".", "." + digits(Int.random(in: 1...30, using: &g)),
                      "e", "E", "e+", "e-", digits(1), "9223372036854775807", "9223372036854775808", "18446744073709551616",
                      "2147483647", "2147483648", "1e300", "1e-400", "-0", "0e999999999999999999999", "e9223372036854775807",
                      "00", "+", " ", "x", "\"", "[", "]", ","]
        return (0..<Int.random(in: 1...5, using: &g)).map { _ in pieces.randomElement(using: &g)! }.joined()
    }

    static func body(_ g: inout SeededGenerator) -> [UInt8] {
        var text: String
        switch Int.random(in: 0..<4, using: &g) {
        case 0: text = token(&g)
        case 1: text = "[" + (0..<Int.random(in: 0...6, using: &g)).map { _ in token(&g) }.joined(separator: ",") + "]"
        case 2:
            let columns = Int.random(in: 1...4, using: &g)
            text = "[" + (0..<Int.random(in: 1...4, using: &g)).map { _ in
                "[" + (0..<columns).map { _ in token(&g) }.joined(separator: ", ") + "]"
            }.joined(separator: ",") + "]"
        default: text = "{\"a\": [" + token(&g) + "], \"b\": {\"c\": " + token(&g) + "}}"
        }
        var bytes = Array(text.utf8)
        // Byte-level mutations: flips, truncation, and bytes that are never valid JSON.
        for _ in 0..<Int.random(in: 0...2, using: &g) where !bytes.isEmpty {
            switch Int.random(in: 0..<3, using: &g) {
            case 0: bytes[Int.random(in: 0..<bytes.count, using: &g)] = UInt8.random(in: 0...255, using: &g)
            case 1: bytes.removeLast(Int.random(in: 0...bytes.count, using: &g))
            default: bytes.insert([0x00, 0xFF, 0xC3, 0x2E, 0x65, 0x2D].randomElement(using: &g)!, at: Int.random(in: 0...bytes.count, using: &g))
            }
        }
        return bytes
    }

    static func outcome<T>(_ bytes: [UInt8], _ read: (inout JSONReader) throws -> T) -> T? {
        do {
            return try withReader(bytes) { reader in
                let value = try read(&reader)
                try reader.finish()
                return value
            }
        } catch is JSONReadError {
            return nil
        } catch {
            Issue.record("\(String(decoding: bytes, as: UTF8.self)): non-JSONReadError \(error)")
            return nil
        }
    }

    @Test("5,000 random bodies: every reader returns or throws JSONReadError, and agrees with Swift's parser")
    func randomBodies() {
        var g = SeededGenerator(seed: 0x11_2025)
        var accepted = (numbers: 0, integers: 0, matrices: 0)
        for _ in 0..<5_000 {
            let bytes = Self.body(&g)
            let text = String(decoding: bytes, as: UTF8.self)
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if let d = Self.outcome(bytes, { try $0.readDouble(path: "x") }) {
                #expect(d == Double(trimmed) || (d == 0 && Double(trimmed) == 0), "\(text): \(d)")
                accepted.numbers += 1
            }
            if let f = Self.outcome(bytes, { try $0.readFloat(path: "x") }) {
                #expect(f == Float(trimmed) || (f == 0 && Float(trimmed) == 0), "\(text): \(f)")
            }
            if let i = Self.outcome(bytes, { try $0.readInt(path: "x") }) {
                #expect(i >= Int(Int32.min) && i <= Int(Int32.max) && Double(i) == Double(trimmed), "\(text): \(i)")
                accepted.integers += 1
            }
            _ = Self.outcome(bytes, { try $0.readIntArray(path: "x") })
            _ = Self.outcome(bytes, { try $0.readFloatArray(path: "x") })
            if Self.outcome(bytes, { try $0.readFloatMatrix(path: "x", maxElements: 6) }) != nil { accepted.matrices += 1 }
            _ = Self.outcome(bytes, { try $0.skipValue() })
            do {
                try bytes.withUnsafeBytes { try JSONReader.validate($0) }
            } catch is JSONReadError {
            } catch {
                Issue.record("validate: \(error)")
            }
        }
        // The generator reaches the accepting paths too, not only the errors.
        #expect(accepted.numbers > 200 && accepted.integers > 50 && accepted.matrices > 20, "\(accepted)")
    }

    @Test("integers at and beyond every width: Int32 or a range error, never a trap")
    func integerEdges() throws {
        for text in ["1e300", "9223372036854775808", "-9223372036854775809", "18446744073709551616", "1e19", "4294967296",
                     "2147483648", "-2147483649", "1e9223372036854775807", "1" + String(repeating: "0", count: 400)] {
            let error = readError(text) { _ = try $0.readInt(path: "n") }
            #expect(error?.kind == .range, "\(text)")
        }
        for (text, value) in [("-0", 0), ("-0.0e-999999999999999999999", 0), ("0e9223372036854775807", 0), ("2147483647", Int(Int32.max)),
                              ("-2147483648", Int(Int32.min)), ("214748364.7e1", 2_147_483_647)] {
            #expect(try withReader(text) { try $0.readInt(path: "n") } == value, "\(text)")
        }
    }
}
