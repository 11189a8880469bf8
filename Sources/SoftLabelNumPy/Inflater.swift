import CZlib

/// A buffer that owns inflated bytes (the `owner` of an inflated `.npz` member's array).
final class OwnedBytes: @unchecked Sendable {
    let bytes: UnsafeMutableRawBufferPointer

    init(count: Int) {
        bytes = .allocate(byteCount: count, alignment: 64)
    }

    deinit { bytes.deallocate() }
}

/// Raw deflate (RFC 1951, zip method 8) through zlib, for `np.savez_compressed` members.
enum Inflater {
    /// Inflates a member that holds one `.npy` file in two steps: first just enough for the
    /// header (at most `NPYHeader.maxHeaderBytes` + 12 bytes), which `check` judges; then, into a
    /// buffer of exactly header + declared data bytes (allocated only now, and only when that
    /// size is the archive's `declaredSize` too and within deflate's 1032:1 ratio of the
    /// compressed bytes), the rest. Output shorter than declared is truncated data; longer is an
    /// error.
    static func inflateNPY(_ compressed: UnsafeRawBufferPointer, member: String, declaredSize: Int,
                           check: (NPYHeader) throws(NumPyError) -> Void) throws(NumPyError) -> OwnedBytes {
        let stream = Stream(compressed)
        let prefix = OwnedBytes(count: NPYHeader.prefixBytes)
        var produced = try stream.inflate(into: prefix.bytes, member: member)
        let offset = try NPYHeader.dataOffset(prefix: UnsafeRawBufferPointer(rebasing: prefix.bytes[..<produced]))
        // A header shorter than the prefix leaves data bytes in it: they are kept.
        let headerBytes = OwnedBytes(count: max(offset, produced))
        headerBytes.bytes.copyMemory(from: UnsafeRawBufferPointer(rebasing: prefix.bytes[..<produced]))
        if offset > produced {
            produced += try stream.inflate(into: UnsafeMutableRawBufferPointer(rebasing: headerBytes.bytes[produced..<offset]), member: member)
        }
        let header = try NPYHeader(UnsafeRawBufferPointer(rebasing: headerBytes.bytes[..<produced]))
        try check(header)
        let (total, overflow) = offset.addingReportingOverflow(header.byteCount)
        guard !overflow, total == declaredSize else {
            throw NumPyError("member \(member).npy: its .npy header declares \(overflow ? "more than 2^63" : String(total)) bytes, the archive \(declaredSize)")
        }
        // Deflate expands at most 1032:1 (RFC 1951's longest match per 258 bytes of output in
        // ~2 bits): a larger claim cannot be backed by the compressed bytes in the file.
        guard total / 1032 <= compressed.count + 64 else {
            throw NumPyError("truncated data: member \(member).npy declares \(total) bytes, more than its \(compressed.count) compressed bytes can hold")
        }
        guard produced <= total else {
            throw NumPyError("member \(member).npy holds more data than its header declares (shape \(header.shapeText) of \(header.dtype.name))")
        }
        let whole = OwnedBytes(count: total)
        whole.bytes.copyMemory(from: UnsafeRawBufferPointer(rebasing: headerBytes.bytes[..<produced]))
        if total > produced {
            produced += try stream.inflate(into: UnsafeMutableRawBufferPointer(rebasing: whole.bytes[produced..<total]), member: member)
        }
        guard produced == total else {
            throw NumPyError("truncated data: expected \(header.byteCount) bytes for shape \(header.shapeText) of \(header.dtype.name) in member \(member).npy, found \(produced - offset)")
        }
        if !stream.atEnd {
            // Full: one more byte tells whether the stream ends here or holds more.
            let probe = OwnedBytes(count: 1)
            if try stream.inflate(into: probe.bytes, member: member) > 0 {
                throw NumPyError("member \(member).npy holds more data than its header declares (shape \(header.shapeText) of \(header.dtype.name))")
            }
            guard stream.atEnd else { throw NumPyError("member \(member).npy: the deflate stream is cut short after the data") }
        }
        return whole
    }

    /// One zlib inflate stream. The `z_stream` lives on the heap: zlib keeps a pointer back to
    /// it and refuses to continue if it moves.
    final class Stream {
        let z: UnsafeMutablePointer<z_stream>
        private(set) var atEnd = false
        let input: UnsafeRawBufferPointer
        var consumedInput = 0

        init(_ input: UnsafeRawBufferPointer) {
            self.input = input
            z = .allocate(capacity: 1)
            z.initialize(to: z_stream())
            // windowBits -15: raw deflate, no zlib header (zip's method 8).
            _ = inflateInit2_(z, -15, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        }

        deinit {
            inflateEnd(z)
            z.deallocate()
        }

        /// Fills `output` as far as the stream goes; returns the bytes written.
        func inflate(into output: UnsafeMutableRawBufferPointer, member: String) throws(NumPyError) -> Int {
            var written = 0
            while written < output.count, !atEnd {
                let inChunk = min(input.count - consumedInput, Int(UInt32.max >> 1))
                let outChunk = min(output.count - written, Int(UInt32.max >> 1))
                z.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.advanced(by: consumedInput).assumingMemoryBound(to: UInt8.self))
                z.pointee.avail_in = UInt32(inChunk)
                z.pointee.next_out = output.baseAddress!.advanced(by: written).assumingMemoryBound(to: UInt8.self)
                z.pointee.avail_out = UInt32(outChunk)
                let status = CZlib.inflate(z, Z_NO_FLUSH)
                let used = inChunk - Int(z.pointee.avail_in), made = outChunk - Int(z.pointee.avail_out)
                consumedInput += used
                written += made
                switch status {
                case Z_STREAM_END: atEnd = true
                case Z_OK, Z_BUF_ERROR:
                    // No progress: the compressed bytes ran out before the stream ended.
                    if used == 0 && made == 0 { return written }
                default:
                    let reason = z.pointee.msg.map { String(cString: $0) } ?? "zlib status \(status)"
                    throw NumPyError("member \(member).npy: corrupt deflate data (\(reason))")
                }
            }
            return written
        }
    }
}
