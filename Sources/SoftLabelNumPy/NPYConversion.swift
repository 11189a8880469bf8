import SoftLabelKernels

/// The conversion loops from `.npy` data (any byte order, C or Fortran order, unaligned) to the
/// service's float32 row-major matrices and Int labels. Every load is `loadUnaligned`: NumPy
/// aligns the data to 64 bytes in a file, but a `.npz` member sits wherever the zip put it.
enum NPYConversion {
    /// Values converted between progress calls (and page releases).
    static let blockValues = 1 << 20

    static func floats(_ header: NPYHeader, _ data: UnsafeRawBufferPointer, rows: Int, columns: Int, blockValues: Int,
                       consumed: ((UnsafeRawBufferPointer) -> Void)?, progress: ((Int, Int) -> Void)?) -> [Float] {
        let total = rows * columns
        guard total > 0, let source = data.baseAddress else { return [] }
        let dtype = header.dtype
        return [Float](unsafeUninitializedCapacity: total) { buffer, initialized in
            let destination = buffer.baseAddress!
            if !header.fortranOrder || rows == 1 || columns == 1 {
                // Row-major (a single row or column is the same in both orders): whole rows per block.
                let blockRows = max(1, blockValues / columns)
                var row = 0
                while row < rows {
                    let n = min(blockRows, rows - row) * columns
                    let start = row * columns
                    convert(dtype, source + start * dtype.size, n, destination + start)
                    consumed?(UnsafeRawBufferPointer(start: source + start * dtype.size, count: n * dtype.size))
                    row += n / columns
                    progress?(row * columns, total)
                }
            } else {
                // Column-major: element (r, c) is at c·B + r. Each block of rows gathers its K
                // columns, so the block being written stays in cache.
                let blockRows = max(64, blockValues / columns)
                var row = 0
                while row < rows {
                    let n = min(blockRows, rows - row)
                    for c in 0..<columns {
                        convertStrided(dtype, source + (c * rows + row) * dtype.size, n, destination + row * columns + c, stride: columns)
                    }
                    row += n
                    progress?(row * columns, total)
                }
            }
            initialized = total
        }
    }

    /// `count` contiguous elements of `dtype` at `source` as float32 at `destination`.
    static func convert(_ dtype: NPYDType, _ source: UnsafeRawPointer, _ count: Int, _ destination: UnsafeMutablePointer<Float>) {
        switch (dtype.size, dtype.bigEndian) {
        case (4, false):
            UnsafeMutableRawPointer(destination).copyMemory(from: source, byteCount: count * 4)
        case (4, true): run(source, count, destination, stride: 1) { (b: UInt32) in Float(bitPattern: b.byteSwapped) }
        case (2, false): run(source, count, destination, stride: 1) { (b: UInt16) in Float(Float16(bitPattern: b)) }
        case (2, true): run(source, count, destination, stride: 1) { (b: UInt16) in Float(Float16(bitPattern: b.byteSwapped)) }
        case (8, false): run(source, count, destination, stride: 1) { (b: UInt64) in Float(Double(bitPattern: b)) }
        default: run(source, count, destination, stride: 1) { (b: UInt64) in Float(Double(bitPattern: b.byteSwapped)) }
        }
    }

    /// `convert`, writing every `stride`-th float (a Fortran-order column into row-major rows).
    static func convertStrided(_ dtype: NPYDType, _ source: UnsafeRawPointer, _ count: Int, _ destination: UnsafeMutablePointer<Float>, stride: Int) {
        switch (dtype.size, dtype.bigEndian) {
        case (4, false): run(source, count, destination, stride: stride) { (b: UInt32) in Float(bitPattern: b) }
        case (4, true): run(source, count, destination, stride: stride) { (b: UInt32) in Float(bitPattern: b.byteSwapped) }
        case (2, false): run(source, count, destination, stride: stride) { (b: UInt16) in Float(Float16(bitPattern: b)) }
        case (2, true): run(source, count, destination, stride: stride) { (b: UInt16) in Float(Float16(bitPattern: b.byteSwapped)) }
        case (8, false): run(source, count, destination, stride: stride) { (b: UInt64) in Float(Double(bitPattern: b)) }
        default: run(source, count, destination, stride: stride) { (b: UInt64) in Float(Double(bitPattern: b.byteSwapped)) }
        }
    }

    @inline(__always)
    static func run<Bits: FixedWidthInteger>(_ source: UnsafeRawPointer, _ count: Int, _ destination: UnsafeMutablePointer<Float>,
                                             stride: Int, _ f: (Bits) -> Float) {
        let size = MemoryLayout<Bits>.size
        for i in 0..<count {
            destination[i * stride] = f(source.loadUnaligned(fromByteOffset: i * size, as: Bits.self))
        }
    }

    /// Integer data (any size, signedness and byte order) as Int.
    static func integers(_ header: NPYHeader, _ data: UnsafeRawBufferPointer) throws(NumPyError) -> [Int] {
        let dtype = header.dtype
        let count = header.count
        guard count > 0, let source = data.baseAddress else { return [] }
        func load<T: FixedWidthInteger>(_: T.Type) -> [Int] {
            (0..<count).map { i in
                let raw = source.loadUnaligned(fromByteOffset: i * MemoryLayout<T>.size, as: T.self)
                return Int(truncatingIfNeeded: dtype.bigEndian ? raw.byteSwapped : raw)
            }
        }
        switch (dtype.kind, dtype.size) {
        case (.signed, 1): return load(Int8.self)
        case (.signed, 2): return load(Int16.self)
        case (.signed, 4): return load(Int32.self)
        case (.signed, _): return load(Int64.self)
        case (.unsigned, 1): return load(UInt8.self)
        case (.unsigned, 2): return load(UInt16.self)
        case (.unsigned, 4): return load(UInt32.self)
        default:
            var result = [Int]()
            result.reserveCapacity(count)
            for i in 0..<count {
                let raw = source.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)
                let value = dtype.bigEndian ? raw.byteSwapped : raw
                guard value <= UInt64(Int.max) else { throw NumPyError("label \(value) at index \(i) is larger than any class index") }
                result.append(Int(value))
            }
            return result
        }
    }
}
