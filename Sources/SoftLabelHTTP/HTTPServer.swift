import Dispatch
import Synchronization

import Glibc

/// An HTTP/1.1 server on POSIX sockets: connections are served by `eventLoopCount` epoll event
/// loops (`EventLoop`, one thread each), handler calls that are not cheap by `ComputePool`'s
/// threads; Dispatch accepts connections, delivers signals and times the drain.
///
///     let server = HTTPServer(configuration: configuration, handler: MyHandler())
///     let port = try server.start()
///     server.installSignalHandlers()     // SIGTERM/SIGINT → graceful drain
///     server.waitUntilStopped()
///
/// Shutdown (`beginShutdown`): the listener closes, idle keep-alive connections close, requests in
/// progress finish with `Connection: close`, and after `drainTimeout` whatever is left is closed.
/// Then `waitUntilStopped` returns.
///
/// `Sendable` through a `Mutex` around the connection table.
public final class HTTPServer: Sendable {
    public let configuration: HTTPConfiguration
    private let handler: any HTTPHandler
    private let observer: (any HTTPObserver)?
    private let stopped = DispatchGroup()

    private struct State {
        var started = false
        var draining = false
        var finished = false
        var listener: Listener?
        var compute: ComputePool?
        var loops: [EventLoop] = []
        var connections: [Int: Connection] = [:]
        var nextID = 0
        var signalSources: [RetainedSignalSource] = []
    }
    private let state = Mutex(State())

    public init(configuration: HTTPConfiguration, handler: some HTTPHandler, observer: (any HTTPObserver)? = nil) {
        self.configuration = configuration
        self.handler = handler
        self.observer = observer
    }

    /// True from `beginShutdown` on: the service's `/readyz` answers 503.
    public var isDraining: Bool { state.withLock { $0.draining } }

    /// Open connections (including ones being refused with 503).
    public var connectionCount: Int { state.withLock { $0.connections.count } }

    /// Requests parsed and waiting for a compute thread (a gauge for metrics).
    public var queuedRequestCount: Int { state.withLock { $0.compute?.queuedCount ?? 0 } }

    /// Binds and listens; returns the bound port (the ephemeral one for port 0).
    public func start() throws -> Int {
        try configuration.validate()
        let listener = try state.withLock { state -> Listener in
            guard !state.started else { throw HTTPServerError.alreadyStarted }
            let listener = try Listener(host: configuration.host, port: configuration.port, backlog: configuration.backlog)
            state.started = true
            state.listener = listener
            return listener
        }
        stopped.enter()
        let compute = ComputePool(concurrency: configuration.computeConcurrency)
        let loops = (0..<configuration.eventLoopCount).map { _ in EventLoop() }
        for loop in loops { loop.start() }
        state.withLock {
            $0.compute = compute
            $0.loops = loops
        }
        let environment = ConnectionEnvironment(
            configuration: configuration, handler: handler, observer: observer,
            compute: compute, budget: InflightBudget(limit: configuration.maxInflightBytes),
            writer: ResponseWriter(serverName: configuration.serverName),
            onClose: { [weak self] id in self?.connectionClosed(id) })
        listener.startAccepting { [weak self] fd in self?.accepted(fd, environment: environment) }
        return listener.port
    }

    /// Starts the graceful drain (idempotent). Returns at once; see `waitUntilStopped`.
    public func beginShutdown() {
        let (listener, connections) = state.withLock { state -> (Listener?, [Connection]) in
            guard state.started, !state.draining else { return (nil, []) }
            state.draining = true
            defer { state.listener = nil }
            return (state.listener, Array(state.connections.values))
        }
        guard let listener else { return }
        listener.close()
        for connection in connections { connection.beginDrain() }
        finishIfDrained()
        let timeout = DispatchTime.now() + .nanoseconds(Int(clamping: configuration.drainTimeout.clampedNanoseconds))
        DispatchQueue.global().asyncAfter(deadline: timeout) { [weak self] in self?.stopNow() }
    }

    /// Closes every connection now (the drain timeout, or a second signal) and finishes.
    public func stopNow() {
        let connections = state.withLock { state -> [Connection] in
            state.draining = true
            return Array(state.connections.values)
        }
        state.withLock { state in defer { state.listener = nil }; return state.listener }?.close()
        for connection in connections { connection.forceClose() }
        // Connections report their close asynchronously; do not wait for a straggler forever.
        DispatchQueue.global().asyncAfter(deadline: .now() + 1) { [weak self] in self?.finish() }
        finishIfDrained()
    }

    /// Blocks until the server has drained and stopped (returns at once if never started).
    public func waitUntilStopped() {
        stopped.wait()
    }

    /// Like `waitUntilStopped()`, giving up after `seconds`; returns whether the server stopped.
    public func waitUntilStopped(timeout seconds: Double) -> Bool {
        stopped.wait(timeout: .now() + seconds) == .success
    }

    /// SIGTERM and SIGINT (by default) start the graceful drain; a second one stops at once.
    /// Signals are turned into Dispatch sources (the default disposition is set to ignore first,
    /// which also makes them work for PID 1 in a container, where the kernel drops signals that
    /// have no handler), and SIGPIPE is ignored. Returns once Dispatch has registered the
    /// sources: a signal sent before that would be ignored.
    public func installSignalHandlers(_ signals: [Int32] = [SIGTERM, SIGINT]) {
        Glibc.signal(SIGPIPE, SIG_IGN)
        var sources: [RetainedSignalSource] = []
        let registered = DispatchSemaphore(value: 0)
        for number in signals {
            Glibc.signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [weak self] in
                guard let self else { return }
                if self.isDraining { self.stopNow() } else { self.beginShutdown() }
            }
            source.setRegistrationHandler { registered.signal() }
            source.activate()
            sources.append(RetainedSignalSource(source: source))
        }
        for _ in signals { _ = registered.wait(timeout: .now() + 1) }
        state.withLock { $0.signalSources.append(contentsOf: sources) }
    }

    /// The same as `server.installSignalHandlers(signals)`.
    public static func installSignalHandlers(for server: HTTPServer, signals: [Int32] = [SIGTERM, SIGINT]) {
        server.installSignalHandlers(signals)
    }

    /// Keeps a signal source alive. `@unchecked Sendable`: after `activate()` the source is never
    /// touched again, only retained (Dispatch runs its handler on its own queue).
    private struct RetainedSignalSource: @unchecked Sendable {
        let source: any DispatchSourceSignal
    }

    // MARK: - Internals

    private func accepted(_ fd: Int32, environment: ConnectionEnvironment) {
        let limit = configuration.maxConnections
        // Beyond the limit connections get a 503; beyond this reserve on top, not even that.
        let rejectReserve = max(16, limit / 8)
        let admission = state.withLock { state -> (Connection, Bool)? in
            guard !state.draining, state.connections.count < limit + rejectReserve else { return nil }
            state.nextID += 1
            // Round robin over the loops: each connection stays on one loop for its life.
            let loop = state.loops[state.nextID % state.loops.count]
            let connection = Connection(id: state.nextID, fd: fd, environment: environment, loop: loop)
            state.connections[state.nextID] = connection
            return (connection, state.connections.count > limit)
        }
        guard let (connection, rejecting) = admission else {
            Posix.close(fd)
            return
        }
        observer?.connectionOpened()
        connection.start(rejecting: rejecting)
    }

    private func connectionClosed(_ id: Int) {
        state.withLock { _ = $0.connections.removeValue(forKey: id) }
        finishIfDrained()
    }

    private func finishIfDrained() {
        let done = state.withLock { $0.draining && $0.listener == nil && $0.connections.isEmpty }
        if done { finish() }
    }

    private func finish() {
        let stopping = state.withLock { state -> (ComputePool?, [EventLoop])? in
            guard state.started, !state.finished else { return nil }
            state.finished = true
            defer {
                state.compute = nil
                state.loops = []
            }
            return (state.compute, state.loops)
        }
        guard let (compute, loops) = stopping else { return }
        compute?.stop()
        for loop in loops { loop.stop() }
        stopped.leave()
    }
}
