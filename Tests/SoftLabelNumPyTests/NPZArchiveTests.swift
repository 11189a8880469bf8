import SoftLabelNumPy
import SoftLabelTestSupport
import Testing

/// `.npz` archives as `np.savez` (stored, ZIP64 extra fields) and `np.savez_compressed`
/// (deflated) write them, and broken ones.
@Suite struct NPZArchiveTests {
    let logits: [Double] = [1.5, -2, 0.25, 3, 0, -0.5]
    var logitsFile: [UInt8] { NPYBytes.array(logits, shape: [2, 3], descr: "<f4") }
    var labelsFile: [UInt8] { NPYBytes.array([2, 0], shape: [2], descr: "<i8") }

    func read(_ archive: NPZArchive, _ name: String) throws(NumPyError) -> NPYArray {
        guard let member = archive.member(name) else { throw NumPyError("no member \(name)") }
        return try archive.array(member) { _ throws(NumPyError) in }
    }

    @Test(arguments: [false, true])
    func storedMembers(zip64: Bool) throws {
        let archive = try npz(NPYBytes.zip([
            .init(name: "logits.npy", uncompressed: logitsFile, zip64: zip64),
            .init(name: "labels.npy", uncompressed: labelsFile, zip64: zip64),
        ]))
        #expect(archive.members.map(\.name) == ["logits", "labels"])
        #expect(try read(archive, "logits").matrix(limits: roomy).values == logits.map(Float.init))
        #expect(try read(archive, "labels").labels(limits: roomy) == [2, 0])
    }

    @Test(arguments: [Int32(0), 1, 9])
    func deflatedMembers(level: Int32) throws {
        let archive = try npz(NPYBytes.zip([
            .init(name: "logits.npy", uncompressed: logitsFile, method: 8, stored: deflated(logitsFile, level: level)),
            .init(name: "labels.npy", uncompressed: labelsFile, method: 8, stored: deflated(labelsFile, level: level), zip64: true),
        ]))
        #expect(try read(archive, "logits").matrix(limits: roomy).values == logits.map(Float.init))
        #expect(try read(archive, "labels").labels(limits: roomy) == [2, 0])
    }

    @Test func largeDeflatedMember() throws {
        var g = SeededGenerator(seed: SeededGenerator.seed(default: 7))
        let values = (0..<300_000).map { _ in Double(Float.random(in: -5...5, using: &g)) }
        let file = NPYBytes.array(values, shape: [30_000, 10], descr: ">f8", fortran: true, version: 2)
        let archive = try npz(NPYBytes.zip([.init(name: "logits.npy", uncompressed: file, method: 8, stored: deflated(file))]))
        #expect(try read(archive, "logits").matrix(limits: roomy).values == values.map(Float.init))
    }

    /// A deflated member that declares a huge shape is refused from its header, before the
    /// buffer for its data is allocated (the stream here is a few hundred bytes).
    @Test func deflatedHugeShapeIsCheckedFirst() throws {
        let header = NPYBytes.file(header: "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000, 1000), }", data: Array(repeating: 0, count: 4096))
        let archive = try npz(NPYBytes.zip([.init(name: "logits.npy", uncompressed: header, method: 8, stored: deflated(header))]))
        let member = try #require(archive.member("logits"))
        var seen: [Int] = []
        let message = failure { try archive.array(member) { h throws(NumPyError) in seen = h.shape; _ = try h.checkMatrix(roomy) } }
        #expect(seen == [1_000_000_000, 1000])
        #expect(message == "shape (1000000000, 1000) has 1000000000000 elements; the limit is 16777216 per matrix (raise it with --max-elements)")
        // Without the check, the header's size must still be the archive's, and within what the
        // compressed bytes can inflate to: nothing is allocated for it either way.
        #expect(failure { try archive.array(member) { _ throws(NumPyError) in } }
                == "member logits.npy: its .npy header declares 8000000000128 bytes, the archive 4224")
        let lying = NPYBytes.Member(name: "logits.npy", uncompressed: header, method: 8, stored: deflated(header), declaredSize: 8_000_000_000_128)
        let claim = try npz(NPYBytes.zip([lying]))
        #expect(failure { try claim.array(try #require(claim.member("logits"))) { _ throws(NumPyError) in } }?
                .hasPrefix("truncated data: member logits.npy declares 8000000000128 bytes, more than its") == true)
    }

    @Test func corruptArchives() throws {
        var stored = NPYBytes.zip([.init(name: "logits.npy", uncompressed: logitsFile)])
        stored[30 + 10 + 128 + 5] ^= 0xFF  // local header, name, .npy header: a data byte
        #expect(failure { try read(npz(stored), "logits") }?.hasPrefix("member logits.npy is corrupt: CRC-32") == true)

        // A deflate stream cut short: in the header, then in the data (random, so incompressible).
        var member = NPYBytes.Member(name: "logits.npy", uncompressed: logitsFile, method: 8, stored: deflated(logitsFile))
        member.stored = Array(member.stored.prefix(member.stored.count / 2))
        #expect(failure { try read(npz(NPYBytes.zip([member])), "logits") }?.hasPrefix("truncated header: expected 128 bytes, found") == true)
        var g = SeededGenerator(seed: 3)
        let noisy = NPYBytes.array((0..<1000).map { _ in Double.random(in: -1...1, using: &g) }, shape: [100, 10], descr: "<f8")
        var cutData = NPYBytes.Member(name: "logits.npy", uncompressed: noisy, method: 8, stored: deflated(noisy))
        cutData.stored = Array(cutData.stored.prefix(cutData.stored.count * 4 / 5))
        let cut = failure { try read(npz(NPYBytes.zip([cutData])), "logits") }
        #expect(cut?.hasPrefix("truncated data: expected 8000 bytes for shape (100, 10) of float64 in member logits.npy, found") == true, "\(cut ?? "")")

        let garbage = NPYBytes.Member(name: "logits.npy", uncompressed: logitsFile, method: 8, stored: Array(repeating: 0xFF, count: 64))
        #expect(failure { try read(npz(NPYBytes.zip([garbage])), "logits") }?.contains("corrupt deflate data") == true)

        let bzip = NPYBytes.Member(name: "logits.npy", uncompressed: logitsFile, method: 12)
        #expect(failure { try read(npz(NPYBytes.zip([bzip])), "logits") }?.contains("compression method 12") == true)

        // More inflated bytes than the header declares (the archive agreeing with the header).
        let long = logitsFile + [0, 0, 0, 0]
        let tooLong = NPYBytes.Member(name: "logits.npy", uncompressed: long, method: 8, stored: deflated(long), declaredSize: logitsFile.count)
        #expect(failure { try read(npz(NPYBytes.zip([tooLong])), "logits") } == "member logits.npy holds more data than its header declares (shape (2, 3) of float32)")
        let disagree = NPYBytes.Member(name: "logits.npy", uncompressed: long, method: 8, stored: deflated(long))
        #expect(failure { try read(npz(NPYBytes.zip([disagree])), "logits") } == "member logits.npy: its .npy header declares 152 bytes, the archive 156")

        let whole = NPYBytes.zip([.init(name: "logits.npy", uncompressed: logitsFile)])
        #expect(failure { try npz(Array(whole.prefix(whole.count - 30))) } == "not a valid .npz file: no zip end of central directory record")
        #expect(failure { try npz(Array(whole.prefix(10))) } == "not a valid .npz file: too short for a zip archive")
        var badOffset = whole
        badOffset[badOffset.count - 6] = 0xF0  // the central directory's offset → past the end
        #expect(failure { try npz(badOffset) } == "not a valid .npz file: the central directory lies beyond the end of the file")
    }

    @Test func duplicateMembers() {
        let twice = NPYBytes.zip([.init(name: "labels.npy", uncompressed: labelsFile), .init(name: "labels.npy", uncompressed: labelsFile)])
        #expect(failure { try npz(twice) } == "member labels.npy appears twice")
    }
}
