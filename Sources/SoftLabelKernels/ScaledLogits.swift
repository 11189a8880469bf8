/// The float32 domain of softmax(x / T): the rule every kernel that scales logits relies on.
///
/// The kernels compute, per row with s = 1/T (float32) and m = max_k x_k,
///   shift = fl(m·s),   d_k = fl(fl(x_k·s) − shift) ≤ 0,   e_k = exp(d_k),
/// and sums such as Σ e_k·d_k (entropy) or Σ (m − x_k) (smoothed cross-entropy). Every one of
/// them is finite when x_k·s and d_k are; a row that breaks this (a logit range beyond float32,
/// or a temperature so small that x/T overflows) would give ∞ − ∞ = NaN, a NaN bin index, or
/// 0·∞. Such rows are rejected up front (422), never computed:
///   for every row, fl(min·s), fl(max·s) and fl(fl(min·s) − fl(max·s)) must be finite.
/// The most negative d_k is the one of the row's minimum, so checking it checks the row.
/// Cost: one vectorised pass for the largest |x| (`largestMagnitude`); when
/// max|x|·s ≤ float32 max / 4 (every realistic input: the bound leaves a factor 2 of headroom
/// for d) no row can fail and nothing else runs, otherwise each row's min and max are checked.
enum ScaledLogits {
    /// The first row of `m` whose logits times `scale` (1/T, as the kernels compute it) leave
    /// the float32 range in one of the quantities above; nil when every row stays finite.
    static func firstOverflowingRow(_ m: Matrix, scale: Float) -> Int? {
        let largest = m.values.withUnsafeBufferPointer(largestMagnitude)
        if Double(largest) * Double(scale) <= Double(Float.greatestFiniteMagnitude) / 4 { return nil }
        for r in 0..<m.rows {
            let (low, high) = range(m, row: r)
            let shift = high * scale
            let lowest = low * scale
            if !(shift.isFinite && lowest.isFinite && (lowest - shift).isFinite) { return r }
        }
        return nil
    }

    /// Throws when a row of `m` (finite values, the field at `path`) overflows at `temperature`:
    /// at `path[r]` when the row's range overflows even at T = 1, else at `temperaturePath`
    /// with the smallest temperature that would do.
    static func validate(_ m: Matrix, temperature: Float, path: String, temperaturePath: String) throws(ValidationError) {
        guard let r = firstOverflowingRow(m, scale: 1 / temperature) else { return }
        let (low, high) = range(m, row: r)
        if temperature == 1 || firstOverflowingRow(m, scale: 1) != nil {
            throw ValidationError(.invalidValue,
                                  "\(path)[\(r)] spans [\(low), \(high)]: a row's range (max − min) must stay within the float32 range (\(Float.greatestFiniteMagnitude)) for the softmax",
                                  path: "\(path)[\(r)]")
        }
        let needed = Swift.max(Double(high) - Double(low), Double(Swift.max(Swift.abs(low), Swift.abs(high)))) / Double(Float.greatestFiniteMagnitude)
        throw ValidationError(.invalidValue,
                              "temperature \(temperature) is too small for \(path)[\(r)] (values in [\(low), \(high)]): \(path) / temperature must stay within the float32 range; use a temperature of at least about \(Float(needed).nextUp)",
                              path: temperaturePath)
    }

    /// (min, max) of row `r`.
    static func range(_ m: Matrix, row r: Int) -> (Float, Float) {
        m.values.withUnsafeBufferPointer { v in
            let x = v.baseAddress! + r * m.columns
            var low = x[0], high = x[0]
            for j in 1..<m.columns {
                low = Swift.min(low, x[j])
                high = Swift.max(high, x[j])
            }
            return (low, high)
        }
    }

    /// max |v_i| of finite values (0 for none): for non-negative IEEE floats the bit patterns
    /// order like the values, so this is an integer maximum over the bits without the sign,
    /// eight lanes at a time.
    static func largestMagnitude(_ v: UnsafeBufferPointer<Float>) -> Float {
        guard let base = v.baseAddress else { return 0 }
        let raw = UnsafeRawPointer(base)
        let magnitude = SIMD8<UInt32>(repeating: 0x7FFF_FFFF)
        var lanes = SIMD8<UInt32>.zero
        var i = 0
        while i + 8 <= v.count {
            let bits = raw.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<UInt32>.self) & magnitude
            lanes = lanes.replacing(with: bits, where: bits .> lanes)
            i &+= 8
        }
        var largest: UInt32 = 0
        while i < v.count {
            largest = Swift.max(largest, v[i].bitPattern & 0x7FFF_FFFF)
            i &+= 1
        }
        for lane in 0..<8 { largest = Swift.max(largest, lanes[lane]) }
        return Float(bitPattern: largest)
    }
}
