import Testing
@testable import SoftLabelKernels

/// `validateFinite`'s vectorised pass: every non-finite value is found wherever it sits (SIMD
/// lanes and the scalar tail), the first one is named, and extreme finite values pass.
@Suite("validateFinite")
struct ValidateFiniteTests {
    @Test("NaN, ±infinity at every position of 8 + 5 columns; the first one is named")
    func findsEveryPosition() {
        for bad in [Float.nan, .infinity, -.infinity, Float(bitPattern: 0x7FC0_0001), Float(bitPattern: 0xFF80_0001)] {
            for position in 0..<39 {
                var m = Matrix(rows: 3, columns: 13, repeating: 1)
                m.values[position] = bad
                #expect(!m.values.withUnsafeBufferPointer(allFinite))
                #expect(throws: ValidationError(.nonFinite, "values must be finite numbers, got \(bad)",
                                                path: "logits[\(position / 13)][\(position % 13)]")) {
                    try validateFinite(m, path: "logits")
                }
            }
        }
    }

    @Test("the largest finite values, subnormals, zeros and an empty matrix pass")
    func finiteValuesPass() throws {
        let extremes: [Float] = [.greatestFiniteMagnitude, -.greatestFiniteMagnitude, .leastNonzeroMagnitude, -.leastNonzeroMagnitude,
                                 .leastNormalMagnitude, 0, -0.0, 1, -1, 3.4e38, Float(bitPattern: 1)]
        let m = Matrix(rows: 1, columns: extremes.count, values: extremes)
        try validateFinite(m, path: "logits")
        #expect(m.values.withUnsafeBufferPointer(allFinite))
        try validateFinite(Matrix(rows: 0, columns: 0, values: []), path: "logits")
    }
}
