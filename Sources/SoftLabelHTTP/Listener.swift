import Dispatch

import Glibc

/// The listening socket: IPv4 or IPv6 (the wildcard "::" dual-stack), `SO_REUSEADDR`,
/// non-blocking, accepting from a Dispatch read source.
///
/// `@unchecked Sendable`: `source` is touched only on `queue`; `fd` and `port` are constants.
final class Listener: @unchecked Sendable {
    let fd: Int32
    let port: Int
    private let queue = DispatchQueue(label: "softlabel.http.accept")
    private var source: DispatchSourceRead?
    private var suspended = false

    /// After EMFILE/ENFILE (out of descriptors) accepting pauses this long instead of spinning.
    static let acceptBackoffMilliseconds = 100

    init(host: String, port: Int, backlog: Int) throws {
        guard let address = SocketAddress(host: host, port: port) else {
            throw HTTPServerError.invalidAddress(host: host, port: port)
        }
        let fd = try Posix.socket(domain: address.domain)
        do {
            try Posix.setOption(fd, level: SOL_SOCKET, name: SO_REUSEADDR, value: 1)
            if address.family == .ipv6 {
                // "::" takes IPv4 too; "::1" and other literals stay IPv6-only.
                try Posix.setOption(fd, level: Int32(IPPROTO_IPV6), name: IPV6_V6ONLY, value: address.isIPv6Wildcard ? 0 : 1)
            }
            var storage = address.storage
            try withUnsafePointer(to: &storage) { pointer in
                try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { try Posix.bind(fd, address: $0, length: address.length) }
            }
            try Posix.listen(fd, backlog: Int32(clamping: backlog))
            self.port = try Posix.localPort(fd)
        } catch {
            Posix.close(fd)
            throw error
        }
        self.fd = fd
    }

    /// Calls `onAccept` on the accept queue with each new non-blocking socket.
    func startAccepting(_ onAccept: @escaping @Sendable (Int32) -> Void) {
        queue.async { [self] in
            let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
            source.setEventHandler { [unowned self] in self.acceptAll(onAccept) }
            source.setCancelHandler { [fd] in Posix.close(fd) }
            self.source = source
            source.activate()
        }
    }

    /// Stops accepting and closes the socket, and returns once it is closed (or after
    /// `closeWaitSeconds`), so that new connection attempts are refused from then on.
    /// The descriptor is closed in the source's cancel handler, once Dispatch no longer watches
    /// it (a `shutdown(2)` of the listening socket while the source is registered crashes
    /// libdispatch's epoll loop on Linux, seen here).
    func close() {
        let closed = DispatchSemaphore(value: 0)
        queue.async { [self] in
            guard let source else {
                closed.signal()
                return
            }
            source.setCancelHandler { [fd] in
                Posix.close(fd)
                closed.signal()
            }
            if suspended { source.resume() }
            source.cancel()
            self.source = nil
        }
        _ = closed.wait(timeout: .now() + Self.closeWaitSeconds)
    }

    /// How long `close()` waits for Dispatch to release the listening socket.
    static let closeWaitSeconds = 2.0

    private func acceptAll(_ onAccept: @Sendable (Int32) -> Void) {
        for _ in 0..<64 {
            do {
                guard case .processed(let client) = try Posix.accept(fd) else { return }
                try? Posix.setOption(client, level: Int32(IPPROTO_TCP), name: TCP_NODELAY, value: 1)
                onAccept(client)
            } catch let error as IOError where [EMFILE, ENFILE, ENOBUFS, ENOMEM].contains(error.errno) {
                pauseAccepting()
                return
            } catch {
                continue  // ECONNABORTED, EPROTO, ...: that client is gone; the next may be fine.
            }
        }
    }

    private func pauseAccepting() {
        guard let source, !suspended else { return }
        source.suspend()
        suspended = true
        queue.asyncAfter(deadline: .now() + .milliseconds(Self.acceptBackoffMilliseconds)) { [self] in
            guard let source = self.source, suspended else { return }
            suspended = false
            source.resume()
        }
    }
}

/// Why `HTTPServer.start()` failed before binding.
public enum HTTPServerError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidAddress(host: String, port: Int)
    case alreadyStarted

    public var description: String {
        switch self {
        case .invalidAddress(let host, let port):
            "'\(host)' port \(port) is not a numeric IPv4/IPv6 address (or 'localhost') with a port in 0...65535"
        case .alreadyStarted: "the server was already started"
        }
    }
}
