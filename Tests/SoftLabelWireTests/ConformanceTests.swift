import Foundation
import Testing
import SoftLabelWire
import SoftLabelTestSupport

/// Nicolas Seriot's JSONTestSuite, kept in the repository (`Tests/Conformance/JSONTestSuite/test_parsing`).
@Suite struct ConformanceTests {
    static let directory = Fixtures.conformanceDirectory

    /// The suite's files starting with `prefix`; throws (a test failure naming the folder) when the
    /// folder cannot be listed.
    static func files(prefix: String) throws -> [String] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw FixtureError(description: "cannot list the JSONTestSuite at \(directory.path) (\(error.localizedDescription)); it lives in Tests/Conformance of the repository")
        }
        return names.filter { $0.hasPrefix(prefix) && $0.hasSuffix(".json") }.sorted()
    }

    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: directory.appendingPathComponent(name)))
    }

    @Test func suiteIsPresent() throws {
        #expect(try Self.files(prefix: "y_").count == 95)
        #expect(try Self.files(prefix: "n_").count == 188)
        #expect(try Self.files(prefix: "i_").count == 35)
    }

    @Test(arguments: try files(prefix: "y_"))
    func acceptsValid(_ name: String) throws {
        let error = validationError(try Self.bytes(name))
        #expect(error == nil, "\(name): \(error.map(String.init(describing:)) ?? "")")
    }

    /// The typed reads (what the service uses) accept the same documents as `validate`.
    @Test(arguments: try files(prefix: "y_"))
    func typedReadsAcceptValid(_ name: String) throws {
        let error = typedWalkError(try Self.bytes(name))
        #expect(error == nil || error?.kind == .duplicateKey, "\(name): \(error.map(String.init(describing:)) ?? "")")
    }

    /// Every invalid document makes the typed reads throw too, so a service never answers 200 to
    /// one; the error is a syntax error, or a type error where the input stops being JSON after
    /// the point a typed read rejected (the service then asks `validate` and answers 400).
    @Test(arguments: try files(prefix: "n_"))
    func typedReadsRejectInvalid(_ name: String) throws {
        #expect(typedWalkError(try Self.bytes(name)) != nil, "\(name) was accepted by the typed reads")
    }

    @Test(arguments: try files(prefix: "n_"))
    func rejectsInvalid(_ name: String) throws {
        let error = validationError(try Self.bytes(name))
        #expect(error?.kind == .syntax, "\(name) was accepted")
        if let error {
            #expect(error.message.contains("at byte \(error.offset)"), "\(name): \(error.message)")
        }
    }

    /// Implementation-defined inputs: either answer is fine, as long as it is an answer. Also fed
    /// through the typed reads, which must throw or return, never trap.
    @Test(arguments: try files(prefix: "i_"))
    func survivesImplementationDefined(_ name: String) throws {
        let bytes = try Self.bytes(name)
        _ = validationError(bytes)
        _ = readError(bytes) { _ = try $0.readFloatMatrix(path: "") }
        _ = readError(bytes) { _ = try $0.readFloatArray(path: "") }
        _ = readError(bytes) { _ = try $0.readIntArray(path: "") }
        _ = readError(bytes) { _ = try $0.readStringArray(path: "") }
        _ = readError(bytes) { reader in
            try reader.beginObject(path: "")
            while let _ = try reader.nextKey() { try reader.skipValue() }
            try reader.finish()
        }
    }

    /// Our decisions on the implementation-defined cases, pinned so they do not drift.
    @Test func implementationDefinedDecisions() throws {
        // Accepted: numbers are syntax (the typed reads decide ranges).
        for name in ["i_number_huge_exp.json", "i_number_real_pos_overflow.json", "i_number_real_underflow.json",
                     "i_number_too_big_pos_int.json", "i_number_double_huge_neg_exp.json"] {
            #expect(validationError(try Self.bytes(name)) == nil, "\(name)")
        }
        // Rejected: anything that is not UTF-8, unpaired surrogates, a BOM, nesting beyond 128.
        for name in ["i_string_UTF-8_invalid_sequence.json", "i_string_lone_second_surrogate.json",
                     "i_string_1st_surrogate_but_2nd_missing.json", "i_object_key_lone_2nd_surrogate.json",
                     "i_string_utf16BE_no_BOM.json", "i_structure_UTF-8_BOM_empty_object.json",
                     "i_structure_500_nested_arrays.json", "i_string_overlong_sequence_2_bytes.json",
                     "i_string_not_in_unicode_range.json", "i_string_iso_latin_1.json"] {
            #expect(validationError(try Self.bytes(name))?.kind == .syntax, "\(name)")
        }
    }
}
