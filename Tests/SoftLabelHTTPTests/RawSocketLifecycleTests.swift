import Dispatch
import Synchronization
import Testing
@testable import SoftLabelHTTP

import Glibc

/// Timeouts, connection limits and graceful drain over real sockets. Serialized: these measure
/// time, and the assertions leave seconds of slack for a loaded 2-core machine.
@Suite("Raw sockets: timeouts, limits, drain", .serialized)
struct RawSocketLifecycleTests {
    @Test func slowLorisIsCutByTheHeaderTimeoutWith408() throws {
        let configuration = testConfiguration(headerTimeout: .seconds(1))
        try withServer(configuration) { _, port in
            let client = try RawClient(port: port, timeout: 6)
            let started = monotonicSeconds()
            client.send("GET / HTTP/1.1\r\nHost: h\r\n")
            // Keep trickling: the header timeout counts from the accept, not from the last byte.
            for _ in 0..<3 {
                usleep(300_000)
                client.send("X-Trickle: 1\r\n")
            }
            let response = try client.readResponse()
            #expect(response.status == 408)
            #expect(response.headers["connection"] == "close")
            #expect(client.isClosedByPeer())
            #expect(monotonicSeconds() - started < 4)
            try expectServing(port: port)
        }
    }

    @Test func silentConnectionIsClosedWithoutAResponse() throws {
        let configuration = testConfiguration(headerTimeout: .seconds(1))
        try withServer(configuration) { _, port in
            let client = try RawClient(port: port, timeout: 6)
            let started = monotonicSeconds()
            #expect(client.isClosedByPeer())
            #expect(client.bufferedCount == 0)
            #expect(monotonicSeconds() - started < 4)
        }
    }

    @Test func stalledBodyIsCutByTheBodyTimeout() throws {
        let configuration = testConfiguration(bodyTimeout: .seconds(1))
        try withServer(configuration) { _, port in
            let client = try RawClient(port: port, timeout: 6)
            client.send("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nabc")
            let response = try client.readResponse()
            #expect(response.status == 408)
            #expect(response.bodyText.contains("body_timeout"))
            #expect(client.isClosedByPeer())
        }
    }

    @Test func idleKeepAliveConnectionIsClosed() throws {
        let configuration = testConfiguration(idleTimeout: .seconds(1))
        try withServer(configuration) { _, port in
            let client = try RawClient(port: port, timeout: 6)
            client.send(get())
            #expect(try client.readResponse().status == 200)
            let started = monotonicSeconds()
            #expect(client.isClosedByPeer())
            let elapsed = monotonicSeconds() - started
            #expect(elapsed > 0.5 && elapsed < 4)
        }
    }

    @Test func connectionsBeyondTheLimitGet503WithRetryAfter() throws {
        let configuration = testConfiguration(maxConnections: 3)
        try withServer(configuration) { server, port in
            var held: [RawClient] = []
            for _ in 0..<3 {
                let client = try RawClient(port: port)
                client.send(get())
                #expect(try client.readResponse().status == 200)
                held.append(client)
            }
            let extra = try RawClient(port: port)
            extra.send(get())
            let response = try extra.readResponse()
            #expect(response.status == 503)
            #expect(response.headers["retry-after"] == "1")
            #expect(response.headers["connection"] == "close")
            #expect(extra.isClosedByPeer())
            held.removeAll()
            // Once the held ones are gone, new connections are served again.
            var served = false
            for _ in 0..<50 where !served {
                usleep(100_000)
                let client = try RawClient(port: port)
                client.send(get())
                served = (try? client.readResponse().status) == 200
            }
            #expect(served)
            _ = server
        }
    }

    /// Bodies announced but not yet sent hold the in-flight budget: one more is refused with
    /// 503 before any of it is read, and once the budget is free again bodies are read.
    @Test func bodiesBeyondTheInflightBudgetGet503() throws {
        let configuration = testConfiguration(maxBodyBytes: 1 << 20, maxInflightBytes: 2 << 20)
        try withServer(configuration) { _, port in
            var held: [RawClient] = []
            for _ in 0..<2 {
                let client = try RawClient(port: port)
                client.send("POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: \(1 << 20)\r\n\r\n")
                held.append(client)
            }
            usleep(200_000)
            let extra = try RawClient(port: port)
            extra.send("POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 1000\r\n\r\n")
            let response = try extra.readResponse()
            #expect(response.status == 503)
            #expect(response.headers["retry-after"] == "1")
            #expect(response.bodyText.contains("busy"))
            // Finish one held upload: its reservation is returned with its response.
            held[0].send([UInt8](repeating: 0x61, count: 1 << 20))
            #expect(try held[0].readResponse().status == 200)
            let next = try RawClient(port: port)
            next.send("POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello")
            #expect(try next.readResponse().status == 200)
            held.removeAll()
        }
    }

    @Test func aBurstOfConnectionsNeverTopplesTheServer() throws {
        let configuration = testConfiguration(maxConnections: 20)
        try withServer(configuration) { _, port in
            var clients: [RawClient] = []
            for _ in 0..<200 { if let client = try? RawClient(port: port) { clients.append(client) } }
            clients.removeAll()
            var served = false
            for _ in 0..<50 where !served {
                usleep(100_000)
                let client = try RawClient(port: port)
                client.send(get())
                served = (try? client.readResponse().status) == 200
            }
            #expect(served)
        }
    }

    @Test func threeHundredIdleConnectionsDoNotDelayAFreshRequest() throws {
        let configuration = testConfiguration(headerTimeout: .seconds(3))
        let observer = RecordingObserver()
        let server = HTTPServer(configuration: configuration, handler: EchoHandler(), observer: observer)
        let port = try server.start()
        defer { server.beginShutdown(); server.waitUntilStopped() }
        var idle: [RawClient] = []
        for index in 0..<300 {
            let client = try RawClient(port: port, timeout: 10)
            if index % 2 == 0 { client.send("GET / HTTP/1.1\r\nHost: h\r\n") }  // half a head
            idle.append(client)
        }
        let opened = monotonicSeconds()
        // A fresh request: warm once, then time a few.
        try expectServing(port: port)
        var worst = 0.0
        for _ in 0..<5 {
            let started = monotonicSeconds()
            try expectServing(port: port)
            worst = max(worst, monotonicSeconds() - started)
        }
        #expect(worst < 0.25, "fresh request took \(worst) s next to 300 idle connections")
        // All 300 are cut by the header timeout: within ~5 s of being opened.
        var deadline = 0.0
        while server.connectionCount > 0 && monotonicSeconds() - opened < 15 {
            usleep(50_000)
            deadline = monotonicSeconds() - opened
        }
        #expect(server.connectionCount == 0)
        #expect(deadline < 6, "idle connections took \(deadline) s to close")
        for client in idle.prefix(10) { #expect(client.isClosedByPeer()) }
    }

    @Test func gracefulDrainFinishesTheInFlightRequest() throws {
        let configuration = testConfiguration(drainTimeout: .seconds(10))
        let server = HTTPServer(configuration: configuration, handler: EchoHandler())
        let port = try server.start()
        let idle = try RawClient(port: port, timeout: 5)
        idle.send(get("/warm"))
        #expect(try idle.readResponse().status == 200)

        let slow = try RawClient(port: port, timeout: 10)
        slow.send(get("/slow?ms=1500"))
        usleep(300_000)  // the slow request is in the handler
        let started = monotonicSeconds()
        server.beginShutdown()
        #expect(server.isDraining)

        #expect(idle.isClosedByPeer())  // idle keep-alive closes promptly
        #expect(monotonicSeconds() - started < 1.2)
        #expect((try? RawClient(port: port, timeout: 1)) == nil)  // listener closed: refused

        let response = try slow.readResponse()
        #expect(response.status == 200)
        #expect(response.headers["connection"] == "close")
        #expect(slow.isClosedByPeer())
        server.waitUntilStopped()
        #expect(monotonicSeconds() - started < 5)
    }

    @Test func drainTimeoutForcesStragglersClosed() throws {
        let configuration = testConfiguration(drainTimeout: .seconds(1))
        let server = HTTPServer(configuration: configuration, handler: EchoHandler())
        let port = try server.start()
        let slow = try RawClient(port: port, timeout: 10)
        slow.send(get("/slow?ms=4000"))
        usleep(200_000)
        let started = monotonicSeconds()
        server.beginShutdown()
        server.waitUntilStopped()
        let elapsed = monotonicSeconds() - started
        #expect(elapsed > 0.8 && elapsed < 3.5)
        #expect(slow.isClosedByPeer())
    }

    @Test func waitUntilStoppedReturnsAtOnceWhenNeverStarted() {
        HTTPServer(configuration: testConfiguration(), handler: EchoHandler()).waitUntilStopped()
    }

    @Test func signalStartsTheDrain() throws {
        let server = HTTPServer(configuration: testConfiguration(), handler: EchoHandler())
        _ = try server.start()
        server.installSignalHandlers([SIGUSR2])
        kill(getpid(), SIGUSR2)
        var waited = 0
        while !server.isDraining && waited < 100 { usleep(20_000); waited += 1 }
        #expect(server.isDraining)
        if !server.isDraining { server.stopNow() }
        #expect(server.waitUntilStopped(timeout: 15))
    }

    @Test func computeConcurrencyIsBounded() throws {
        let running = Atomic<Int>(0)
        let peak = Atomic<Int>(0)
        let handler = HTTPClosureHandler { _ in
            let now = running.add(1, ordering: .relaxed).newValue
            var observed = peak.load(ordering: .relaxed)
            while now > observed {
                let (exchanged, original) = peak.compareExchange(expected: observed, desired: now, ordering: .relaxed)
                if exchanged { break }
                observed = original
            }
            usleep(100_000)
            running.subtract(1, ordering: .relaxed)
            return HTTPResponse(status: 200, text: "ok")
        }
        let configuration = testConfiguration(computeConcurrency: 2)
        try withServer(configuration, handler: handler) { _, port in
            let clients = try (0..<8).map { _ in try RawClient(port: port) }
            for client in clients { client.send(get()) }
            for client in clients { #expect(try client.readResponse().status == 200) }
        }
        #expect(peak.load(ordering: .relaxed) == 2)
    }
}
