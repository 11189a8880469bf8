/// A Content-Length body being received: allocated once from the announced length and filled in
/// place, either by copies of bytes that arrived with the head or by socket reads straight into its
/// free tail (`receive`). A 2.7 MB body then reaches the handler with the kernel's copy only,
/// instead of a second copy out of the connection's read buffer (measured: that `memmove` was 5 %
/// of a server profile under load).
///
/// Announced lengths above `initialLimit` start at that size and double as bytes arrive, so a
/// client that announces a large body and sends nothing holds no more than `initialLimit` of
/// address space; reserved pages that no byte has reached are not resident either way.
struct FixedLengthBody {
    /// `[0, filled)` holds the body so far; `storage.count` is what is allocated (≤ `length`).
    private var storage: [UInt8] = []
    private(set) var filled = 0
    private(set) var length = 0

    init() {}

    init(length: Int, initialLimit: Int) {
        self.length = length
        storage = Self.unfilled(count: min(length, initialLimit))
    }

    var remaining: Int { length - filled }

    /// Copies `bytes` (at most `remaining` of them) after the body so far.
    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        var rest = bytes
        while !rest.isEmpty {
            let n = receive { free in
                let n = min(free.count, rest.count)
                free.baseAddress!.copyMemory(from: rest.baseAddress!, byteCount: n)
                return n
            }
            rest = UnsafeRawBufferPointer(rebasing: rest[n...])
        }
    }

    /// Lets `read` write into the free space after the body so far (non-empty, at most
    /// `remaining` bytes, so nothing past the body is ever taken from the socket) and counts the
    /// bytes it says it wrote.
    mutating func receive(_ read: (UnsafeMutableRawBufferPointer) throws -> Int) rethrows -> Int {
        precondition(remaining > 0, "FixedLengthBody.receive with the body complete")
        if filled == storage.count { grow() }
        let start = filled
        let n = try storage.withUnsafeMutableBytes { all in
            try read(UnsafeMutableRawBufferPointer(rebasing: all[start..<all.count]))
        }
        precondition(n >= 0 && n <= storage.count - start, "FixedLengthBody: read claims more than it was given")
        filled += n
        return n
    }

    /// The complete body; leaves this value empty.
    mutating func take() -> [UInt8] {
        precondition(filled == length && storage.count == length, "FixedLengthBody.take before the body is complete")
        defer { self = FixedLengthBody() }
        return storage
    }

    private mutating func grow() {
        let count = min(length, max(storage.count * 2, 4096))
        let kept = filled
        let old = storage
        storage = Self.unfilled(count: count)
        storage.withUnsafeMutableBytes { new in
            old.withUnsafeBytes { new.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: kept) }
        }
    }

    /// An array of `count` bytes that are not written here: every byte of a body is written by a
    /// copy or a read before `take` hands it out (it checks `filled == length`), and UInt8 has no
    /// invalid values. Zero-filling would cost a pass over the whole body.
    private static func unfilled(count: Int) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
    }
}
