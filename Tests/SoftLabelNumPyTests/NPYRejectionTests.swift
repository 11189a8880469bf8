import SoftLabelNumPy
import SoftLabelTestSupport
import Testing

/// Hostile and wrong `.npy` files: each is one clear sentence, thrown before any allocation
/// sized by the file (a shape of 10^12 rows in a 100-byte file costs nothing).
@Suite struct NPYRejectionTests {
    func header(_ text: String, data: [UInt8] = [], version: UInt8 = 1) -> String? {
        failure { try npy(NPYBytes.file(header: text, data: data, version: version)) }
    }

    func f4(_ shape: String, fortran: String = "False") -> String {
        "{'descr': '<f4', 'fortran_order': \(fortran), 'shape': \(shape), }"
    }

    @Test func notNumPy() {
        #expect(failure { try npy(Array("PK\u{3}\u{4} not numpy".utf8)) } == "not a .npy file (it does not start with \\x93NUMPY)")
        #expect(failure { try npy([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]) } == "truncated header: the file ends inside the format version")
        #expect(failure { try npy([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 4, 0, 0, 0]) } == "unsupported .npy format version 4.0 (1.0, 2.0 and 3.0 are read)")
        #expect(failure { try npy([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 1, 0, 0]) } == "unsupported .npy format version 1.1 (1.0, 2.0 and 3.0 are read)")
        #expect(failure { try npy([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, 200, 0, 0x7B]) } == "truncated header: expected 210 bytes, found 11")
        #expect(failure { try npy([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 2, 0, 0, 0, 0, 0x7F]) } == "the header declares 2130706432 bytes; at most 65536 are read")
    }

    @Test func unsupportedDTypes() {
        #expect(header("{'descr': '<c8', 'fortran_order': False, 'shape': (1, 2), }", data: Array(repeating: 0, count: 16))
                == "unsupported dtype '<c8': expected float16, float32 or float64 values, or integer labels")
        #expect(header("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", data: Array(repeating: 0, count: 8))
                == "object arrays are not supported (dtype '|O'); save numbers, e.g. arr.astype(np.float32)")
        #expect(header("{'descr': [('a', '<f4'), ('b', '<i8')], 'fortran_order': False, 'shape': (1,), }")
                == "structured dtypes are not supported; save a plain numeric array")
        for descr in ["<U5", "|S3", "|b1", "<M8[ns]", "<f16", "<f1", "<i3", "<f", ""] {
            #expect(header("{'descr': '\(descr)', 'fortran_order': False, 'shape': (1,), }")?.contains("dtype '\(descr)'") == true, "\(descr)")
        }
    }

    @Test func strictHeaders() {
        let cases: [(String, String)] = [
            (f4("(3)"), "'(3)' is an int, not a tuple"),
            (f4("(03, 2)"), "leading zero"),
            (f4("(-3, 2)"), "expected a non-negative integer"),
            (f4("(3.0, 2)"), "expected ',' or ')'"),
            (f4("[3, 2]"), "'shape' is a list"),
            (f4("(3, 2)", fortran: "0"), "expected a string, True, False or a tuple"),
            (f4("(3, 2)", fortran: "'False'"), "'fortran_order' is a string"),
            ("{'descr': '<f4', 'shape': (3, 2), }", "no 'fortran_order' key"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), 'extra': True}", "unexpected key 'extra'"),
            ("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (3, 2)}", "key 'descr' repeated"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2)} x", "unexpected text after the dict"),
            ("{'descr': '<f\\x34', 'fortran_order': False, 'shape': (3, 2)}", "escape sequences are not supported"),
            ("{'descr': '<f4', 'fortran_order': Falsey, 'shape': (3, 2)}", "expected a string, True, False or a tuple"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2)", "expected '}'"),
            ("{'descr': 'é', 'fortran_order': False, 'shape': (3, 2)}", "it is not ASCII"),
            (f4("(99999999999999999999, 2)"), "dimension too large"),
        ]
        for (text, expected) in cases {
            let message = header(text)
            #expect(message?.contains(expected) == true, "\(text) → \(message ?? "accepted")")
            #expect(message?.hasPrefix("malformed header") == true || message?.hasPrefix("unsupported") == true || message?.hasPrefix("structured") == true, "\(text)")
        }
        // The header must end with a newline (NPYBytes always adds one: write it by hand).
        let noNewline: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, 2, 0, 0x7B, 0x7D]
        #expect(failure { try npy(noNewline) } == "malformed header: it does not end with a newline")
    }

    @Test func sizesAreCheckedBeforeAnything() {
        #expect(header(f4("(4611686018427387904, 4611686018427387904)")) == "shape (4611686018427387904, 4611686018427387904) has more elements than can be counted")
        #expect(header(f4("(2305843009213693952, 2)")) == "shape (2305843009213693952, 2) of float32 is more bytes than can be counted")
        #expect(header(f4("(1000000000000, 10)"), data: Array(repeating: 0, count: 64))
                == "truncated data: expected 40000000000000 bytes for shape (1000000000000, 10) of float32, found 64")
        #expect(header(f4("(3, 2)"), data: Array(repeating: 0, count: 20)) == "truncated data: expected 24 bytes for shape (3, 2) of float32, found 20")
        #expect(header(f4("(3, 2)"), data: Array(repeating: 0, count: 25)) == "1 bytes after the data (shape (3, 2) of float32 is 24 bytes)")
    }

    @Test func rolesAndLimits() throws {
        let matrix = try npy(NPYBytes.array(Array(repeating: 0, count: 12), shape: [3, 4], descr: "<f4"))
        #expect(failure { try matrix.matrix(limits: ArrayLimits(maxElements: 11, maxClasses: 10)) }
                == "shape (3, 4) has 12 elements; the limit is 11 per matrix (raise it with --max-elements)")
        #expect(failure { try matrix.matrix(limits: ArrayLimits(maxElements: 100, maxClasses: 3)) }
                == "shape (3, 4) has 4 classes; the limit is 3 (raise it with --max-classes)")
        #expect(failure { try matrix.labels(limits: roomy) } == "shape (3, 4) is not [B]: labels must be a 1-D array of class indices")
        let vector = try npy(NPYBytes.array([1, 2, 3], shape: [3], descr: "<f4"))
        #expect(failure { try vector.matrix(limits: roomy) } == "shape (3,) is not [B, K]: expected a 2-D array of B rows of K classes")
        #expect(failure { try vector.labels(limits: roomy) } == "dtype '<f4' (float32): labels must be integers (int8 to int64, uint8 to uint64)")
        let ints = try npy(NPYBytes.array([1, 2, 3, 4], shape: [2, 2], descr: "<i8"))
        #expect(failure { try ints.matrix(limits: roomy) } == "dtype '<i8' (int64) holds integers; logits and probabilities must be float16, float32 or float64")
        let labels = try npy(NPYBytes.array([1, 2, 3], shape: [3], descr: "<i8"))
        #expect(failure { try labels.labels(limits: ArrayLimits(maxElements: 2, maxClasses: 2)) } == "3 labels; the limit is 2 (raise it with --max-elements)")
        // K = 0 with a huge B declares 0 elements; B itself is still held to the limit.
        let empty = try npy(NPYBytes.file(header: f4("(100000000000, 0)"), data: []))
        #expect(failure { try empty.matrix(limits: roomy) }?.contains("the limit is 16777216 per matrix") == true)
    }
}
