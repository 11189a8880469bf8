import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// What every connection shares with its server.
struct ConnectionEnvironment: Sendable {
    var configuration: HTTPConfiguration
    var handler: any HTTPHandler
    var observer: (any HTTPObserver)?
    var compute: ComputePool
    var writer: ResponseWriter
    var onClose: @Sendable (Int) -> Void
}

/// One accepted socket: Dispatch read/write/timer sources on a private serial queue feed the
/// `ConnectionStateMachine` and carry out the actions it returns.
///
/// `@unchecked Sendable`: all mutable state is guarded by `lock`. The sources fire on `queue`
/// and take it; the compute thread that ran the handler takes it too and writes the response
/// itself, which saves a thread wake-up per request over hopping back onto `queue` (measured
/// with wrk: the context switches were the largest cost). Nothing is called with the lock held
/// that could take it again: handler jobs are queued, Dispatch cancel handlers run later.
final class Connection: @unchecked Sendable {
    private let lock = Mutex<Void>(())
    let id: Int
    let queue: DispatchQueue
    private let fd: Int32
    private let environment: ConnectionEnvironment
    private let remoteAddress: String?
    private var machine: ConnectionStateMachine
    private let readBuffer: UnsafeMutableRawBufferPointer

    private var readSource: DispatchSourceRead?
    private var writeSource: DispatchSourceWrite?
    private var timer: DispatchSourceTimer?
    private var readSuspended = false
    private var writeSuspended = false
    private var scheduledDeadline: UInt64 = .max
    private var liveSources = 0
    private var closed = false

    private struct PendingWrite {
        var head: [UInt8]
        var body: [UInt8]
        var written = 0
        var outgoing: ConnectionStateMachine.Outgoing?
        var total: Int { head.count + body.count }
    }
    private var writes: [PendingWrite] = []
    private var flushing = false

    /// Bytes read per `read(2)`.
    static let readChunkBytes = 32 << 10

    init(id: Int, fd: Int32, environment: ConnectionEnvironment, target: DispatchQueue) {
        self.id = id
        self.fd = fd
        self.environment = environment
        self.queue = DispatchQueue(label: "softlabel.http.connection", target: target)
        self.remoteAddress = Posix.peerAddress(fd)?.description
        self.machine = ConnectionStateMachine(configuration: environment.configuration, now: Self.now())
        self.readBuffer = .allocate(byteCount: Self.readChunkBytes, alignment: 16)
    }

    deinit {
        readBuffer.deallocate()
    }

    static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    /// Starts reading; a connection over the limit (`rejecting`) is answered 503 and closed.
    func start(rejecting: Bool) {
        queue.async { [self] in lock.withLock { _ in startSources(rejecting: rejecting) } }
    }

    private func startSources(rejecting: Bool) {
        guard !closed else { return }  // drained or force-closed before the sources existed
        let read = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        read.setEventHandler { [unowned self] in self.lock.withLock { _ in self.readable() } }
        read.setCancelHandler { [self] in self.lock.withLock { _ in self.sourceCancelled() } }
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.setEventHandler { [unowned self] in
            self.lock.withLock { _ in
                self.scheduledDeadline = .max
                self.perform(self.machine.timerFired(now: Self.now()))
                self.synchronize()
            }
        }
        timer.setCancelHandler { [self] in self.lock.withLock { _ in self.sourceCancelled() } }
        readSource = read
        self.timer = timer
        liveSources = 2
        read.activate()
        timer.activate()
        if rejecting { perform(machine.reject(now: Self.now())) }
        synchronize()
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
            let handler = environment.handler
            if handler.runsInline(request) {
                // Under the connection's lock already; a pipelined successor is dispatched from
                // the flush loop, so this does not recurse per request.
                perform(machine.responseReady(handler.handle(request), now: Self.now()))
                return
            }
            environment.compute.submit { [self] in
                let response = handler.handle(request)
                lock.withLock { _ in
                    perform(machine.responseReady(response, now: Self.now()))
                    synchronize()
                }
            }
        case .write(let outgoing):
            let head = environment.writer.head(
                for: outgoing.response, method: outgoing.context.method, version: outgoing.context.version,
                close: outgoing.close, date: HTTPDate.shared.current())
            enqueue(PendingWrite(head: head.bytes, body: head.sendsBody ? outgoing.response.body : [], outgoing: outgoing))
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
                waitForWritable()
                return
            }
            writes[0].written += count
            machine.writeProgressed(now: Self.now())
            if writes[0].written == writes[0].total {
                let done = writes.removeFirst()
                if let outgoing = done.outgoing {
                    report(outgoing, responseBytes: done.total, completed: true)
                    perform(machine.writeCompleted(now: Self.now()))
                }
            }
        }
        // Never suspend a cancelled source: its cancel handler (which closes the fd) would not run.
        if !closed, let writeSource, !writeSuspended {
            writeSource.suspend()
            writeSuspended = true
        }
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

    private func waitForWritable() {
        if let writeSource {
            if writeSuspended {
                writeSource.resume()
                writeSuspended = false
            }
            return
        }
        let source = DispatchSource.makeWriteSource(fileDescriptor: fd, queue: queue)
        source.setEventHandler { [unowned self] in
            self.lock.withLock { _ in
                self.flush()
                self.synchronize()
            }
        }
        source.setCancelHandler { [self] in self.lock.withLock { _ in self.sourceCancelled() } }
        writeSource = source
        liveSources += 1
        source.activate()
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

    // MARK: - Source bookkeeping

    /// Brings the read source and the timer in line with what the state machine wants.
    private func synchronize() {
        guard !closed, let readSource, let timer else { return }
        let wantsToRead = machine.wantsToRead
        if wantsToRead && readSuspended {
            readSource.resume()
            readSuspended = false
        } else if !wantsToRead && !readSuspended {
            readSource.suspend()
            readSuspended = true
        }
        // Timers move lazily: rescheduled only when the deadline comes earlier; a later one is
        // picked up when the earlier firing finds nothing due.
        if let deadline = machine.deadline?.at, deadline < scheduledDeadline {
            scheduledDeadline = deadline
            timer.schedule(deadline: DispatchTime(uptimeNanoseconds: deadline))
        }
    }

    private func closeNow() {
        guard !closed else { return }
        closed = true
        for write in writes {
            if let outgoing = write.outgoing { report(outgoing, responseBytes: write.written, completed: false) }
        }
        writes.removeAll()
        if let readSource {
            if readSuspended { readSource.resume() }
            readSource.cancel()
        }
        if let writeSource {
            if writeSuspended { writeSource.resume() }
            writeSource.cancel()
        }
        timer?.cancel()
        if liveSources == 0 { finishClose() }
    }

    private func sourceCancelled() {
        liveSources -= 1
        if liveSources == 0 { finishClose() }
    }

    /// Every source is gone: the descriptor can be closed without a source still watching it.
    private func finishClose() {
        Posix.close(fd)
        readSource = nil
        writeSource = nil
        timer = nil
        environment.observer?.connectionClosed()
        environment.onClose(id)
    }
}
