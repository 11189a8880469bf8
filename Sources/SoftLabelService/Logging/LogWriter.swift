import Dispatch
import Glibc
import Synchronization

/// Writes log lines to a file descriptor in batches, on a thread of its own, so that a request
/// never waits for its log line to be written.
///
/// - `append` (any thread: event loops, compute threads) copies the line into one pending buffer
///   under a `Mutex` held for that copy only, and returns. No system call on the request path,
///   except one semaphore signal per batch (the first line after a batch was taken).
/// - The writer thread waits for that signal, lets lines gather for `Limits.interval` (or less,
///   once `Limits.batchBytes` are pending or someone calls `flush`), swaps the buffer for an
///   empty one and writes the batch with `write(2)`, holding no lock.
/// - Bounded memory when the output blocks (a full pipe nobody reads, a stalled terminal): once
///   the pending bytes would pass `Limits.maxPendingBytes`, lines are dropped, not queued, and
///   counted (`droppedLines`, and `onDrop`: the service exports it as
///   `softlabel_access_log_dropped_lines_total`). At most that much is pending plus one batch
///   being written. The event loops never stall on the log.
/// - `flush` waits (up to a timeout) until every line appended before it was written: the
///   server calls it when it has drained, so the last requests' lines are not lost on a graceful
///   stop. `close` flushes and stops the thread; later lines are written at once, synchronously.
///
/// A write that fails (other than `EINTR`/`EAGAIN`) drops the rest of its batch, counted as
/// dropped lines. On a non-blocking descriptor `EAGAIN` waits with `poll`; on a blocking one a
/// stalled reader blocks only this thread (and `close` gives up after its timeout).
public final class LogWriter: Sendable {
    public struct Limits: Sendable {
        /// Pending bytes beyond which lines are dropped (≈ 20,000 access-log lines).
        public var maxPendingBytes: Int
        /// Pending bytes that make the writer write at once instead of waiting for `interval`.
        public var batchBytes: Int
        /// How long the writer lets lines gather after the first one of a batch.
        public var interval: Duration

        public init(maxPendingBytes: Int = 4 << 20, batchBytes: Int = 64 << 10, interval: Duration = .milliseconds(10)) {
            self.maxPendingBytes = maxPendingBytes
            self.batchBytes = batchBytes
            self.interval = interval
        }
    }

    public let fd: Int32
    public let limits: Limits
    private let onDrop: @Sendable (Int) -> Void

    private struct State {
        var pending: [UInt8] = []
        /// A wake-up was sent for the lines pending now (reset when the writer takes them).
        var wakeSent = false
        var hurrySent = false
        /// Bytes ever accepted into `pending` (what `flush` waits for).
        var acceptedBytes = 0
        var closing = false
    }
    private let state = Mutex(State())
    /// Signalled once per batch: lines are pending (or `close` wants the thread to stop).
    private let wake = DispatchSemaphore(value: 0)
    /// Cuts the gathering interval short: a full batch, a `flush`.
    private let hurry = DispatchSemaphore(value: 0)
    private let stopped = DispatchSemaphore(value: 0)
    /// Bytes taken by the writer and written (or given up on): `flush` is done when this reaches
    /// the accepted count it saw.
    private let handledBytes = Atomic<Int>(0)
    private let dropped = Atomic<Int>(0)
    /// Set by `close` when its timeout passed: a write waiting on `EAGAIN` gives up its batch.
    private let abandoning = Atomic<Bool>(false)

    /// Starts the writer thread for `fd` (not closed by the writer). `onDrop` is called with the
    /// number of lines each time some are dropped, on the thread that dropped them.
    public init(fd: Int32, limits: Limits = Limits(), onDrop: @escaping @Sendable (Int) -> Void = { _ in }) {
        self.fd = fd
        self.limits = limits
        self.onDrop = onDrop
        Self.spawnThread { [self] in run() }
    }

    /// Lines dropped so far (pending bytes over the bound, or a failed write).
    public var droppedLines: Int { dropped.load(ordering: .relaxed) }

    /// Queues one line (with its newline) for writing; false when it was dropped.
    @discardableResult
    public func append(_ line: [UInt8]) -> Bool {
        enum Outcome { case queued(wake: Bool, hurry: Bool), dropped, closed }
        let limits = self.limits
        let outcome = state.withLock { state -> Outcome in
            guard !state.closing else { return .closed }
            guard state.pending.count + line.count <= limits.maxPendingBytes else { return .dropped }
            state.pending.append(contentsOf: line)
            state.acceptedBytes += line.count
            let wake = !state.wakeSent
            state.wakeSent = true
            let hurry = !state.hurrySent && state.pending.count >= limits.batchBytes
            if hurry { state.hurrySent = true }
            return .queued(wake: wake, hurry: hurry)
        }
        switch outcome {
        case .queued(let wake, let hurry):
            if wake { self.wake.signal() }
            if hurry { self.hurry.signal() }
            return true
        case .dropped:
            drop(1)
            return false
        case .closed:
            let lost = write(line)
            if lost > 0 { drop(lost) }
            return lost == 0
        }
    }

    /// Waits until every line appended before this call has been written (or dropped by a failed
    /// write), at most `timeout`; returns whether it got there.
    @discardableResult
    public func flush(timeout: Duration = .seconds(2)) -> Bool {
        let target = state.withLock { $0.acceptedBytes }
        if handledBytes.load(ordering: .acquiring) >= target { return true }
        hurry.signal()
        let deadline = ContinuousClock.now + timeout
        while handledBytes.load(ordering: .acquiring) < target {
            if ContinuousClock.now >= deadline { return false }
            usleep(500)
        }
        return true
    }

    /// Flushes (at most `timeout`), then stops the writer thread; lines appended later are
    /// written synchronously. Idempotent.
    @discardableResult
    public func close(timeout: Duration = .seconds(2)) -> Bool {
        let flushed = flush(timeout: timeout)
        let first = state.withLock { state -> Bool in
            defer { state.closing = true }
            return !state.closing
        }
        guard first else { return flushed }
        if !flushed { abandoning.store(true, ordering: .relaxed) }
        wake.signal()
        hurry.signal()
        _ = stopped.wait(timeout: .now() + .milliseconds(flushed ? 1000 : 200))
        return flushed
    }

    // MARK: - The writer thread

    private func run() {
        var batch: [UInt8] = []
        let intervalNanoseconds = Int(limits.interval.components.seconds) * 1_000_000_000
            + Int(limits.interval.components.attoseconds / 1_000_000_000)
        while true {
            wake.wait()
            let (closing, full) = state.withLock { ($0.closing, $0.pending.count >= limits.batchBytes) }
            if !closing && !full {
                _ = hurry.wait(timeout: .now() + .nanoseconds(intervalNanoseconds))
            }
            let stop = state.withLock { state -> Bool in
                swap(&state.pending, &batch)
                state.wakeSent = false
                state.hurrySent = false
                return state.closing
            }
            if !batch.isEmpty {
                let lost = write(batch)
                if lost > 0 { drop(lost) }
                handledBytes.add(batch.count, ordering: .releasing)
            }
            // Keep the buffer for the next swap unless a burst made it large.
            if batch.capacity > 4 * limits.batchBytes { batch = [] } else { batch.removeAll(keepingCapacity: true) }
            if stop {
                stopped.signal()
                return
            }
        }
    }

    /// Writes all of `bytes`; returns the number of lines lost when a write failed (0 if none).
    private func write(_ bytes: [UInt8]) -> Int {
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n > 0 {
                    offset += n
                    continue
                }
                let error = errno
                if n < 0 && error == EINTR { continue }
                if n < 0 && (error == EAGAIN || error == EWOULDBLOCK) && !abandoning.load(ordering: .relaxed) {
                    var waiting = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                    _ = poll(&waiting, 1, 100)
                    continue
                }
                // The rest is lost: count its lines (a partly written line counts as lost).
                let rest = UnsafeRawBufferPointer(rebasing: buffer[offset...])
                return rest.reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
            }
            return 0
        }
    }

    private func drop(_ lines: Int) {
        dropped.add(lines, ordering: .relaxed)
        onDrop(lines)
    }

    private static func spawnThread(_ body: @escaping @Sendable () -> Void) {
        final class Box { let body: @Sendable () -> Void; init(_ body: @escaping @Sendable () -> Void) { self.body = body } }
        let context = Unmanaged.passRetained(Box(body)).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(&thread, nil, { context in
            Unmanaged<Box>.fromOpaque(context!).takeRetainedValue().body()
            return nil
        }, context)
        precondition(result == 0, "pthread_create failed: \(result)")
        pthread_detach(thread)
    }
}
