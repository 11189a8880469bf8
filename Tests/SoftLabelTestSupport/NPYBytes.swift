/// Byte-exact `.npy` files and `.npz` (zip) archives for tests, written here from the format
/// specifications (numpy/lib/format.py; PKWARE APPNOTE 6.3) so that no test needs Python.
public enum NPYBytes {
    /// A `.npy` file: magic, `version`.0, header length (2 bytes for 1.0, 4 for 2.0/3.0), `header`
    /// padded with spaces and a newline so that the data start at a multiple of 64, then `data`.
    public static func file(header: String, data: [UInt8], version: UInt8 = 1) -> [UInt8] {
        let lengthBytes = version == 1 ? 2 : 4
        let prefix = 8 + lengthBytes
        var text = Array(header.utf8)
        let padding = (64 - (prefix + text.count + 1) % 64) % 64
        text += [UInt8](repeating: 0x20, count: padding) + [0x0A]
        var out: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, version, 0]
        for i in 0..<lengthBytes { out.append(UInt8(truncatingIfNeeded: text.count >> (8 * i))) }
        return out + text + data
    }

    /// NumPy's own header text: `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`.
    public static func header(descr: String, fortran: Bool = false, shape: [Int]) -> String {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        return "{'descr': '\(descr)', 'fortran_order': \(fortran ? "True" : "False"), 'shape': \(shapeText), }"
    }

    /// A whole `.npy` file of `values` (row-major in the caller's view) stored as `descr`
    /// ("<f4", ">f8", "<f2", "<i8", "|u1", ...), in C or Fortran order.
    public static func array(_ values: [Double], shape: [Int], descr: String, fortran: Bool = false, version: UInt8 = 1) -> [UInt8] {
        var order = Array(values.indices)
        if fortran, shape.count == 2 {
            let (rows, columns) = (shape[0], shape[1])
            order = (0..<columns).flatMap { c in (0..<rows).map { r in r * columns + c } }
        }
        var data: [UInt8] = []
        for i in order { data += element(values[i], descr: descr) }
        return file(header: header(descr: descr, fortran: fortran, shape: shape), data: data, version: version)
    }

    /// One element's bytes in `descr`'s type and byte order.
    public static func element(_ v: Double, descr: String) -> [UInt8] {
        let big = descr.hasPrefix(">")
        let type = descr.drop { "<>|=".contains($0) }
        var little: [UInt8]
        switch type {
        case "f2": little = bytes(Float16(v).bitPattern)
        case "f4": little = bytes(Float(v).bitPattern)
        case "f8": little = bytes(v.bitPattern)
        case "i1": little = bytes(Int8(v))
        case "i2": little = bytes(Int16(v))
        case "i4": little = bytes(Int32(v))
        case "i8": little = bytes(Int64(v))
        case "u1": little = bytes(UInt8(v))
        case "u2": little = bytes(UInt16(v))
        case "u4": little = bytes(UInt32(v))
        case "u8": little = bytes(UInt64(v))
        default: preconditionFailure("no test writer for \(descr)")
        }
        return big ? little.reversed() : little
    }

    public static func bytes<T: FixedWidthInteger>(_ v: T) -> [UInt8] {
        (0..<MemoryLayout<T>.size).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) }
    }

    /// A zip member: its name, the bytes as stored (`method` 0) or deflated (8), and the CRC-32
    /// and size of the uncompressed bytes.
    public struct Member {
        public var name: String
        public var method: UInt16
        public var stored: [UInt8]
        public var crc: UInt32
        public var size: Int
        /// Write sizes and offset as ZIP64 extra fields (as NumPy's `np.savez` does locally).
        public var zip64: Bool

        /// `declaredSize` overrides the uncompressed size the archive states (a lying archive).
        public init(name: String, uncompressed: [UInt8], method: UInt16 = 0, stored: [UInt8]? = nil, zip64: Bool = false,
                    declaredSize: Int? = nil) {
            self.name = name
            self.method = method
            self.stored = stored ?? uncompressed
            crc = NPYBytes.crc32(uncompressed)
            size = declaredSize ?? uncompressed.count
            self.zip64 = zip64 || size > Int(UInt32.max - 1)
        }
    }

    /// A zip archive of `members`: local headers and data, the central directory, the end record.
    public static func zip(_ members: [Member]) -> [UInt8] {
        var out: [UInt8] = [], directory: [UInt8] = []
        for m in members {
            let offset = out.count
            let name = Array(m.name.utf8)
            // ZIP64 extra fields: the local one holds both sizes, the central one the offset too.
            let localExtra: [UInt8] = m.zip64 ? bytes(UInt16(1)) + bytes(UInt16(16)) + bytes(UInt64(m.size)) + bytes(UInt64(m.stored.count)) : []
            let extra: [UInt8] = m.zip64 ? bytes(UInt16(1)) + bytes(UInt16(24)) + bytes(UInt64(m.size)) + bytes(UInt64(m.stored.count)) + bytes(UInt64(offset)) : []
            let size32 = m.zip64 ? UInt32.max : UInt32(m.size), stored32 = m.zip64 ? UInt32.max : UInt32(m.stored.count)
            out += bytes(UInt32(0x0403_4B50)) + bytes(UInt16(45)) + bytes(UInt16(0)) + bytes(m.method) + bytes(UInt32(0))
            out += bytes(m.crc) + bytes(stored32) + bytes(size32) + bytes(UInt16(name.count)) + bytes(UInt16(localExtra.count))
            out += name + localExtra
            out += m.stored
            directory += bytes(UInt32(0x0201_4B50)) + bytes(UInt16(45)) + bytes(UInt16(45)) + bytes(UInt16(0)) + bytes(m.method) + bytes(UInt32(0))
            directory += bytes(m.crc) + bytes(stored32) + bytes(size32) + bytes(UInt16(name.count)) + bytes(UInt16(extra.count))
            directory += bytes(UInt16(0)) + bytes(UInt16(0)) + bytes(UInt16(0)) + bytes(UInt32(0))
            directory += bytes(m.zip64 ? UInt32.max : UInt32(offset)) + name + extra
        }
        let start = out.count
        out += directory
        out += bytes(UInt32(0x0605_4B50)) + bytes(UInt16(0)) + bytes(UInt16(0)) + bytes(UInt16(members.count)) + bytes(UInt16(members.count))
        out += bytes(UInt32(directory.count)) + bytes(UInt32(start)) + bytes(UInt16(0))
        return out
    }

    /// CRC-32 (IEEE 802.3, reflected, as zip uses).
    public static func crc32(_ data: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in data {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
}
