import SoftLabelKernels
@testable import SoftLabelNumPy
import SoftLabelTestSupport
import Testing

/// Every dtype, byte order, memory order and format version the reader accepts, from files
/// written byte for byte by `NPYBytes`: the values come back as the float32 (or Int) NumPy
/// would give for `arr.astype(np.float32)`.
@Suite struct NPYReadingTests {
    /// 3×4 values exact in float16 too (small multiples of 1/8), so every dtype gives the same floats.
    let values: [Double] = [0.5, -1.25, 3, 0, 2.125, -0.375, 7.5, 1, -4, 0.25, 6, -2.5]

    @Test(arguments: ["<f2", ">f2", "<f4", ">f4", "<f8", ">f8", "=f4", "|f4", "f8"], [false, true])
    func floatMatrices(descr: String, fortran: Bool) throws {
        let array = try npy(NPYBytes.array(values, shape: [3, 4], descr: descr, fortran: fortran))
        #expect(array.header.fortranOrder == fortran)
        let m = try array.matrix(limits: roomy)
        #expect(m.rows == 3 && m.columns == 4)
        #expect(m.values == values.map(Float.init), "\(descr) fortran=\(fortran)")
    }

    @Test(arguments: [UInt8(1), 2, 3])
    func formatVersions(version: UInt8) throws {
        let array = try npy(NPYBytes.array(values, shape: [4, 3], descr: "<f4", version: version))
        #expect(array.header.major == Int(version))
        #expect(try array.matrix(limits: roomy).values == values.map(Float.init))
        #expect(array.header.dataOffset % 64 == 0)
    }

    @Test func float64RoundsToNearestFloat32() throws {
        let awkward: [Double] = [0.1, 1e-50, 3.4028235677973366e38, -1.0000000596046448, 1e300, -0.0]
        let m = try npy(NPYBytes.array(awkward, shape: [2, 3], descr: "<f8")).matrix(limits: roomy)
        #expect(m.values.map(\.bitPattern) == awkward.map { Float($0).bitPattern })
    }

    @Test func float16SpecialValuesConvertExactly() throws {
        let halves: [Double] = [65504, -65504, 6.103515625e-05, 5.960464477539063e-08, .infinity, -0.0]
        let m = try npy(NPYBytes.array(halves, shape: [1, 6], descr: "<f2")).matrix(limits: roomy)
        #expect(m.values == halves.map(Float.init))
    }

    /// Blocks of rows small enough that a modest matrix crosses many of them, in both orders,
    /// with the progress calls rising to the total.
    @Test(arguments: [false, true])
    func conversionAcrossBlocks(fortran: Bool) throws {
        var g = SeededGenerator(seed: SeededGenerator.seed(default: 12))
        let rows = 1000, columns = 7
        let data = (0..<rows * columns).map { _ in Double(Float.random(in: -8...8, using: &g)) }
        for descr in ["<f4", ">f8", "<f2"] {
            var calls: [(Int, Int)] = []
            let array = try npy(NPYBytes.array(data, shape: [rows, columns], descr: descr, fortran: fortran))
            let m = try array.matrix(limits: roomy, progress: { calls.append(($0, $1)) }, blockValues: 64 * columns)
            #expect(m.values == data.map { Float(descr == "<f2" ? Double(Float16($0)) : $0) }, "\(descr) fortran=\(fortran)")
            #expect(calls.count == (rows + 63) / 64, "\(descr)")
            #expect(calls.last.map { $0 == (rows * columns, rows * columns) } == true)
            #expect(zip(calls, calls.dropFirst()).allSatisfy { $0.0 < $1.0 })
        }
    }

    @Test(arguments: ["<i1", "<i2", ">i2", "<i4", ">i4", "<i8", ">i8", "|u1", "<u2", ">u4", "<u8", ">u8"])
    func integerLabels(descr: String) throws {
        let labels: [Double] = descr.contains("u") ? [0, 3, 1, 127, 2] : [0, 3, -1, 127, -100]
        let array = try npy(NPYBytes.array(labels, shape: [5], descr: descr))
        #expect(try array.labels(limits: roomy) == labels.map { Int($0) })
    }

    @Test func uint64BeyondIntIsRefused() throws {
        var data = NPYBytes.bytes(UInt64(2)) + NPYBytes.bytes(UInt64.max)
        let file = NPYBytes.file(header: NPYBytes.header(descr: "<u8", shape: [2]), data: data)
        #expect(failure { try npy(file).labels(limits: roomy) } == "label 18446744073709551615 at index 1 is larger than any class index")
        data = []
    }

    @Test func headerSpellingsNumPyAccepts() throws {
        for header in ["{'descr':'<f4','fortran_order':False,'shape':(2,3)}",
                       "{\"descr\": \"<f4\", \"shape\": (2, 3), \"fortran_order\": False}",
                       "{ 'shape' : ( 2 , 3 , ) , 'fortran_order' : False , 'descr' : '<f4' , }",
                       "{'descr': '<f4', 'fortran_order': False, 'shape': (2L, 3L), }"] {
            let array = try npy(NPYBytes.file(header: header, data: [UInt8](repeating: 0, count: 24)))
            #expect(array.header.shape == [2, 3], "\(header)")
        }
    }

    @Test func zeroSizedAndScalarShapes() throws {
        let empty = try npy(NPYBytes.file(header: NPYBytes.header(descr: "<f4", shape: [0, 5]), data: []))
        #expect(try empty.matrix(limits: roomy) == Matrix(rows: 0, columns: 5, values: []))
        let scalar = try npy(NPYBytes.file(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (), }", data: [0, 0, 128, 63]))
        #expect(scalar.header.count == 1)
        #expect(failure { try scalar.matrix(limits: roomy) } == "shape () is not [B, K]: expected a 2-D array of B rows of K classes")
    }
}
