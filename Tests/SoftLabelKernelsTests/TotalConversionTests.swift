import Testing
@testable import SoftLabelKernels

/// Float → Int conversions of the calibration code (bin indices, grid cells, diagram text) are
/// total: any Double, NaN and ±∞ included, gives an index in range or a text, never a trap
/// (issue 11). Validated requests never reach the extremes; the public functions must not
/// depend on that.
@Suite("Total conversions")
struct TotalConversionTests {
    @Test("bin lookups accept any Double: NaN and p ≤ 0 land in bin 0, p > 1 in the last bin")
    func binIndexOfAnyValue() {
        for rule in EdgeRule.allCases {
            let edges = BinEdges(bins: 10, rule: rule)
            for p: Double in [.nan, -.infinity, -1, -0.0, 0] { #expect(edges.index(of: p) == 0, "\(rule) \(p)") }
            for p: Double in [1.5, 1e300, .infinity] { #expect(edges.index(of: p) == edges.binCount - 1, "\(rule) \(p)") }
            #expect(edges.index(of: Float.nan) == 0)
        }
        #expect(lowerClosedBin(Float.nan, bins: 10, last: 9) == 0)
        #expect(lowerClosedBin(Float.infinity, bins: 10, last: 9) == 9)
        #expect(lowerClosedBin(-Float.infinity, bins: 10, last: 9) == 0)
        #expect(lowerClosedBin(0.55, bins: 10, last: 9) == 5)
    }

    @Test("smooth ECE's deposit puts a confidence outside [0, 1] (or NaN) in the grid's edge cells instead of trapping")
    func depositOfAnyValue() {
        for (f, cells) in [(1e300, [3, 4]), (-1e300, [0, 1]), (Double.nan, [0, 1]), (7.0, [3, 4]), (0.5, [2, 3])] {
            var residual = [Double](repeating: 0, count: 5), ones = residual
            SmoothECE.deposit([f], residual: [0.25], residualGrid: &residual, onesGrid: &ones)
            let touched = ones.indices.filter { ones[$0] != 0 || residual[$0] != 0 }
            #expect(touched.allSatisfy(cells.contains), "\(f): \(ones)")
            #expect(!touched.isEmpty)
        }
    }

    @Test("the diagram's number formatter prints magnitudes beyond an exact Int as shortest text instead of trapping")
    func diagramNumbers() {
        #expect(f(1e20) == "1e+20")
        #expect(f(-3e18, 1) == "-3e+18")
        #expect(f(12.345, 2) == "12.35" && f(-0.5, 0) == "-1" && f(.nan) == "0")
    }
}
