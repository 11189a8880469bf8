import Synchronization

/// The bytes of request bodies being received and responses being written, across every
/// connection, held to `HTTPConfiguration.maxInflightBytes`: a body that would pass the budget is
/// refused with 503 + `Retry-After` before any of it is read, instead of the process growing
/// until the kernel kills it. A Content-Length body reserves its length; a chunked body, whose
/// length is unknown until its end, reserves `maxBodyBytes`. A response is counted from the
/// moment it is queued until it is written (it cannot be refused: its work is done), so while
/// large responses drain, new bodies wait.
final class InflightBudget: Sendable {
    let limit: Int
    private let used = Atomic<Int>(0)

    init(limit: Int) {
        self.limit = limit
    }

    var inUse: Int { used.load(ordering: .relaxed) }

    /// Reserves `bytes` if the total stays within the limit.
    func tryReserve(_ bytes: Int) -> Bool {
        precondition(bytes >= 0, "a reservation is a size")
        var current = used.load(ordering: .relaxed)
        while true {
            let (next, overflow) = current.addingReportingOverflow(bytes)
            guard !overflow, next <= limit else { return false }
            let (exchanged, original) = used.compareExchange(expected: current, desired: next, ordering: .relaxed)
            if exchanged { return true }
            current = original
        }
    }

    /// Counts `bytes` whatever the total (a computed response).
    func forceReserve(_ bytes: Int) {
        used.wrappingAdd(bytes, ordering: .relaxed)
    }

    func release(_ bytes: Int) {
        let before = used.wrappingSubtract(bytes, ordering: .relaxed).oldValue
        precondition(before >= bytes, "released \(bytes) bytes of \(before) reserved: a reservation was released twice")
    }
}
