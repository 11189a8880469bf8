import Synchronization

import Glibc
import CEpoll

/// One thread that waits for its connections' sockets with `epoll` and handles their readiness
/// on itself: reads, parsing, inline handlers and writes happen on the thread that `epoll_wait`
/// woke, with no hand-off to another thread.
///
/// Why not Dispatch read/write sources (the first version): on Linux, Dispatch watches sources on
/// its manager thread, wakes a worker for every event and re-arms the source through the manager
/// after every handler (an `eventfd` write and a wake-up per request). With wrk on 32×10 loss
/// bodies that machinery was over half of the server's CPU: 70 µs per request, ~28,000 requests/s.
/// Dispatch still accepts connections (`Listener`), delivers signals and runs the drain timer.
///
/// Level-triggered: a connection asks for `EPOLLIN` only while its state machine wants to read
/// and for `EPOLLOUT` only while a response waits for room (`Connection.synchronize`), so a ready
/// socket it does not want is never reported again and again. Deadlines (header, body, idle, write,
/// linger) are checked every `deadlineTick` by a scan of the loop's connections: timeouts are
/// seconds long, the scan is a comparison per connection.
final class EventLoop: @unchecked Sendable {  // the epoll and pipe descriptors are fixed after init
    private let epollFD: Int32
    /// Written to by `stop()` to wake `epoll_wait`.
    private let wakePipe: (read: Int32, write: Int32)
    private let connections = Mutex<[Int: Connection]>([:])
    private let stopping = Atomic<Bool>(false)
    private static let wakeToken = UInt64.max
    /// How often deadlines are checked (their precision).
    static let deadlineTick: UInt64 = 50_000_000
    static let maxEventsPerWait: Int32 = 128
    /// Bytes read per `read(2)`, into one buffer per loop: every read happens on the loop's thread
    /// (`Connection.handle(events:)`) and its bytes are copied into the connection's parser at
    /// once, so a connection holds no read buffer of its own (1,000 idle connections no longer
    /// hold 32 MB of them, and a burst of connections leaves nothing behind in the heap).
    static let readChunkBytes = 32 << 10
    /// Used only on the loop's thread, one connection's `readable()` at a time.
    let readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: EventLoop.readChunkBytes, alignment: 16)

    init() {
        epollFD = epoll_create1(Int32(EPOLL_CLOEXEC))
        precondition(epollFD >= 0, "epoll_create1 failed: errno \(errno)")
        var fds: [Int32] = [0, 0]
        precondition(pipe(&fds) == 0, "pipe failed: errno \(errno)")
        wakePipe = (fds[0], fds[1])
        _ = fcntl(wakePipe.read, F_SETFL, fcntl(wakePipe.read, F_GETFL) | O_NONBLOCK)
        _ = fcntl(wakePipe.write, F_SETFL, fcntl(wakePipe.write, F_GETFL) | O_NONBLOCK)
        control(EPOLL_CTL_ADD, wakePipe.read, token: Self.wakeToken, events: softlabel_epoll_in)
    }

    deinit {
        readBuffer.deallocate()
        Posix.close(epollFD)
        Posix.close(wakePipe.read)
        Posix.close(wakePipe.write)
    }

    /// Starts the loop's thread.
    func start() {
        ComputePool.spawnThread { [self] in run() }
    }

    /// Ends the loop after the events at hand; callable from any thread, the loop's included.
    func stop() {
        stopping.store(true, ordering: .releasing)
        var byte: UInt8 = 1
        _ = write(wakePipe.write, &byte, 1)
    }

    /// Watches `fd` for `connection` (events: `EPOLLIN`/`EPOLLOUT` bits). Any thread.
    func add(_ connection: Connection, fd: Int32, events: UInt32) {
        connections.withLock { $0[connection.id] = connection }
        control(EPOLL_CTL_ADD, fd, token: UInt64(connection.id), events: events)
    }

    /// Changes what `fd` is watched for. Any thread (`epoll_ctl` is thread-safe).
    func modify(_ connection: Connection, fd: Int32, events: UInt32) {
        control(EPOLL_CTL_MOD, fd, token: UInt64(connection.id), events: events)
    }

    /// Stops watching `fd`; call before closing it. Events already taken from the kernel for the
    /// connection find it gone (or closed) and are dropped.
    func remove(_ connection: Connection, fd: Int32) {
        control(EPOLL_CTL_DEL, fd, token: UInt64(connection.id), events: 0)
        _ = connections.withLock { $0.removeValue(forKey: connection.id) }
    }

    var connectionCount: Int { connections.withLock { $0.count } }

    private func control(_ operation: Int32, _ fd: Int32, token: UInt64, events: UInt32) {
        var event = epoll_event()
        event.events = events
        event.data.u64 = token
        // ENOENT/EBADF can only mean the descriptor is already gone: nothing to watch.
        _ = epoll_ctl(epollFD, operation, fd, &event)
    }

    private func run() {
        let events = UnsafeMutablePointer<epoll_event>.allocate(capacity: Int(Self.maxEventsPerWait))
        defer { events.deallocate() }
        var nextDeadlineCheck = Connection.now() &+ Self.deadlineTick
        while !stopping.load(ordering: .acquiring) {
            let now = Connection.now()
            let waitMilliseconds = nextDeadlineCheck > now ? Int32((nextDeadlineCheck - now) / 1_000_000) + 1 : 0
            let count = epoll_wait(epollFD, events, Self.maxEventsPerWait, waitMilliseconds)
            if count < 0 {
                if errno == EINTR { continue }
                preconditionFailure("epoll_wait failed: errno \(errno)")
            }
            for index in 0..<Int(count) {
                let token = events[index].data.u64
                if token == Self.wakeToken {
                    var sink = [UInt8](repeating: 0, count: 64)
                    _ = read(wakePipe.read, &sink, sink.count)
                    continue
                }
                guard let connection = connections.withLock({ $0[Int(truncatingIfNeeded: token)] }) else { continue }
                connection.handle(events: events[index].events)
            }
            let after = Connection.now()
            if after >= nextDeadlineCheck {
                nextDeadlineCheck = after &+ Self.deadlineTick
                for connection in connections.withLock({ Array($0.values) }) { connection.checkDeadline(now: after) }
            }
        }
    }
}
