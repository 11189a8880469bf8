#if canImport(Glibc)
import Glibc
#endif

/// A file's bytes, read-only: a regular file is memory-mapped (`mmap` with `PROT_READ`,
/// `MAP_PRIVATE`), so a large `.npy` is converted straight from the page cache instead of being
/// read into a buffer first; anything else (a pipe, `/dev/stdin`) is read into memory, up to
/// `maxReadBytes`. The bytes live as long as this object.
public final class MappedFile: @unchecked Sendable {
    public let bytes: UnsafeRawBufferPointer
    private let isMapped: Bool

    public init(path: String, maxReadBytes: Int) throws(NumPyError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw NumPyError("cannot open: \(Self.lastError())") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw NumPyError("cannot stat: \(Self.lastError())") }
        let type = info.st_mode & S_IFMT
        if type == S_IFDIR { throw NumPyError("is a directory") }
        if type == S_IFREG {
            let size = Int(info.st_size)
            isMapped = size > 0
            guard size > 0 else {
                bytes = UnsafeRawBufferPointer(start: nil, count: 0)
                return
            }
            guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), base != MAP_FAILED else {
                throw NumPyError("cannot map \(size) bytes: \(Self.lastError())")
            }
            _ = madvise(base, size, MADV_SEQUENTIAL)
            bytes = UnsafeRawBufferPointer(start: base, count: size)
            return
        }
        isMapped = false
        bytes = try Self.readAll(fd, limit: maxReadBytes)
    }

    /// Tells the kernel the pages wholly inside `range` will not be read again: they leave this
    /// process's resident set (the page cache keeps them), so converting a mapped file does not
    /// hold the file and the matrix in memory at once. The mapping stays valid.
    public func release(_ range: UnsafeRawBufferPointer) {
        guard isMapped, let start = range.baseAddress, range.count > 0 else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let from = (Int(bitPattern: start) + page - 1) / page * page
        let to = (Int(bitPattern: start) + range.count) / page * page
        guard to > from, let pointer = UnsafeMutableRawPointer(bitPattern: from) else { return }
        _ = madvise(pointer, to - from, MADV_DONTNEED)
    }

    deinit {
        guard let base = bytes.baseAddress else { return }
        if isMapped {
            munmap(UnsafeMutableRawPointer(mutating: base), bytes.count)
        } else {
            UnsafeMutableRawPointer(mutating: base).deallocate()
        }
    }

    private static func readAll(_ fd: Int32, limit: Int) throws(NumPyError) -> UnsafeRawBufferPointer {
        var capacity = 1 << 16
        var buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
        var count = 0
        while true {
            if count == capacity {
                guard capacity <= limit else {
                    buffer.deallocate()
                    throw NumPyError("more than \(limit) bytes: too large for the limits (--max-elements)")
                }
                let bigger = UnsafeMutableRawPointer.allocate(byteCount: capacity * 2, alignment: 16)
                bigger.copyMemory(from: buffer, byteCount: count)
                buffer.deallocate()
                buffer = bigger
                capacity *= 2
            }
            let n = read(fd, buffer + count, capacity - count)
            if n < 0 {
                if errno == EINTR { continue }
                let message = lastError()
                buffer.deallocate()
                throw NumPyError("cannot read: \(message)")
            }
            if n == 0 { break }
            count += n
        }
        return UnsafeRawBufferPointer(start: buffer, count: count)
    }

    private static func lastError() -> String { String(cString: strerror(errno)) }
}
