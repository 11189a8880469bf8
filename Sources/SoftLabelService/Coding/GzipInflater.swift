import CZlib

/// Inflates a gzip body (RFC 1952) with zlib, holding the decompressed size to a limit.
///
/// Contract:
/// - The input is one or more gzip members back to back (RFC 1952 §2.2: "a gzip file consists of
///   a series of members"); the output is their contents concatenated. Anything after the last
///   complete member that is not the start of another member (`1f 8b`) is an error, as is an
///   empty input (no member at all) and input that ends inside a member.
/// - The output never holds more than `limit` bytes, and zlib is never asked for more than
///   `limit + 1` bytes in total: the body is inflated in chunks of at most `chunkBytes` into a
///   scratch buffer, each chunk no larger than what is left of the limit, and once the limit is
///   reached one more byte is asked for to learn whether there is more. A gzip bomb (100 MB of
///   zeros in ~100 KB) therefore costs `limit` bytes of memory and the CPU of inflating `limit`
///   bytes, then `.tooLarge`.
/// - The output buffer's capacity is managed here, never past the limit: it starts at the size the
///   last member's trailer announces (ISIZE, when that is plausible: at most 1032× the input,
///   deflate's largest ratio, and at most the limit) or 4× the input, and doubles up to the limit.
public enum GzipInflater {
    /// The scratch chunk: zlib writes at most this many bytes per call.
    public static let chunkBytes = 64 << 10
    /// Deflate's largest expansion: 258 bytes from a 2-bit code (zlib's "1032:1" worst case).
    static let maxRatio = 1032

    /// What is wrong with a gzip body.
    public enum Failure: Error, Equatable, Sendable {
        /// The decompressed body would exceed `limit` bytes (inflating stopped there).
        case tooLarge(limit: Int)
        /// The input is empty: no gzip member.
        case empty
        /// The input ends inside a member, after `bytesRead` bytes.
        case truncated(bytesRead: Int)
        /// zlib's reason ("incorrect header check", "invalid block type", "incorrect data check"
        /// for a CRC-32 mismatch, ...) at about this input offset.
        case corrupt(reason: String, offset: Int)
        /// `count` bytes after the last complete member at `offset` that do not start another one.
        case trailingData(offset: Int, count: Int)
        /// zlib could not allocate its state.
        case outOfMemory
    }

    /// The decompressed contents of `input`, or why there are none.
    public static func inflate(_ input: [UInt8], limit: Int) throws(Failure) -> [UInt8] {
        var produced = 0
        return try inflate(input, limit: limit, produced: &produced)
    }

    /// `inflate`, counting in `produced` every byte zlib wrote (the limit's test: at most `limit + 1`).
    static func inflate(_ input: [UInt8], limit: Int, produced total: inout Int) throws(Failure) -> [UInt8] {
        precondition(limit >= 0, "a negative limit")
        guard !input.isEmpty else { throw .empty }
        guard input.count >= 2, input[0] == 0x1f, input[1] == 0x8b else {
            throw .corrupt(reason: "not gzip: the body does not start with the gzip magic bytes 1f 8b", offset: 0)
        }
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer { stream.deinitialize(count: 1); stream.deallocate() }
        // zlib keeps a pointer back to the stream in its state, so the stream must not move.
        guard softlabel_inflate_init_gzip(stream) == Z_OK else { throw .outOfMemory }
        defer { inflateEnd(stream) }

        var output: [UInt8] = []
        output.reserveCapacity(initialCapacity(input, limit: limit))
        var scratch = [UInt8](repeating: 0, count: chunkBytes)
        let result: Result<[UInt8], Failure> = input.withUnsafeBufferPointer { source in
            // avail_in is 32-bit: a larger body is handed over in pieces.
            var handedOver = 0
            func position() -> Int { handedOver - Int(stream.pointee.avail_in) }
            while true {
                if stream.pointee.avail_in == 0, handedOver < source.count {
                    let piece = min(source.count - handedOver, Int(UInt32.max))
                    stream.pointee.next_in = UnsafeMutablePointer(mutating: source.baseAddress! + handedOver)
                    stream.pointee.avail_in = uInt(piece)
                    handedOver += piece
                }
                let room = limit - output.count
                let asked = room > 0 ? min(chunkBytes, room) : 1
                let status = scratch.withUnsafeMutableBufferPointer { chunk in
                    stream.pointee.next_out = chunk.baseAddress
                    stream.pointee.avail_out = uInt(asked)
                    return CZlib.inflate(stream, Z_NO_FLUSH)
                }
                let produced = asked - Int(stream.pointee.avail_out)
                total += produced
                if produced > room { return .failure(.tooLarge(limit: limit)) }
                if produced > 0 { append(scratch[..<produced], to: &output, limit: limit) }
                switch status {
                case Z_OK:
                    continue
                case Z_STREAM_END:
                    let offset = position()
                    if offset == source.count { return .success(output) }
                    let rest = source.count - offset
                    guard rest >= 2, source[offset] == 0x1f, source[offset + 1] == 0x8b else {
                        return .failure(.trailingData(offset: offset, count: rest))
                    }
                    guard inflateReset(stream) == Z_OK else { return .failure(.outOfMemory) }
                case Z_BUF_ERROR:
                    // No progress. zlib always had output room, so the input ran out inside a
                    // member (or a further piece of a > 4 GiB body is still to be handed over).
                    if stream.pointee.avail_in != 0 {
                        return .failure(.corrupt(reason: "zlib made no progress", offset: position()))
                    }
                    if handedOver == source.count { return .failure(.truncated(bytesRead: source.count)) }
                case Z_MEM_ERROR:
                    return .failure(.outOfMemory)
                default:
                    // Z_DATA_ERROR (and Z_NEED_DICT / Z_STREAM_ERROR, which a gzip stream cannot
                    // reach): zlib says what it found.
                    let reason = stream.pointee.msg.map { String(cString: $0) } ?? "zlib status \(status)"
                    return .failure(.corrupt(reason: reason, offset: position()))
                }
            }
        }
        return try result.get()
    }

    /// Appends a chunk, growing the capacity by doubling but never past `limit`.
    static func append(_ chunk: ArraySlice<UInt8>, to output: inout [UInt8], limit: Int) {
        let needed = output.count + chunk.count
        if needed > output.capacity {
            output.reserveCapacity(min(limit, max(needed, output.capacity * 2)))
        }
        output.append(contentsOf: chunk)
    }

    /// The first capacity: the last member's ISIZE when plausible, else 4× the input; at most `limit`.
    static func initialCapacity(_ input: [UInt8], limit: Int) -> Int {
        let (bound, overflow) = input.count.multipliedReportingOverflow(by: maxRatio)
        let plausible = overflow ? Int.max : bound
        var guess = input.count.multipliedReportingOverflow(by: 4).overflow ? limit : input.count * 4
        if input.count >= 18 {  // 10-byte header + empty deflate block + 8-byte trailer
            let n = input.count
            let isize = Int(input[n - 4]) | Int(input[n - 3]) << 8 | Int(input[n - 2]) << 16 | Int(input[n - 1]) << 24
            if isize > 0, isize <= plausible { guess = isize }
        }
        return min(limit, guess)
    }
}
