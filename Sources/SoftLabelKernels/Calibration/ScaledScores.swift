/// Float32 copies of float64 scores for the calibration metrics after scaling.
enum ScaledScores {
    static let floor = -1e30

    /// out[offset + j] = Float(max(s_j − max s, −1e30)) for j < k.
    static func writeShifted(_ s: UnsafePointer<Double>, k: Int, into out: inout [Float], at offset: Int) {
        var m = -Double.infinity
        for j in 0..<k { m = Swift.max(m, s[j]) }
        for j in 0..<k { out[offset + j] = Float(Swift.max(s[j] - m, floor)) }
    }
}
