import Testing
import SoftLabelTestSupport
@testable import SoftLabelService

/// The inflater's contract: RFC 1952 members (one or several), every malformation named, and the
/// decompressed size held to the limit without zlib producing more than `limit + 1` bytes.
@Suite struct GzipInflaterTests {
    /// `printf hello | gzip -n` (GNU gzip 1.12): an independent encoder.
    static let hello: [UInt8] = [
        0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xcb, 0x48,
        0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x86, 0xa6, 0x10, 0x36, 0x05, 0x00, 0x00, 0x00,
    ]
    /// `(printf hel | gzip -n; printf lo | gzip -n)`: two members, one body "hello".
    static let helloInTwoMembers: [UInt8] = [
        0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xcb, 0x48,
        0xcd, 0x01, 0x00, 0x1b, 0xf1, 0x0b, 0xe5, 0x03, 0x00, 0x00, 0x00, 0x1f,
        0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xcb, 0xc9, 0x07,
        0x00, 0x9d, 0x4a, 0x9c, 0x55, 0x02, 0x00, 0x00, 0x00,
    ]

    /// Text-like bytes that compress about as JSON numbers do.
    static func sample(_ count: Int, seed: UInt64 = 7) -> [UInt8] {
        var g = SeededGenerator(seed: seed)
        let alphabet = Array("0123456789.,-[]e".utf8)
        return (0..<count).map { _ in alphabet[Int(g.next() % UInt64(alphabet.count))] }
    }

    @Test func readsWhatGNUGzipWrites() throws {
        #expect(try GzipInflater.inflate(Self.hello, limit: 100) == Array("hello".utf8))
        #expect(try GzipInflater.inflate(Self.helloInTwoMembers, limit: 100) == Array("hello".utf8))
    }

    @Test(arguments: [0, 1, 1000, GzipInflater.chunkBytes - 1, GzipInflater.chunkBytes, GzipInflater.chunkBytes + 1, 300_000])
    func roundTripsEveryLevelAndSize(count: Int) throws {
        let data = Self.sample(count)
        for level: Int32 in [1, 6, 9] {
            let gz = GzipDeflater.deflate(data, level: level)
            #expect(Array(gz.prefix(3)) == [0x1f, 0x8b, 0x08], "a gzip member: magic and deflate method")
            #expect(try GzipInflater.inflate(gz, limit: count) == data)
        }
    }

    @Test func concatenatedMembersAreOneBody() throws {
        let parts = [Self.sample(70_000, seed: 1), Self.sample(0), Self.sample(5, seed: 2), Self.sample(200_000, seed: 3)]
        let gz = parts.flatMap { GzipDeflater.deflate($0, level: 1) }
        let whole = parts.flatMap { $0 }
        #expect(try GzipInflater.inflate(gz, limit: whole.count) == whole)
        #expect(throws: GzipInflater.Failure.tooLarge(limit: whole.count - 1)) { try GzipInflater.inflate(gz, limit: whole.count - 1) }
    }

    /// The limit is exact, across chunk boundaries: `n` bytes pass a limit of `n` and fail `n - 1`,
    /// and zlib is never asked for more than one byte past the limit.
    @Test(arguments: [1, 5, GzipInflater.chunkBytes, 3 * GzipInflater.chunkBytes + 5])
    func limitIsExact(count: Int) throws {
        let data = Self.sample(count)
        let gz = GzipDeflater.deflate(data, level: 6)
        var produced = 0
        #expect(try GzipInflater.inflate(gz, limit: count, produced: &produced) == data)
        #expect(produced == count)
        for limit in [count - 1, count / 2, 0] where limit < count {
            produced = 0
            #expect(throws: GzipInflater.Failure.tooLarge(limit: limit)) {
                try GzipInflater.inflate(gz, limit: limit, produced: &produced)
            }
            #expect(produced == limit + 1, "zlib produced \(produced) bytes for a limit of \(limit)")
        }
        #expect(try GzipInflater.inflate(GzipDeflater.deflate([], level: 1), limit: 0) == [])
    }

    /// 100 MB of zeros in 100 members of 1 MB (~1 KB each): stopped at the limit.
    @Test func bombStopsAtTheLimit() throws {
        let member = GzipDeflater.deflate([UInt8](repeating: 0, count: 1 << 20), level: 9)
        let bomb = (0..<100).flatMap { _ in member }
        #expect(bomb.count < 200_000)
        let limit = 3 << 20
        var produced = 0
        #expect(throws: GzipInflater.Failure.tooLarge(limit: limit)) {
            try GzipInflater.inflate(bomb, limit: limit, produced: &produced)
        }
        #expect(produced == limit + 1)
    }

    /// The output's capacity: sized from the trailer when it is honest, never past the limit.
    @Test func outputCapacityStaysWithinTheLimit() throws {
        let data = Self.sample(1_000_000)
        let gz = GzipDeflater.deflate(data, level: 1)
        #expect(GzipInflater.initialCapacity(gz, limit: 64 << 20) == data.count)
        #expect(GzipInflater.initialCapacity(gz, limit: 10) == 10)
        let out = try GzipInflater.inflate(gz, limit: 64 << 20)
        #expect(out.capacity < data.count + 16 << 10)
        // A lying trailer (ISIZE 2^32 - 1 on a tiny input) is not believed.
        var liar = Self.hello
        liar.replaceSubrange(liar.count - 4..<liar.count, with: [0xff, 0xff, 0xff, 0xff])
        #expect(GzipInflater.initialCapacity(liar, limit: 1 << 40) == liar.count * 4)
        // Several members (the trailer tells only the last one's size) grow by doubling, capped.
        let members = (0..<8).flatMap { _ in GzipDeflater.deflate(Self.sample(100_000), level: 1) }
        let grown = try GzipInflater.inflate(members, limit: 800_000)
        #expect(grown.count == 800_000)
        #expect(grown.capacity < 800_000 + 16 << 10)
    }

    @Test func malformedBodiesAreNamed() throws {
        #expect(throws: GzipInflater.Failure.empty) { try GzipInflater.inflate([], limit: 10) }
        for prefix in 2..<Self.hello.count {
            #expect(throws: GzipInflater.Failure.truncated(bytesRead: prefix)) {
                try GzipInflater.inflate(Array(Self.hello.prefix(prefix)), limit: 100)
            }
        }
        func reason(_ bytes: [UInt8]) -> String? {
            do {
                _ = try GzipInflater.inflate(bytes, limit: 100)
                return nil
            } catch {
                if case .corrupt(let reason, _) = error { return reason }
                return "\(error)"
            }
        }
        #expect(reason(Array(#"{"labels": [0]}"#.utf8))?.contains("magic bytes 1f 8b") == true)
        #expect(reason([0x78, 0x9c, 0xcb, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]) == "not gzip: the body does not start with the gzip magic bytes 1f 8b")
        var badCRC = Self.hello
        badCRC[badCRC.count - 8] ^= 1
        #expect(reason(badCRC) == "incorrect data check")
        var badLength = Self.hello
        badLength[badLength.count - 4] ^= 1
        #expect(reason(badLength) == "incorrect length check")
        var badMethod = Self.hello
        badMethod[2] = 7
        #expect(reason(badMethod) == "unknown compression method")
        // Trailing bytes that do not start a member; a member start that ends at once is truncated.
        #expect(throws: GzipInflater.Failure.trailingData(offset: 25, count: 1)) { try GzipInflater.inflate(Self.hello + [0], limit: 100) }
        #expect(throws: GzipInflater.Failure.trailingData(offset: 25, count: 1)) { try GzipInflater.inflate(Self.hello + [0x1f], limit: 100) }
        #expect(throws: GzipInflater.Failure.trailingData(offset: 25, count: 4)) { try GzipInflater.inflate(Self.hello + Array("junk".utf8), limit: 100) }
        #expect(throws: GzipInflater.Failure.truncated(bytesRead: 27)) { try GzipInflater.inflate(Self.hello + [0x1f, 0x8b], limit: 100) }
    }

    @Test func failuresBecomeTheAPIsErrors() {
        let big = ServiceError.gzip(.tooLarge(limit: 1000))
        #expect(big.status == 413 && big.code == "body_too_large")
        #expect(big.message.contains("more than 1000 bytes") && big.message.contains("decompressed"))
        #expect(big.message.contains("--max-body-bytes") && big.message.contains("SOFTLABEL_MAX_BODY_BYTES"))
        for failure in [GzipInflater.Failure.empty, .truncated(bytesRead: 3), .corrupt(reason: "incorrect data check", offset: 9),
                        .trailingData(offset: 25, count: 1)] {
            let e = ServiceError.gzip(failure)
            #expect(e.status == 400 && e.code == "invalid_gzip", "\(failure)")
        }
        #expect(ServiceError.gzip(.corrupt(reason: "incorrect data check", offset: 9)).message.contains("incorrect data check"))
    }
}
