// Added by scripts/test-sanitizers to every target that imports Synchronization, in the copy of the
// package that the ThreadSanitizer run builds; never part of the product's sources.
//
// Why: on Linux, Synchronization.Mutex locks with a futex inside the toolchain's uninstrumented
// library, so ThreadSanitizer sees none of its happens-before edges and reports every access it
// guards as a race. (A 30-line program incrementing a Mutex-guarded counter from two threads gets
// "Swift access race" with the right total; the same with pthread_mutex_lock gets no report.) At
// commit 4292811 that made 30 distinct false reports in SoftLabelHTTP; with this lock, none.
//
// This `Mutex` has the API the package uses (init, withLock) over pthread_mutex_t, which TSan
// intercepts; a declaration in the module shadows the imported one. The value lives behind its own
// pointer: an inout access to a stored property of a class is itself instrumented, and a `Void`
// value would share its address with the next field.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

struct Mutex<Value>: @unchecked Sendable {
    private final class Storage {
        let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        let value = UnsafeMutablePointer<Value>.allocate(capacity: 1)

        init(_ initialValue: Value) {
            lock.initialize(to: pthread_mutex_t())
            pthread_mutex_init(lock, nil)
            value.initialize(to: initialValue)
        }

        deinit {
            pthread_mutex_destroy(lock)
            lock.deallocate()
            value.deinitialize(count: 1)
            value.deallocate()
        }
    }

    private let storage: Storage

    init(_ initialValue: Value) {
        storage = Storage(initialValue)
    }

    func withLock<Result, E: Error>(_ body: (inout Value) throws(E) -> Result) throws(E) -> Result {
        pthread_mutex_lock(storage.lock)
        defer { pthread_mutex_unlock(storage.lock) }
        return try body(&storage.value.pointee)
    }
}
