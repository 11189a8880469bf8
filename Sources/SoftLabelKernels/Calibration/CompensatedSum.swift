/// A running sum of `Double` terms with Neumaier's compensation (Kahan–Babuška).
///
/// The error of `value` after n additions is ≤ 2ε·Σ|terms| + O(nε²)·Σ|terms| (ε = 2⁻⁵³),
/// independent of n to first order, so the sum of 10⁶ rows does not depend on their order at
/// 1e-15 relative (Neumaier 1974; Higham, "Accuracy and Stability", §4.3).
@usableFromInline
struct CompensatedSum: Sendable {
    @usableFromInline var sum: Double = 0
    @usableFromInline var compensation: Double = 0

    @inlinable init() {}

    @inlinable @inline(__always)
    mutating func add(_ x: Double) {
        let t = sum + x
        if Swift.abs(sum) >= Swift.abs(x) {
            compensation += (sum - t) + x
        } else {
            compensation += (x - t) + sum
        }
        sum = t
    }

    /// The compensated total.
    @inlinable var value: Double { sum + compensation }
}
