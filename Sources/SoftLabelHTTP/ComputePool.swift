import Dispatch
import Synchronization

import Glibc

/// Runs handler calls on `concurrency` dedicated threads; further requests wait in FIFO order
/// (costing memory for their parsed body, not a thread).
///
/// Dedicated threads rather than a Dispatch queue: libdispatch on Linux sizes its pool to the
/// cores and grows it only when its monitor notices blocked threads, so long handler calls on
/// Dispatch threads would starve what still runs on Dispatch: accepting connections and
/// signals (measured when connections were also served by Dispatch sources: with two busy
/// handlers on 2 cores, accepts and reads stalled until one finished). With their own threads
/// the kernel shares the cores between compute, the event loops and Dispatch.
///
/// `Sendable` through a `Mutex` (the job queue) and a semaphore counting queued jobs.
final class ComputePool: Sendable {
    typealias Job = @Sendable () -> Void

    private struct State {
        var pending: [Job?] = []
        var head = 0
        var stopping = false
        var running = 0
    }

    private let state = Mutex(State())
    private let available = DispatchSemaphore(value: 0)
    let concurrency: Int

    init(concurrency: Int) {
        self.concurrency = max(1, concurrency)
        for _ in 0..<self.concurrency {
            Self.spawnThread { [self] in self.work() }
        }
    }

    /// Jobs waiting for a thread.
    var queuedCount: Int { state.withLock { $0.pending.count - $0.head } }

    func submit(_ job: @escaping Job) {
        state.withLock { $0.pending.append(job) }
        available.signal()
    }

    /// Lets the threads finish the queued jobs and exit.
    func stop() {
        state.withLock { $0.stopping = true }
        for _ in 0..<concurrency { available.signal() }
    }

    private func work() {
        while true {
            available.wait()
            let job = state.withLock { state -> Job?? in
                guard state.head < state.pending.count else { return state.stopping ? .some(nil) : nil }
                let job = state.pending[state.head]
                state.pending[state.head] = nil
                state.head += 1
                if state.head == state.pending.count {
                    state.pending.removeAll(keepingCapacity: true)
                    state.head = 0
                } else if state.head >= 1024, state.head * 2 >= state.pending.count {
                    state.pending.removeSubrange(0..<state.head)
                    state.head = 0
                }
                return .some(job)
            }
            switch job {
            case .some(.some(let job)): job()
            case .some(.none): return  // stopping and drained
            case .none: continue
            }
        }
    }

    final class ThreadBody {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }

    /// Runs `body` on a new detached thread (also the event loops' threads).
    static func spawnThread(_ body: @escaping () -> Void) {
        let context = Unmanaged.passRetained(ThreadBody(body)).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(&thread, nil, { context in
            let body = Unmanaged<ThreadBody>.fromOpaque(context!).takeRetainedValue()
            body.body()
            return nil
        }, context)
        precondition(result == 0, "pthread_create failed: \(result)")
        pthread_detach(thread)
    }
}
