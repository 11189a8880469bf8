/// A growable float buffer for the matrix reader's inner loop: an append is a store and a compare
/// (no uniqueness or capacity checks of `Array`); `makeArray()` copies it into an `Array` once.
/// Frees its memory on every path, including a throw halfway through a matrix.
struct FloatAccumulator: ~Copyable {
    private var base: UnsafeMutablePointer<Float>
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int) {
        self.capacity = max(capacity, 16)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    @inline(__always)
    mutating func append(_ value: Float) {
        if count == capacity { grow() }
        base[count] = value
        count &+= 1
    }

    /// Where the next value goes, and how many fit before the buffer must grow: for a writer that
    /// stores several values and then calls `advance(by:)`.
    var tail: UnsafeMutablePointer<Float> { base + count }
    var room: Int { capacity - count }

    /// Counts `n ≤ room` values stored at `tail`.
    @inline(__always)
    mutating func advance(by n: Int) { count &+= n }

    /// Makes room for at least `additional` more values.
    mutating func reserve(_ additional: Int) {
        if capacity - count < additional { resize(to: count + additional) }
    }

    @inline(never)
    private mutating func grow() { resize(to: capacity * 2) }

    private mutating func resize(to newCapacity: Int) {
        let bigger = UnsafeMutablePointer<Float>.allocate(capacity: newCapacity)
        bigger.moveInitialize(from: base, count: count)
        base.deallocate()
        base = bigger
        capacity = newCapacity
    }

    func makeArray() -> [Float] {
        Array(UnsafeBufferPointer(start: base, count: count))
    }
}
