import Dispatch
import Glibc
import Synchronization

/// Writes log lines to a file descriptor in batches, on a thread of its own, so that a request
/// never waits for its log line to be written.
///
/// - `append` (any thread: event loops, compute threads) formats the line straight into the
///   pending buffer of its thread's stripe, under that stripe's `Mutex`, and returns: no system
///   call, no allocation once the buffer has grown, and no cache line shared with the other
///   event loops (the stripes are picked by a hash of the thread, each on its own cache lines).
///   The only system call is one semaphore signal per batch (the first line after one was taken).
/// - The writer thread waits for that signal, lets lines gather for `Limits.interval` (or less,
///   once a stripe holds `Limits.batchBytes` or someone calls `flush`), swaps each
///   stripe's buffer for an empty one and writes the batch with `write(2)`, holding no lock.
///   Lines of one thread stay in order; within one batch (10 ms) lines of different threads are
///   grouped by stripe, so a reader sorting by time should use the timestamp.
/// - Bounded memory when the output blocks (a full pipe nobody reads, a stalled terminal): once
///   a stripe's pending bytes would pass its share of `Limits.maxPendingBytes`, lines are dropped,
///   not queued, and counted (`droppedLines`, and `onDrop`: the service exports it as
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
        /// Pending bytes beyond which lines are dropped (≈ 20,000 access-log lines), over all stripes.
        public var maxPendingBytes: Int
        /// Pending bytes in one stripe that make the writer write at once instead of waiting for `interval`.
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

    /// One stripe's pending lines, padded so that two stripes never share a cache line.
    private struct Pending {
        var bytes: [UInt8] = []
        /// Bytes ever accepted here, and of those, written (or given up on) by the writer.
        var accepted = 0
        var handled = 0
        /// Set by the writer's last pass: lines are written synchronously from then on.
        var closed = false
        var padding: (Int, Int, Int, Int, Int, Int, Int, Int) = (0, 0, 0, 0, 0, 0, 0, 0)
    }
    private final class Stripe: Sendable {
        let pending = Mutex(Pending())
    }
    private static let stripeCount = 8
    private let stripes: [Stripe]
    private let stripeLimit: Int
    private let stripeBatch: Int

    /// A wake-up was sent for the lines pending now (cleared when the writer takes them): read
    /// first, exchanged only when clear, so appenders share its cache line read-only.
    private let wakeSent = Atomic<Bool>(false)
    private let hurrySent = Atomic<Bool>(false)
    private let closing = Atomic<Bool>(false)
    /// Signalled once per batch: lines are pending (or `close` wants the thread to stop).
    private let wake = DispatchSemaphore(value: 0)
    /// Cuts the gathering interval short: a full batch, a `flush`.
    private let hurry = DispatchSemaphore(value: 0)
    private let stopped = DispatchSemaphore(value: 0)
    private let dropped = Atomic<Int>(0)
    /// Set by `close` when its timeout passed: a write waiting on `EAGAIN` gives up its batch.
    private let abandoning = Atomic<Bool>(false)

    /// Starts the writer thread for `fd` (not closed by the writer). `onDrop` is called with the
    /// number of lines each time some are dropped, on the thread that dropped them.
    public init(fd: Int32, limits: Limits = Limits(), onDrop: @escaping @Sendable (Int) -> Void = { _ in }) {
        self.fd = fd
        self.limits = limits
        self.onDrop = onDrop
        stripes = (0..<Self.stripeCount).map { _ in Stripe() }
        stripeLimit = max(1, limits.maxPendingBytes / Self.stripeCount)
        // Per stripe, not divided: at 17,000 lines/s over two loops a divided share (8 KiB) was
        // reached every few ms, cutting every 10 ms batch into four.
        stripeBatch = max(1, limits.batchBytes)
        Self.spawnThread { [self] in run() }
    }

    /// Lines dropped so far (pending bytes over the bound, or a failed write).
    public var droppedLines: Int { dropped.load(ordering: .relaxed) }

    /// Queues one line (with its newline); false when it was dropped.
    @discardableResult
    public func append(_ line: [UInt8]) -> Bool {
        append { $0.append(contentsOf: line) }
    }

    /// Queues the line `format` appends (with its newline) to the pending bytes and returns;
    /// false when it was dropped. `format` runs under the stripe's lock: keep it to formatting.
    ///
    /// The pending bytes are handed over `inout`, so the line lands in place: a closure taking
    /// the buffer and returning it (as this was first written) held a second reference while
    /// the line was appended, so every line copied the stripe's whole pending buffer (up to a
    /// 10 ms batch, ~30 KB at 17,000 lines/s): quadratic in the batch, measured as one malloc
    /// and ~1,100 instructions of `memcpy` per line even at a few hundred lines per batch.
    @discardableResult
    public func append(_ format: (inout [UInt8]) -> Void) -> Bool {
        let stripe = stripes[Self.stripeIndex()]
        let limit = stripeLimit, batch = stripeBatch
        let (accepted, full) = stripe.pending.withLock { pending -> (Bool?, Bool) in
            guard !pending.closed else { return (nil, false) }
            let before = pending.bytes.count
            format(&pending.bytes)
            let added = pending.bytes.count - before
            guard pending.bytes.count <= limit else {
                pending.bytes.removeLast(added)
                return (false, false)
            }
            pending.accepted += added
            return (true, pending.bytes.count >= batch)
        }
        guard let accepted else {
            var line: [UInt8] = []
            format(&line)
            let lost = write(line)
            if lost > 0 { drop(lost) }
            return lost == 0
        }
        guard accepted else {
            drop(1)
            return false
        }
        if !wakeSent.load(ordering: .relaxed), !wakeSent.exchange(true, ordering: .acquiringAndReleasing) { wake.signal() }
        if full, !hurrySent.load(ordering: .relaxed), !hurrySent.exchange(true, ordering: .acquiringAndReleasing) { hurry.signal() }
        return true
    }

    /// Waits until every line appended before this call has been written (or dropped by a failed
    /// write), at most `timeout`; returns whether it got there.
    @discardableResult
    public func flush(timeout: Duration = .seconds(2)) -> Bool {
        let targets = stripes.map { stripe in stripe.pending.withLock { $0.accepted } }
        func done() -> Bool {
            zip(stripes, targets).allSatisfy { stripe, target in stripe.pending.withLock { $0.handled } >= target }
        }
        if done() { return true }
        hurry.signal()
        let deadline = ContinuousClock.now + timeout
        while !done() {
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
        guard !closing.exchange(true, ordering: .acquiringAndReleasing) else { return flushed }
        if !flushed { abandoning.store(true, ordering: .relaxed) }
        wake.signal()
        hurry.signal()
        _ = stopped.wait(timeout: .now() + .milliseconds(flushed ? 1000 : 200))
        return flushed
    }

    // MARK: - The writer thread

    private func run() {
        var spare: [[UInt8]] = Array(repeating: [], count: stripes.count)
        let intervalNanoseconds = Int(limits.interval.components.seconds) * 1_000_000_000
            + Int(limits.interval.components.attoseconds / 1_000_000_000)
        while true {
            wake.wait()
            let stop = closing.load(ordering: .acquiring)
            if !stop && !hurrySent.load(ordering: .acquiring) {
                _ = hurry.wait(timeout: .now() + .nanoseconds(intervalNanoseconds))
            }
            // Cleared before the buffers are taken: a line queued after this sends a new wake-up.
            wakeSent.store(false, ordering: .releasing)
            hurrySent.store(false, ordering: .releasing)
            for (i, stripe) in stripes.enumerated() {
                stripe.pending.withLock {
                    swap(&$0.bytes, &spare[i])
                    if stop { $0.closed = true }
                }
                guard !spare[i].isEmpty else { continue }
                let lost = write(spare[i])
                if lost > 0 { drop(lost) }
                let count = spare[i].count
                stripe.pending.withLock { $0.handled += count }
                // Keep the buffer for the next swap unless a burst made it large.
                if spare[i].capacity > 4 * stripeBatch + 4096 { spare[i] = [] } else { spare[i].removeAll(keepingCapacity: true) }
            }
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

    /// The calling thread's stripe: a multiplicative hash of its `pthread_self()`.
    private static func stripeIndex() -> Int {
        let id = UInt64(pthread_self())
        return Int(truncatingIfNeeded: (id &* 0x9E37_79B9_7F4A_7C15) >> 61)   // 8 stripes: the top 3 bits
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
