import Foundation
import Testing
import SoftLabelTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// `softlabel health` (the container's HEALTHCHECK), run as the real binary against the real
/// server: exit 0 on 2xx, 1 with one stderr line otherwise, within its timeout.
@Suite("CLI: softlabel health", .serialized)
final class HealthCommandTests {
    let server: TestServer

    init() throws {
        server = try TestServer()
    }

    deinit { server.stop() }

    /// Runs `softlabel health ARGUMENTS` with `environment` added to this process's environment.
    func health(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, stderr: String) {
        let process = Process()
        process.executableURL = try #require(ProductLocator.softlabelExecutable, "softlabel not built")
        process.arguments = ["health"] + arguments
        var inherited = ProcessInfo.processInfo.environment
        inherited["SOFTLABEL_PORT"] = nil
        process.environment = inherited.merging(environment) { $1 }
        let stderr = Pipe()
        process.standardError = stderr
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let text = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: text, as: UTF8.self))
    }

    @Test("2xx → exit 0, nothing on stderr (IPv4 literal and localhost)")
    func healthy() throws {
        for url in ["\(server.base)/healthz", "http://localhost:\(server.port)/healthz", "\(server.base)/readyz"] {
            let (status, stderr) = try health(["--url", url])
            #expect(status == 0, "\(url): \(stderr)")
            #expect(stderr.isEmpty, "\(url): \(stderr)")
        }
    }

    @Test("IPv6 literal; localhost falls back to ::1")
    func ipv6() throws {
        let v6 = try TestServer(host: "::1")
        defer { v6.stop() }
        for url in ["http://[::1]:\(v6.port)/healthz", "http://localhost:\(v6.port)/healthz"] {
            let (status, stderr) = try health(["--url", url])
            #expect(status == 0, "\(url): \(stderr)")
        }
    }

    @Test("non-2xx → exit 1 and one line naming the status")
    func notFound() throws {
        let (status, stderr) = try health(["--url", "\(server.base)/nothing-here"])
        #expect(status == 1)
        #expect(stderr.hasSuffix("answered 404\n"), "\(stderr)")
        #expect(stderr.split(separator: "\n").count == 1)
    }

    @Test("nothing listening → exit 1, connection refused")
    func refused() throws {
        let port = try Self.listeningSocket { fd, port in
            close(fd)  // the port was free a moment ago and nothing listens on it now
            return port
        }
        let (status, stderr) = try health(["--url", "http://127.0.0.1:\(port)/healthz"])
        #expect(status == 1)
        #expect(stderr.contains("cannot connect to 127.0.0.1:\(port)"), "\(stderr)")
    }

    @Test("a peer that accepts but never answers → exit 1 after --timeout, not later")
    func silentPeer() throws {
        try Self.listeningSocket { fd, port in
            defer { close(fd) }
            let started = ContinuousClock.now
            let (status, stderr) = try health(["--url", "http://127.0.0.1:\(port)/healthz", "--timeout", "0.5"])
            let elapsed = ContinuousClock.now - started
            #expect(status == 1)
            #expect(stderr.contains("timed out waiting for the answer"), "\(stderr)")
            #expect(elapsed >= .milliseconds(450) && elapsed < .seconds(5), "\(elapsed)")
        }
    }

    @Test("SOFTLABEL_PORT names the default port; a URL that is not http is refused")
    func defaultsAndBadInput() throws {
        #expect(try health([], environment: ["SOFTLABEL_PORT": String(server.port)]).status == 0)
        let (status, stderr) = try health([], environment: ["SOFTLABEL_PORT": "eighty"])
        #expect(status == 1)
        #expect(stderr.contains("SOFTLABEL_PORT=eighty"), "\(stderr)")
        #expect(try health(["--url", "https://127.0.0.1:\(server.port)/healthz"]).status == 1)
        #expect(try health(["--url", "http://example.com/healthz"]).status == 1)
    }

    /// A loopback socket that listens (the kernel completes connections into its backlog) but is
    /// never accepted from: `body` gets its descriptor and port.
    static func listeningSocket<T>(_ body: (Int32, Int) throws -> T) throws -> T {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(fd >= 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && listen(fd, 4) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else {
            close(fd)
            throw POSIXError(.EADDRNOTAVAIL)
        }
        return try body(fd, Int(UInt16(bigEndian: address.sin_port)))
    }
}
