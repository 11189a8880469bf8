// The one place where SoftLabelHTTP talks to the kernel.
//
// Modelled on SwiftNIO's `NIOPosix/System.swift`: every call goes through `syscall`, which retries
// EINTR, reports EAGAIN/EWOULDBLOCK as `.wouldBlock` instead of an error, and throws a typed
// `IOError(errno:reason:)` for everything else. No raw `errno` checks anywhere else in the module.

import Glibc

/// A failed system call: the `errno` it set and the call's name.
public struct IOError: Error, Sendable, CustomStringConvertible {
    public var errno: Int32
    public var reason: String

    public init(errno: Int32, reason: String) {
        self.errno = errno
        self.reason = reason
    }

    public var description: String {
        "\(reason) failed: \(String(cString: strerror(errno))) (errno \(errno))"
    }
}

/// The outcome of a non-blocking call: done with a value, or the kernel would have blocked.
enum IOResult<Value> {
    case processed(Value)
    case wouldBlock
}

/// Runs `body` until it does not fail with EINTR. Negative results become `IOError`, except
/// EAGAIN/EWOULDBLOCK which become `.wouldBlock`.
@inline(__always)
func syscall<T: FixedWidthInteger>(_ reason: @autoclosure () -> String, _ body: () -> T) throws -> IOResult<T> {
    while true {
        let result = body()
        if result >= 0 { return .processed(result) }
        let code = errno
        switch code {
        case EINTR: continue
        case EAGAIN, EWOULDBLOCK: return .wouldBlock
        default: throw IOError(errno: code, reason: reason())
        }
    }
}

/// Like `syscall`, for calls that must not report EAGAIN (setup calls on blocking paths).
@inline(__always)
@discardableResult
func syscallOrThrow<T: FixedWidthInteger>(_ reason: @autoclosure () -> String, _ body: () -> T) throws -> T {
    switch try syscall(reason(), body) {
    case .processed(let value): return value
    case .wouldBlock: throw IOError(errno: EAGAIN, reason: reason())
    }
}

/// Thin, typed wrappers over the calls the server makes.
enum Posix {
    static func socket(domain: Int32) throws -> Int32 {
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        return try syscallOrThrow("socket") { Glibc.socket(domain, type, 0) }
    }

    static func setOption(_ fd: Int32, level: Int32, name: Int32, value: Int32) throws {
        var value = value
        try syscallOrThrow("setsockopt") {
            setsockopt(fd, level, name, &value, socklen_t(MemoryLayout<Int32>.size))
        }
    }

    static func bind(_ fd: Int32, address: UnsafePointer<sockaddr>, length: socklen_t) throws {
        try syscallOrThrow("bind") { Glibc.bind(fd, address, length) }
    }

    static func listen(_ fd: Int32, backlog: Int32) throws {
        try syscallOrThrow("listen") { Glibc.listen(fd, backlog) }
    }

    /// Accepts one connection and makes it non-blocking and close-on-exec (`accept4` is not
    /// exported by the Glibc module, so this takes two `fcntl`s).
    static func accept(_ fd: Int32) throws -> IOResult<Int32> {
        let result = try syscall("accept") { Glibc.accept(fd, nil, nil) }
        guard case .processed(let client) = result else { return result }
        do {
            let flags = try syscallOrThrow("fcntl(F_GETFL)") { fcntl(client, F_GETFL) }
            try syscallOrThrow("fcntl(F_SETFL)") { fcntl(client, F_SETFL, flags | O_NONBLOCK) }
            try syscallOrThrow("fcntl(F_SETFD)") { fcntl(client, F_SETFD, FD_CLOEXEC) }
        } catch {
            close(client)
            throw error
        }
        return result
    }

    static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) throws -> IOResult<Int> {
        try syscall("read") { Glibc.read(fd, buffer.baseAddress, buffer.count) }
    }

    /// Gathers up to two buffers into one `sendmsg` (no SIGPIPE: `MSG_NOSIGNAL`).
    static func send(_ fd: Int32, _ first: UnsafeRawBufferPointer, _ second: UnsafeRawBufferPointer) throws -> IOResult<Int> {
        var vectors = (
            iovec(iov_base: UnsafeMutableRawPointer(mutating: first.baseAddress), iov_len: first.count),
            iovec(iov_base: UnsafeMutableRawPointer(mutating: second.baseAddress), iov_len: second.count)
        )
        let count = second.isEmpty ? 1 : 2
        return try withUnsafeMutableBytes(of: &vectors) { raw in
            var message = msghdr()
            message.msg_iov = raw.baseAddress!.assumingMemoryBound(to: iovec.self)
            message.msg_iovlen = count
            return try syscall("sendmsg") { sendmsg(fd, &message, Int32(MSG_NOSIGNAL)) }
        }
    }

    static func shutdownWrite(_ fd: Int32) {
        _ = Glibc.shutdown(fd, Int32(SHUT_WR))
    }

    /// Closes `fd`. EINTR is not retried: on Linux the descriptor is released even then.
    static func close(_ fd: Int32) {
        _ = Glibc.close(fd)
    }

    static func localPort(_ fd: Int32) throws -> Int {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = try withUnsafeMutablePointer(to: &storage) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                try syscallOrThrow("getsockname") { getsockname(fd, address, &length) }
            }
        }
        return SocketAddress(storage: storage).port
    }

    static func peerAddress(_ fd: Int32) -> SocketAddress? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(fd, $0, &length) }
        }
        return result == 0 ? SocketAddress(storage: storage) : nil
    }
}
