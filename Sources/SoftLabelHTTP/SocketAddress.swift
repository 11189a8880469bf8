// IPv4 and IPv6 socket addresses from numeric host strings: no DNS on the serving path.

import Glibc

/// A numeric IPv4 or IPv6 address and port.
struct SocketAddress: Sendable, CustomStringConvertible {
    enum Family: Sendable { case ipv4, ipv6 }

    private(set) var storage: sockaddr_storage

    init(storage: sockaddr_storage) {
        self.storage = storage
    }

    /// Parses a numeric host: an IPv4 literal ("0.0.0.0", "127.0.0.1"), an IPv6 literal ("::",
    /// "::1", optionally in brackets), or "localhost" (127.0.0.1). Returns nil for anything else.
    init?(host: String, port: Int) {
        guard (0...65535).contains(port) else { return nil }
        var host = host
        if host == "localhost" { host = "127.0.0.1" }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        var storage = sockaddr_storage()
        let parsed: Bool = withUnsafeMutablePointer(to: &storage) { pointer in
            if host.contains(":") {
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { address in
                    address.pointee.sin6_family = sa_family_t(AF_INET6)
                    address.pointee.sin6_port = in_port_t(UInt16(port).bigEndian)
                    return inet_pton(AF_INET6, host, &address.pointee.sin6_addr) == 1
                }
            } else {
                return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { address in
                    address.pointee.sin_family = sa_family_t(AF_INET)
                    address.pointee.sin_port = in_port_t(UInt16(port).bigEndian)
                    return inet_pton(AF_INET, host, &address.pointee.sin_addr) == 1
                }
            }
        }
        guard parsed else { return nil }
        self.storage = storage
    }

    var family: Family { Int32(storage.ss_family) == AF_INET6 ? .ipv6 : .ipv4 }

    var domain: Int32 { family == .ipv6 ? AF_INET6 : AF_INET }

    var length: socklen_t {
        socklen_t(family == .ipv6 ? MemoryLayout<sockaddr_in6>.size : MemoryLayout<sockaddr_in>.size)
    }

    var port: Int {
        var storage = self.storage
        return withUnsafePointer(to: &storage) { pointer in
            if family == .ipv6 {
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin6_port)) }
            }
            return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) }
        }
    }

    /// Whether this is the IPv6 wildcard "::", which the listener opens dual-stack.
    var isIPv6Wildcard: Bool {
        guard family == .ipv6 else { return false }
        var storage = self.storage
        return withUnsafePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { address in
                withUnsafeBytes(of: address.pointee.sin6_addr) { bytes in bytes.allSatisfy { $0 == 0 } }
            }
        }
    }

    /// "127.0.0.1:8080" or "[::1]:8080".
    var description: String {
        var storage = self.storage
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        let family = self.family
        withUnsafePointer(to: &storage) { pointer in
            if family == .ipv6 {
                pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { address in
                    var raw = address.pointee.sin6_addr
                    _ = inet_ntop(AF_INET6, &raw, &text, socklen_t(text.count))
                }
            } else {
                pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { address in
                    var raw = address.pointee.sin_addr
                    _ = inet_ntop(AF_INET, &raw, &text, socklen_t(text.count))
                }
            }
        }
        let host = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return family == .ipv6 ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
