import CZlib

/// A NumPy `.npz` file: a zip archive (PKWARE APPNOTE 6.3) whose members are `.npy` files named
/// after the keyword `np.savez` was given (`logits.npy`, `labels.npy`). Members are found from the
/// central directory (ZIP64 included: NumPy writes every member with ZIP64 extra fields); a stored
/// member (method 0, `np.savez`) is read in place, a deflated one (method 8,
/// `np.savez_compressed`) is inflated with zlib into a buffer sized from its `.npy` header after
/// that header has been checked against the limits. Every member's CRC-32 is verified.
public struct NPZArchive: @unchecked Sendable {
    public struct Member: Sendable, Equatable {
        /// The name without `.npy`.
        public let name: String
        public let method: Int
        public let flags: Int
        public let crc32: UInt32
        public let compressedSize: Int
        public let uncompressedSize: Int
        public let localHeaderOffset: Int
    }

    public let members: [Member]
    let bytes: UnsafeRawBufferPointer
    let owner: AnyObject

    /// Whether `bytes` starts like a zip archive (a local file header, or an empty archive).
    public static func hasMagic(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.count >= 4 && bytes[0] == 0x50 && bytes[1] == 0x4B && ((bytes[2] == 3 && bytes[3] == 4) || (bytes[2] == 5 && bytes[3] == 6))
    }

    public init(bytes: UnsafeRawBufferPointer, owner: AnyObject) throws(NumPyError) {
        self.bytes = bytes
        self.owner = owner
        let reader = ZipReader(bytes: bytes)
        members = try reader.centralDirectory()
    }

    public func member(_ name: String) -> Member? { members.first { $0.name == name } }

    /// The member as an array. `check` sees the header before the data are touched (and, for a
    /// deflated member, before the buffer for them is allocated).
    public func array(_ member: Member, check: (NPYHeader) throws(NumPyError) -> Void) throws(NumPyError) -> NPYArray {
        guard member.flags & 1 == 0 else { throw NumPyError("member \(member.name).npy is encrypted") }
        let reader = ZipReader(bytes: bytes)
        let start = try reader.dataStart(of: member)
        let (end, overflow) = start.addingReportingOverflow(member.compressedSize)
        guard !overflow, end <= bytes.count else {
            throw NumPyError("truncated data: member \(member.name).npy needs \(member.compressedSize) bytes from offset \(start), the file has \(bytes.count)")
        }
        let raw = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
        switch member.method {
        case 0:
            guard member.compressedSize == member.uncompressedSize else {
                throw NumPyError("member \(member.name).npy is stored with different compressed and uncompressed sizes")
            }
            try check(try NPYHeader(raw))
            try Self.verify(raw, member)
            return try NPYArray(bytes: raw, owner: owner)
        case 8:
            let inflated = try Inflater.inflateNPY(raw, member: member.name, declaredSize: member.uncompressedSize, check: check)
            try Self.verify(UnsafeRawBufferPointer(inflated.bytes), member)
            return try NPYArray(bytes: UnsafeRawBufferPointer(inflated.bytes), owner: inflated)
        default:
            throw NumPyError("member \(member.name).npy uses compression method \(member.method); only stored (np.savez) and deflated (np.savez_compressed) members are read")
        }
    }

    /// The CRC-32 of a member's uncompressed bytes against the central directory's.
    static func verify(_ data: UnsafeRawBufferPointer, _ member: Member) throws(NumPyError) {
        var crc: UInt = crc32(0, nil, 0)
        var offset = 0
        while offset < data.count {
            let n = min(data.count - offset, 1 << 30)
            crc = crc32(crc, data.baseAddress!.advanced(by: offset).assumingMemoryBound(to: UInt8.self), UInt32(n))
            offset += n
        }
        guard UInt32(truncatingIfNeeded: crc) == member.crc32 else {
            throw NumPyError("member \(member.name).npy is corrupt: CRC-32 \(hex(UInt32(truncatingIfNeeded: crc))), the archive says \(hex(member.crc32))")
        }
    }

    static func hex(_ v: UInt32) -> String {
        let s = String(v, radix: 16)
        return "0x" + String(repeating: "0", count: 8 - s.count) + s
    }
}

/// Little-endian field reads over the archive with every offset bounds-checked.
struct ZipReader {
    let bytes: UnsafeRawBufferPointer

    func u16(_ at: Int) throws(NumPyError) -> Int {
        guard at >= 0, at <= bytes.count - 2 else { throw NumPyError("not a valid .npz file: truncated zip structure at byte \(at)") }
        return Int(bytes[at]) | Int(bytes[at + 1]) << 8
    }

    func u32(_ at: Int) throws(NumPyError) -> Int {
        try u16(at) | (try u16(at + 2)) << 16
    }

    func u64(_ at: Int) throws(NumPyError) -> Int {
        let low = try u32(at), high = try u32(at + 4)
        guard high < 0x8000_0000 else { throw NumPyError("not a valid .npz file: a ZIP64 size or offset beyond 2^63") }
        return low | high << 32
    }

    /// The end of central directory record, searched backwards over the largest comment.
    func endOfCentralDirectory() throws(NumPyError) -> Int {
        guard bytes.count >= 22 else { throw NumPyError("not a valid .npz file: too short for a zip archive") }
        var at = bytes.count - 22
        let lowest = max(0, bytes.count - 22 - 65_535)
        while at >= lowest {
            if bytes[at] == 0x50, bytes[at + 1] == 0x4B, bytes[at + 2] == 5, bytes[at + 3] == 6 { return at }
            at -= 1
        }
        throw NumPyError("not a valid .npz file: no zip end of central directory record")
    }

    func centralDirectory() throws(NumPyError) -> [NPZArchive.Member] {
        let eocd = try endOfCentralDirectory()
        let disk = try u16(eocd + 4), directoryDisk = try u16(eocd + 6)
        guard disk == 0 || disk == 0xFFFF, directoryDisk == 0 || directoryDisk == 0xFFFF else {
            throw NumPyError("multi-disk zip archives are not supported")
        }
        var entries = try u16(eocd + 10), size = try u32(eocd + 12), offset = try u32(eocd + 16)
        if entries == 0xFFFF || size == 0xFFFF_FFFF || offset == 0xFFFF_FFFF {
            // ZIP64: the locator sits right before the end record and points at the ZIP64 end record.
            let locator = eocd - 20
            guard locator >= 0, try u32(locator) == 0x0706_4B50 else {
                throw NumPyError("not a valid .npz file: ZIP64 sizes without a ZIP64 end of central directory locator")
            }
            let record = try u64(locator + 8)
            guard try u32(record) == 0x0606_4B50 else { throw NumPyError("not a valid .npz file: bad ZIP64 end of central directory record") }
            entries = try u64(record + 32)
            size = try u64(record + 40)
            offset = try u64(record + 48)
        }
        let (end, overflow) = offset.addingReportingOverflow(size)
        guard !overflow, end <= bytes.count else { throw NumPyError("not a valid .npz file: the central directory lies beyond the end of the file") }
        var members: [NPZArchive.Member] = []
        var at = offset
        for _ in 0..<entries {
            guard at + 46 <= end, try u32(at) == 0x0201_4B50 else { throw NumPyError("not a valid .npz file: bad central directory entry at byte \(at)") }
            let flags = try u16(at + 8), method = try u16(at + 10)
            let crc = UInt32(try u32(at + 16))
            var compressed = try u32(at + 20), uncompressed = try u32(at + 24)
            let nameLength = try u16(at + 28), extraLength = try u16(at + 30), commentLength = try u16(at + 32)
            var local = try u32(at + 42)
            let nameStart = at + 46, extraStart = nameStart + nameLength
            guard extraStart + extraLength + commentLength <= end else { throw NumPyError("not a valid .npz file: a central directory entry runs past its end") }
            let rawName = String(decoding: bytes[nameStart..<extraStart], as: UTF8.self)
            // ZIP64 extended information: the 8-byte values of the fields set to 0xFFFFFFFF, in order.
            var field = extraStart
            while field + 4 <= extraStart + extraLength {
                let id = try u16(field), length = try u16(field + 2)
                guard field + 4 + length <= extraStart + extraLength else { break }
                if id == 0x0001 {
                    var value = field + 4
                    for slot in 0..<3 {
                        let is64 = slot == 0 ? uncompressed == 0xFFFF_FFFF : slot == 1 ? compressed == 0xFFFF_FFFF : local == 0xFFFF_FFFF
                        guard is64 else { continue }
                        guard value + 8 <= field + 4 + length else { throw NumPyError("not a valid .npz file: a short ZIP64 extra field") }
                        let v = try u64(value)
                        if slot == 0 { uncompressed = v } else if slot == 1 { compressed = v } else { local = v }
                        value += 8
                    }
                }
                field += 4 + length
            }
            if rawName.hasSuffix(".npy") {
                let name = String(rawName.dropLast(4))
                guard !members.contains(where: { $0.name == name }) else { throw NumPyError("member \(rawName) appears twice") }
                members.append(.init(name: name, method: method, flags: flags, crc32: crc, compressedSize: compressed,
                                     uncompressedSize: uncompressed, localHeaderOffset: local))
            } else {
                members.append(.init(name: rawName, method: method, flags: flags, crc32: crc, compressedSize: compressed,
                                     uncompressedSize: uncompressed, localHeaderOffset: local))
            }
            at = extraStart + extraLength + commentLength
        }
        return members
    }

    /// Where a member's data start: after its local header's name and extra field.
    func dataStart(of member: NPZArchive.Member) throws(NumPyError) -> Int {
        let at = member.localHeaderOffset
        guard try u32(at) == 0x0403_4B50 else { throw NumPyError("not a valid .npz file: no local header for member \(member.name) at byte \(at)") }
        return at + 30 + (try u16(at + 26)) + (try u16(at + 28))
    }
}
