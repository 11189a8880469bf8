/// numpy's default quantile (`numpy.quantile(a, q)`, method "linear", Hyndman & Fan type 7):
/// of n ascending values, position h = q·(n − 1), then a[⌊h⌋] + (h − ⌊h⌋)·(a[⌊h⌋+1] − a[⌊h⌋]).
public enum LinearQuantile {
    /// `sorted` ascending and non-empty, q in [0, 1].
    public static func quantile(sorted: [Double], _ q: Double) -> Double {
        precondition(!sorted.isEmpty && q >= 0 && q <= 1)
        let position = q * Double(sorted.count - 1)
        let below = Int(position.rounded(.down))
        let above = Swift.min(below + 1, sorted.count - 1)
        let fraction = position - Double(below)
        return sorted[below] + (sorted[above] - sorted[below]) * fraction
    }
}
