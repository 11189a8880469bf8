import Testing
import SoftLabelWire

@Suite struct ReaderTests {
    @Test func walksAnObjectByKeys() throws {
        let json = #" { "\u006cogits" : [1, 2] , "name":"x", "nested": {"a": [true, null]}, "n": -3 } "#
        var seen: [String] = []
        try withReader(json) { reader in
            try reader.beginObject(path: "")
            while let key = try reader.nextKey() {
                seen.append(key)
                switch key {
                case "logits": #expect(try reader.readFloatArray(path: key) == [1, 2])
                case "name": #expect(try reader.readString(path: key) == "x")
                case "n": #expect(try reader.readInt(path: key) == -3)
                default: try reader.skipValue()
                }
            }
            try reader.finish()
        }
        #expect(seen == ["logits", "name", "nested", "n"])
    }

    @Test func arraysByElement() throws {
        try withReader("[1, [2, 3], {}, \"s\", false, null]") { reader in
            try reader.beginArray(path: "a")
            var kinds: [JSONValueKind] = []
            while try reader.nextElement() {
                kinds.append(try reader.peekKind())
                try reader.skipValue()
            }
            #expect(kinds == [.number, .array, .object, .string, .bool, .null])
            try reader.finish()
        }
        try withReader("[]") { reader in
            try reader.beginArray(path: "")
            #expect(try reader.nextElement() == false)
            try reader.finish()
        }
        try withReader("{}") { reader in
            try reader.beginObject(path: "")
            #expect(try reader.nextKey() == nil)
            try reader.finish()
        }
    }

    @Test func duplicateKeysAreRejected() {
        let error = readError(#"{"a": 1, "\u0061": 2}"#) { reader in
            try reader.beginObject(path: "")
            while try reader.nextKey() != nil { try reader.skipValue() }
        }
        #expect(error?.kind == .duplicateKey)
        #expect(error?.path == "a")
        #expect(error?.offset == 9)
        // The same key in different objects is fine.
        #expect(readError(#"{"a": {"a": 1}, "b": {"a": 2}}"#) { reader in
            try reader.beginObject(path: "")
            while let key = try reader.nextKey() {
                try reader.beginObject(path: key)
                while try reader.nextKey() != nil { try reader.skipValue() }
            }
            try reader.finish()
        } == nil)
    }

    @Test func integerRules() throws {
        func int(_ text: String) throws -> Int { try withReader(text) { try $0.readInt(path: "label") } }
        for (text, value) in [("3", 3), ("-1", -1), ("3.0", 3), ("3e0", 3), ("300e-2", 3), ("1E2", 100), ("0", 0),
                              ("-0", 0), ("0.0e5", 0), ("2147483647", 2_147_483_647), ("-2147483648", -2_147_483_648),
                              ("2.147483647e9", 2_147_483_647), ("10000000000000000000000e-22", 1), ("-100", -100)] {
            #expect(try int(text) == value, "\(text)")
        }
        for text in ["1.5", "1e10", "2147483648", "-2147483649", "1e-1", "0.5", "99999999999999999999999",
                     "1.00000000000000000000001", "1e999999999999999999"] {
            let error = readError(text) { _ = try $0.readInt(path: "labels[2]") }
            #expect(error?.kind == .range, "\(text)")
            #expect(error?.path == "labels[2]")
        }
        #expect(readError("\"3\"") { _ = try $0.readInt(path: "n") }?.kind == .type)
        #expect(readError("true") { _ = try $0.readInt(path: "n") }?.kind == .type)
    }

    @Test func floatErrors() {
        let cases: [(String, JSONReadError.Kind)] = [
            ("1e400", .range), ("-1e39", .range), ("\"1\"", .type), ("null", .type), ("[1]", .type), ("{}", .type),
            ("true", .type), ("NaN", .syntax), ("nan", .syntax), ("Infinity", .syntax), ("-Infinity", .syntax),
            ("-", .syntax), ("01", .syntax), ("-01", .syntax), ("1.", .syntax), (".5", .syntax), ("+1", .syntax),
            ("1e", .syntax), ("1e+", .syntax), ("0x10", .syntax), ("", .syntax), ("  ", .syntax), ("tru", .syntax),
        ]
        for (text, kind) in cases {
            let error = readError(text) { reader in
                _ = try reader.readFloat(path: "epsilon")
                try reader.finish()
            }
            #expect(error?.kind == kind, "\(text): \(String(describing: error))")
            if kind == .syntax, let error { #expect(error.message.contains("at byte \(error.offset)"), "\(error.message)") }
        }
        let range = readError("[0, 1e400]") { _ = try $0.readFloatArray(path: "prior") }
        #expect(range?.path == "prior[1]")
        #expect(range?.message.contains("float32") == true)
        #expect(range?.offset == 4)
    }

    @Test func literalsAndNull() throws {
        try withReader("[true, false, null, 1]") { reader in
            try reader.beginArray(path: "")
            _ = try reader.nextElement(); #expect(try reader.readBool(path: "") == true)
            _ = try reader.nextElement(); #expect(try reader.readBool(path: "") == false)
            _ = try reader.nextElement(); #expect(try reader.readNull() == true)
            _ = try reader.nextElement(); #expect(try reader.readNull() == false)
            #expect(try reader.readInt(path: "") == 1)
            #expect(try reader.nextElement() == false)
        }
        #expect(readError("nul") { _ = try $0.readNull() }?.kind == .syntax)
        #expect(readError("1") { _ = try $0.readBool(path: "flag") }?.kind == .type)
        #expect(readError("True") { _ = try $0.readBool(path: "flag") }?.kind == .syntax)
    }

    @Test func strings() throws {
        let json = #""a\"b\\c\/d\b\f\n\r\t\u00e9\u20AC\ud83d\ude00 é€😀""#
        #expect(try withReader(json) { try $0.readString(path: "") } == "a\"b\\c/d\u{8}\u{c}\n\r\té€😀 é€😀")
        #expect(try withReader(#"["x", "y\u0000"]"#) { try $0.readStringArray(path: "") } == ["x", "y\u{0}"])
        let bad: [[UInt8]] = [
            Array(#""\x""#.utf8), Array(#""\u12""#.utf8), Array(#""\ud800""#.utf8), Array(#""\udc00\ud800""#.utf8),
            Array(#""\ud800\u0041""#.utf8), Array("\"a\nb\"".utf8), Array("\"tab\there\"".utf8), Array("\"open".utf8),
            [0x22, 0xC3, 0x22], [0x22, 0xC0, 0x80, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22],
            [0x22, 0xFF, 0x22], [0x22, 0x80, 0x22], [0x22, 0xE2, 0x82, 0x22],
        ]
        for bytes in bad {
            let error = readError(bytes) { _ = try $0.readString(path: "s") }
            #expect(error?.kind == .syntax, "\(bytes)")
            #expect(validationError(bytes)?.kind == .syntax)
        }
        #expect(readError("12") { _ = try $0.readString(path: "s") }?.kind == .type)
    }

    @Test func structuralErrorsNameBytesAndPaths() {
        let body = #"{"logits": [[1, 2], [3, "x"]], "labels": [0, 1]}"#
        let error = readError(body) { reader in
            try reader.beginObject(path: "")
            _ = try reader.nextKey()
            _ = try reader.readFloatMatrix(path: "logits")
        }
        #expect(error?.kind == .type)
        #expect(error?.path == "logits[1][1]")
        #expect(error?.offset == 24)
        #expect(error?.message == "logits[1][1] must be a number, found a string.")

        for (text, offset) in [("[1 2]", 3), ("[1,]", 3), ("{\"a\" 1}", 5), ("{\"a\":1,}", 7), ("{,}", 1), ("[1]]", 3), ("{\"a\":1 \"b\":2}", 7)] {
            let failure = validationError(Array(text.utf8))
            #expect(failure?.kind == .syntax, "\(text)")
            #expect(failure?.offset == offset, "\(text): \(String(describing: failure))")
        }
        let nested = validationError(Array(#"{"a": [1, {"b": [true, tru]}]}"#.utf8))
        #expect(nested?.path == "a[1].b[1]")
        #expect(validationError(Array("{\"a\":1,}".utf8))?.message.contains("Trailing comma") == true)
    }

    @Test func trailingDataAndFinish() throws {
        #expect(readError("{} x") { reader in
            try reader.beginObject(path: "")
            _ = try reader.nextKey()
            try reader.finish()
        }?.kind == .syntax)
        // finish() reads open containers to their end.
        try withReader(#"{"a": 1, "b": [1, {"c": 2}]}  "#) { reader in
            try reader.beginObject(path: "")
            #expect(try reader.nextKey() == "a")
            try reader.skipValue()
            try reader.finish()
        }
        #expect(readError(#"{"a": 1, "b": [1, {"c": 2]}"#) { reader in
            try reader.beginObject(path: "")
            try reader.finish()
        }?.kind == .syntax)
    }

    @Test func depthIsLimitedWithoutRecursion() {
        let deep = [UInt8](repeating: UInt8(ascii: "["), count: 100_000)
        #expect(validationError(deep)?.kind == .syntax)
        #expect(validationError(deep)?.message.contains("Nesting deeper than 128") == true)
        let deepObjects = Array(String(repeating: #"{"a":"#, count: 50_000).utf8)
        #expect(validationError(deepObjects)?.kind == .syntax)
        let ok = Array((String(repeating: "[", count: 128) + String(repeating: "]", count: 128)).utf8)
        #expect(validationError(ok) == nil)
        let tooDeep = Array((String(repeating: "[", count: 129) + String(repeating: "]", count: 129)).utf8)
        #expect(validationError(tooDeep)?.kind == .syntax)
        #expect(validationError(tooDeep, maxDepth: 200) == nil)
        #expect(readError(String(repeating: "[", count: 200)) { reader in
            for _ in 0..<200 { try reader.beginArray(path: "") }
        }?.kind == .syntax)
    }

    @Test func peekKindAndOffset() throws {
        let (kind, offset) = try withReader("  \n\t[") { reader in (try reader.peekKind(), reader.offset) }
        #expect(kind == .array)
        #expect(offset == 4)
        #expect(readError("  ") { _ = try $0.peekKind() }?.kind == .syntax)
        #expect(readError("/* c */ 1") { _ = try $0.peekKind() }?.kind == .syntax)
    }

    @Test func errorDescription() {
        let error = JSONReadError(kind: .shape, message: "m.", offset: 3, path: "logits[1]")
        #expect(error.description == "shape error at logits[1] (byte 3): m.")
    }

    @Test func paths() {
        #expect(JSONPath.key("logits", in: "") == "logits")
        #expect(JSONPath.key("b", in: "a") == "a.b")
        #expect(JSONPath.key("odd key", in: "a") == #"a["odd key"]"#)
        #expect(JSONPath.index(3, in: "logits") == "logits[3]")
    }
}
