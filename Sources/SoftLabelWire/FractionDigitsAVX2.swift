#if SOFTLABEL_AVX2
import _Builtin_intrinsics.intel

/// The fraction of a Python-printed float (`-1.2345678806304932`: 8-19 digits after the point)
/// found and converted with one 256-bit AVX2 step instead of three 8-byte SWAR steps, for
/// `LongFloat32.scan`. Built only where the package compiles for x86-64-v3 (`SOFTLABEL_AVX2`,
/// set in Package.swift unless `SOFTLABEL_PORTABLE=1`); elsewhere `LongFloat32` keeps its SWAR path.
///
/// The technique is simdjson's / Lemire's 16-digit conversion, widened to 32 bytes:
/// - 32 bytes at the first fraction digit, '0' subtracted; one unsigned compare and `vpmovmskb`
///   mark the non-digits, and the run of digits `n` is the mask's trailing zero count;
/// - one `vpshufb` with a per-`n` control (`controls`) keeps digits 0..<min(n, 16) in place in
///   the low 16 bytes (zeroing everything after them) and moves digits 16..<n to the end of the
///   upper lane's first eight bytes, right-aligned;
/// - `vpmaddubsw` (×10, ×1), `vpmaddwd` (×100, ×1), `vpackusdw`, `vpmaddwd` (×10000, ×1) turn
///   each 8-byte group into its value: the low lane gives the first 16 digits as two 8-digit
///   halves, the upper lane the tail of n - 16 digits.
///
/// The first 16 digits are read as a 16-digit number even when fewer are there: "12" is 12 ×
/// 10^14 over 10^16, the same decimal, so the caller's significand is `head` (padded with zeros to
/// 16 digits) × 10^tail digits + `tail`, over 10^(16 + tail digits), and nothing depends on the
/// digit count but the table row. ~25 instructions instead of ~80 for the three SWAR words.
enum FractionDigitsAVX2 {
    /// Runs of 0...19 digits have a control row; a longer run is not this path's.
    static let largestRun = 19
    /// Bytes per control row (one `vpshufb` control).
    static let rowBytes = 32
    /// Bytes `convert` reads at its start.
    static let lookahead = 32

    /// Writes the `vpshufb` controls for runs of 0...`largestRun` digits at `rows` (20 rows of 32
    /// bytes). A control byte with its top bit set writes a zero; otherwise it names a byte of
    /// the same 16-byte lane.
    static func writeControls(_ rows: UnsafeMutableRawPointer) {
        for n in 0...largestRun {
            let row = n * rowBytes
            let head = Swift.min(n, 16)
            let tail = Swift.max(n - 16, 0)
            for i in 0..<16 {
                rows.storeBytes(of: i < head ? UInt8(i) : 0x80, toByteOffset: row + i, as: UInt8.self)
            }
            // Upper lane: digit 16 + k is its byte k; the tail's t digits go to bytes 8 - t ..< 8.
            for j in 0..<16 {
                let source: UInt8 = (j < 8 && j >= 8 - tail) ? UInt8(j - (8 - tail)) : 0x80
                rows.storeBytes(of: source, toByteOffset: row + 16 + j, as: UInt8.self)
            }
        }
    }

    /// The length (0...32) of the run of ASCII digits at `f` (32 readable bytes), and those
    /// bytes with '0' subtracted.
    @inline(__always)
    static func run(_ f: UnsafePointer<UInt8>) -> (count: Int, reduced: __m256i) {
        let bytes = _mm256_loadu_si256(UnsafeRawPointer(f).assumingMemoryBound(to: __m256i.self))
        let reduced = _mm256_sub_epi8(bytes, _mm256_set1_epi8(0x30))
        // A byte is a digit when its reduced value is at most 9; adding 118 with unsigned
        // saturation sets the top bit of every other byte.
        let nonDigits = _mm256_adds_epu8(reduced, _mm256_set1_epi8(118))
        let mask = UInt32(bitPattern: _mm256_movemask_epi8(nonDigits))
        return (mask.trailingZeroBitCount, reduced)
    }

    /// The first 16 digits of a run of `count` (0...`largestRun`) as a 16-digit number (zeros
    /// after the run), and the value of digits 16..<count (0 when count ≤ 16).
    @inline(__always)
    static func convert(_ reduced: __m256i, count: Int, controls: UnsafeRawPointer) -> (head: UInt64, tail: UInt64) {
        let control = _mm256_loadu_si256((controls + count &* rowBytes).assumingMemoryBound(to: __m256i.self))
        let placed = _mm256_shuffle_epi8(reduced, control)
        let pairs = _mm256_maddubs_epi16(placed, _mm256_set1_epi16(0x010A))          // 10a + b
        let quads = _mm256_madd_epi16(pairs, _mm256_set1_epi32(0x0001_0064))         // 100ab + cd
        let eights = _mm256_madd_epi16(_mm256_packus_epi32(quads, quads), _mm256_set1_epi32(0x0001_2710))
        let halves = UInt64(bitPattern: eights[0])  // digits 0-7 (low 32 bits), 8-15 (high)
        let tail = UInt64(bitPattern: eights[2]) & 0xFFFF_FFFF
        return ((halves & 0xFFFF_FFFF) &* 100_000_000 &+ (halves &>> 32), tail)
    }
}
#endif
