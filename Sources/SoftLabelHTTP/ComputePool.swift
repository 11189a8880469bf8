import Dispatch
import Synchronization

/// Runs handler calls with at most `concurrency` at once; the rest wait in FIFO order. Waiting
/// costs no thread: jobs sit in an array until a running one finishes and takes the next.
/// `Sendable` through a `Mutex` (jobs are submitted from every connection queue).
final class ComputePool: Sendable {
    typealias Job = @Sendable () -> Void

    private struct State {
        var running = 0
        var pending: [Job] = []
        var head = 0
    }

    private let concurrency: Int
    private let queue = DispatchQueue(label: "softlabel.http.compute", attributes: .concurrent)
    private let state = Mutex(State())

    init(concurrency: Int) {
        self.concurrency = max(1, concurrency)
    }

    /// Jobs waiting for a slot.
    var queuedCount: Int { state.withLock { $0.pending.count - $0.head } }

    func submit(_ job: @escaping Job) {
        let runNow = state.withLock { state -> Bool in
            if state.running < concurrency {
                state.running += 1
                return true
            }
            state.pending.append(job)
            return false
        }
        if runNow { queue.async { self.run(job) } }
    }

    private func run(_ first: @escaping Job) {
        var job: Job? = first
        while let current = job {
            current()
            job = state.withLock { state -> Job? in
                guard state.head < state.pending.count else {
                    state.running -= 1
                    return nil
                }
                let next = state.pending[state.head]
                state.head += 1
                if state.head == state.pending.count {
                    state.pending.removeAll(keepingCapacity: true)
                    state.head = 0
                } else if state.head >= 1024, state.head * 2 >= state.pending.count {
                    state.pending.removeSubrange(0..<state.head)
                    state.head = 0
                }
                return next
            }
        }
    }
}
