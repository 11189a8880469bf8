/// The layout of one fuzz input:
///
/// ```
/// [route] [flags] [n] [n mutations of 5 bytes] [seed request ...]
/// ```
///
/// - `route`: index into `FuzzRoute.all` (modulo its count).
/// - `flags`: bits 0-2 zero picks the service's default configuration (1 input in 8), any other
///   value the small one (`FuzzTarget.smallConfiguration`); bit 3 sends the seed bytes verbatim
///   (no parsing, no mutations: libFuzzer's own byte mutations are then the only ones; on a
///   binary route the first 4 mutation bytes are the header length, little-endian).
/// - the mutations (`Mutation`) are applied in order to the parsed seed request. A seed that does
///   not parse as JSON (libFuzzer broke it) is sent as it is.
///
/// Every field is read leniently, so any byte string is an input.
struct FuzzInput {
    static let mutationSize = 5

    var route: UInt8
    var flags: UInt8
    var mutations: [UInt8]
    var seed: ArraySlice<UInt8>

    init(route: UInt8, flags: UInt8, mutations: [UInt8] = [], seed: ArraySlice<UInt8>) {
        self.route = route
        self.flags = flags
        self.mutations = mutations
        self.seed = seed
    }

    init(_ bytes: [UInt8]) {
        route = bytes.count > 0 ? bytes[0] : 0
        flags = bytes.count > 1 ? bytes[1] : 1
        let n = bytes.count > 2 ? Int(bytes[2]) : 0
        let start = min(3, bytes.count)
        let end = min(bytes.count, start + n * Self.mutationSize)
        mutations = Array(bytes[start..<end])
        seed = bytes[end...]
    }

    var encoded: [UInt8] {
        precondition(mutations.count % Self.mutationSize == 0 && mutations.count / Self.mutationSize <= 255)
        return [route, flags, UInt8(mutations.count / Self.mutationSize)] + mutations + seed
    }

    var fuzzRoute: FuzzRoute { FuzzRoute.all[Int(route) % FuzzRoute.all.count] }
    var usesDefaultConfiguration: Bool { flags & 7 == 0 }
    var isVerbatim: Bool { flags & 8 != 0 }

    /// The header length of a verbatim binary input: the first 4 mutation bytes, else none.
    var verbatimHeaderLength: Int? {
        guard mutations.count >= 4 else { return nil }
        return mutations.prefix(4).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
    }

    /// The mutations, each as (opcode, selector, a, b).
    var operations: [(op: UInt8, selector: Int, a: UInt8, b: UInt8)] {
        stride(from: 0, to: mutations.count - Self.mutationSize + 1, by: Self.mutationSize).map { i in
            (mutations[i], Int(mutations[i + 1]) | Int(mutations[i + 2]) << 8, mutations[i + 3], mutations[i + 4])
        }
    }
}
