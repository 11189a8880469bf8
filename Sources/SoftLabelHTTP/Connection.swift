import Dispatch
import Synchronization

import Glibc
import CEpoll

/// What every connection shares with its server.
struct ConnectionEnvironment: Sendable {
    var configuration: HTTPConfiguration
    var handler: any HTTPHandler
    var observer: (any HTTPObserver)?
    var compute: ComputePool
    var budget: InflightBudget
    var writer: ResponseWriter
    var onClose: @Sendable (Int) -> Void
}

/// One accepted socket, watched by an `EventLoop`: its readiness events and deadline checks feed
/// the `ConnectionStateMachine`, and the connection carries out the actions it returns.
///
/// `@unchecked Sendable`: all mutable state is guarded by `lock`. Events arrive on the loop's
/// thread and take it; the compute thread that ran a handler takes it too and writes the
/// response itself, which saves a thread wake-up per request over handing the response back to
/// the loop. Nothing is called with the lock held that could take it again: handler jobs are
/// queued, the loop looks connections up under its own lock and calls them after releasing it.
final class Connection: @unchecked Sendable {
    private let lock = Mutex<Void>(())
    let id: Int
    private let fd: Int32
    private let loop: EventLoop
    private let environment: ConnectionEnvironment
    private let remoteAddress: String?
    private var machine: ConnectionStateMachine

    /// The epoll events the loop watches for now (`EPOLLIN` while the machine wants to read,
    /// `EPOLLOUT` while a response waits for room), and whether the socket is registered.
    private var interest: UInt32 = 0
    private var registered = false
    private var waitingForRoom = false
    private var closed = false

    private struct PendingWrite {
        var head: [UInt8]
        var body: [UInt8]
        var written = 0
        var outgoing: ConnectionStateMachine.Outgoing?
        var total: Int { head.count + body.count }
    }
    private var writes: [PendingWrite] = []
    /// What this connection holds of the server's in-flight byte budget.
    private let reservations: Reservations
    private var flushing = false


    init(id: Int, fd: Int32, environment: ConnectionEnvironment, loop: EventLoop) {
        self.id = id
        self.fd = fd
        self.environment = environment
        self.loop = loop
        self.remoteAddress = Posix.peerAddress(fd)?.description
        let reservations = Reservations(budget: environment.budget)
        self.reservations = reservations
        self.machine = ConnectionStateMachine(configuration: environment.configuration, now: Self.now(),
                                              errorResponse: environment.handler.errorResponder,
                                              admitBody: { reservations.reserveBody($0) })
    }

    static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    /// Starts reading; a connection over the limit (`rejecting`) is answered 503 and closed.
    func start(rejecting: Bool) {
        lock.withLock { _ in
            guard !closed else { return }  // drained or force-closed before it was watched
            registered = true
            interest = Self.readEvents
            loop.add(self, fd: fd, events: interest)
            if rejecting { perform(machine.reject(now: Self.now())) }
            synchronize()
        }
    }

    private static let readEvents = softlabel_epoll_in
    private static let writeEvents = softlabel_epoll_out

    /// Readiness reported by the loop.
    func handle(events: UInt32) {
        lock.withLock { _ in
            guard !closed else { return }
            if events & softlabel_epoll_err != 0 {
                closeNow()  // a reset or other socket error: nothing more can be sent or read
                return
            }
            if events & Self.writeEvents != 0 { flush() }
            if events & (Self.readEvents | softlabel_epoll_hup) != 0 {
                if machine.wantsToRead {
                    readable()
                } else if events & softlabel_epoll_hup != 0 {
                    closeNow()  // both directions are shut: the response could not be sent
                    return
                }
            }
            synchronize()
        }
    }

    /// Called by the loop every `EventLoop.deadlineTick`: fires the machine's deadline once due.
    func checkDeadline(now: UInt64) {
        lock.withLock { _ in
            guard !closed, let deadline = machine.deadline?.at, deadline <= now else { return }
            perform(machine.timerFired(now: now))
            synchronize()
        }
    }

    /// Graceful shutdown: close if idle, else finish the request in progress and close.
    func beginDrain() {
        lock.withLock { _ in
            perform(machine.beginDrain(now: Self.now()))
            synchronize()
        }
    }

    /// Closes at once (drain timeout or second signal).
    func forceClose() {
        lock.withLock { _ in closeNow() }
    }

    // MARK: - Events

    private func readable() {
        let readBuffer = loop.readBuffer  // this runs on the loop's thread (see EventLoop.readBuffer)
        var reads = 0
        while !closed, machine.wantsToRead, reads < 16 {
            reads += 1
            var result = IOResult<Int>.wouldBlock
            var requested = readBuffer.count
            let inPlace = machine.canReceiveBodyInPlace
            do {
                if inPlace {
                    // A body with a known length goes straight from the socket into its buffer.
                    _ = try machine.receiveBodyInPlace { free in
                        requested = free.count
                        result = try Posix.read(fd, into: free)
                        if case .processed(let count) = result { return count }
                        return 0
                    }
                } else {
                    result = try Posix.read(fd, into: readBuffer)
                }
            } catch {
                closeNow()
                return
            }
            guard case .processed(let count) = result else { break }
            if count == 0 {
                perform(machine.inputEnded(now: Self.now()))
                break
            }
            if inPlace {
                perform(machine.bodyReceivedInPlace(now: Self.now()))
            } else {
                perform(machine.bytesReceived(UnsafeRawBufferPointer(rebasing: readBuffer[0..<count]), now: Self.now()))
            }
            if count < requested { break }
        }
        synchronize()
    }

    private func perform(_ action: ConnectionStateMachine.Action) {
        guard !closed else { return }
        switch action {
        case .none:
            break
        case .sendContinue:
            enqueue(PendingWrite(head: ResponseWriter.continueResponse, body: []))
        case .dispatch(var received):
            received.remoteAddress = remoteAddress
            let request = received
            switch environment.handler.accept(request) {
            case .respond(let response):
                // Under the connection's lock already; a pipelined successor is dispatched from
                // the flush loop, so this does not recurse per request.
                perform(machine.responseReady(response, now: Self.now()))
            case .compute(let job):
                environment.compute.submit { [self] in
                    // A request whose client has gone (reset, closed) is not computed.
                    guard !lock.withLock({ _ in closed }) else { return }
                    let response = job()
                    lock.withLock { _ in
                        perform(machine.responseReady(response, now: Self.now()))
                        synchronize()
                    }
                }
            }
        case .write(let outgoing):
            let head = environment.writer.head(
                for: outgoing.response, method: outgoing.context.method, version: outgoing.context.version,
                close: outgoing.close, date: HTTPDate.shared.current())
            let write = PendingWrite(head: head.bytes, body: head.sendsBody ? outgoing.response.body : [], outgoing: outgoing)
            reservations.reserveResponse(write.total)
            enqueue(write)
        case .shutdownOutput:
            Posix.shutdownWrite(fd)
        case .close:
            closeNow()
        }
    }

    // MARK: - Writing

    private func enqueue(_ write: PendingWrite) {
        writes.append(write)
        flush()
    }

    /// Writes queued responses in order with one `sendmsg` (head + body) per attempt.
    private func flush() {
        guard !flushing else { return }
        flushing = true
        defer { flushing = false }
        while !closed, !writes.isEmpty {
            let result: IOResult<Int>
            do {
                result = try send(writes[0])
            } catch {
                closeNow()
                return
            }
            guard case .processed(let count) = result else {
                waitingForRoom = true  // `synchronize` asks the loop for EPOLLOUT
                return
            }
            writes[0].written += count
            machine.writeProgressed(now: Self.now(), written: writes[0].written)
            if writes[0].written == writes[0].total {
                let done = writes.removeFirst()
                if let outgoing = done.outgoing {
                    reservations.releaseAll()
                    report(outgoing, responseBytes: done.total, completed: true)
                    perform(machine.writeCompleted(now: Self.now()))
                }
            }
        }
        waitingForRoom = false
    }

    private func send(_ write: PendingWrite) throws -> IOResult<Int> {
        let headCount = write.head.count
        return try write.head.withUnsafeBytes { head in
            try write.body.withUnsafeBytes { body in
                if write.written < headCount {
                    return try Posix.send(fd, UnsafeRawBufferPointer(rebasing: head[write.written...]), body)
                }
                return try Posix.send(fd, UnsafeRawBufferPointer(rebasing: body[(write.written - headCount)...]), UnsafeRawBufferPointer(start: nil, count: 0))
            }
        }
    }

    private func report(_ outgoing: ConnectionStateMachine.Outgoing, responseBytes: Int, completed: Bool) {
        guard let observer = environment.observer else { return }
        let context = outgoing.context
        let elapsed = Double(Self.now() &- context.started) / 1e9
        observer.responseSent(HTTPResponseRecord(
            method: context.method, path: context.path, status: outgoing.response.status,
            requestBytes: context.requestBytes, responseBytes: responseBytes, durationSeconds: elapsed,
            requestID: outgoing.response.headers["x-request-id"] ?? context.requestID, remoteAddress: remoteAddress,
            errorCode: context.errorCode, completed: completed))
    }

    // MARK: - Watching and closing

    /// Brings what the loop watches in line with what the state machine wants (one `epoll_ctl`
    /// when it changes; a keep-alive request answered inline changes nothing).
    private func synchronize() {
        guard !closed, registered else { return }
        var wanted: UInt32 = 0
        if machine.wantsToRead { wanted |= Self.readEvents }
        if waitingForRoom { wanted |= Self.writeEvents }
        if wanted != interest {
            interest = wanted
            loop.modify(self, fd: fd, events: wanted)
        }
    }

    private func closeNow() {
        guard !closed else { return }
        closed = true
        for write in writes {
            if let outgoing = write.outgoing { report(outgoing, responseBytes: write.written, completed: false) }
        }
        writes.removeAll()
        reservations.releaseAll()
        // Unwatched before it is closed, so a descriptor number reused by the next accept is
        // never mistaken for this one.
        if registered { loop.remove(self, fd: fd) }
        Posix.close(fd)
        environment.observer?.connectionClosed()
        environment.onClose(id)
    }
}

/// One connection's share of the `InflightBudget`: the body of the request being received or
/// handled, and the response being written; released when that response is out or the
/// connection closes. Guarded by the connection's lock (the state machine asks under it).
final class Reservations: @unchecked Sendable {
    private let budget: InflightBudget
    private var body = 0
    private var response = 0

    init(budget: InflightBudget) {
        self.budget = budget
    }

    func reserveBody(_ bytes: Int) -> Bool {
        guard budget.tryReserve(bytes) else { return false }
        body += bytes
        return true
    }

    func reserveResponse(_ bytes: Int) {
        budget.forceReserve(bytes)
        response += bytes
    }

    func releaseAll() {
        budget.release(body + response)
        body = 0
        response = 0
    }
}
