import CZlib

/// Compresses a body into one gzip member (RFC 1952) with zlib.
///
/// The output buffer is allocated once at `deflateBound` (zlib's upper bound of the compressed
/// size for these settings), so the whole body is compressed without regrowing; bodies over
/// 4 GiB are handed to zlib in pieces (its counters are 32-bit).
public enum GzipDeflater {
    /// The gzip member of `input` at `level` (1 fastest ... 9 smallest; zlib's default is 6).
    public static func deflate(_ input: [UInt8], level: Int32) -> [UInt8] {
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer { stream.deinitialize(count: 1); stream.deallocate() }
        // zlib keeps a pointer back to the stream in its state, so the stream must not move.
        guard softlabel_deflate_init_gzip(stream, level) == Z_OK else {
            // Only an invalid level or no memory: the level is the caller's constant.
            preconditionFailure("deflateInit2 failed (level \(level))")
        }
        defer { deflateEnd(stream) }
        let bound = Int(deflateBound(stream, uLong(input.count)))
        return input.withUnsafeBufferPointer { source in
            [UInt8](unsafeUninitializedCapacity: bound) { out, written in
                var handedIn = 0, handedOut = 0
                while true {
                    if stream.pointee.avail_in == 0, handedIn < source.count {
                        let piece = min(source.count - handedIn, Int(UInt32.max))
                        stream.pointee.next_in = UnsafeMutablePointer(mutating: source.baseAddress! + handedIn)
                        stream.pointee.avail_in = uInt(piece)
                        handedIn += piece
                    }
                    if stream.pointee.avail_out == 0 {
                        let piece = min(bound - handedOut, Int(UInt32.max))
                        precondition(piece > 0, "deflateBound was exceeded")
                        stream.pointee.next_out = out.baseAddress! + handedOut
                        stream.pointee.avail_out = uInt(piece)
                        handedOut += piece
                    }
                    let flush = handedIn == source.count ? Z_FINISH : Z_NO_FLUSH
                    let status = CZlib.deflate(stream, flush)
                    if status == Z_STREAM_END { break }
                    precondition(status == Z_OK || status == Z_BUF_ERROR, "deflate failed (\(status))")
                }
                written = handedOut - Int(stream.pointee.avail_out)
            }
        }
    }
}
