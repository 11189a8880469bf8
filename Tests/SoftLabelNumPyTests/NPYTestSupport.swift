import CZlib
import SoftLabelNumPy
import SoftLabelTestSupport

/// Bytes kept alive for an array under test (what a mapped file is in the product).
final class Held {
    let bytes: UnsafeMutableRawBufferPointer

    init(_ data: [UInt8]) {
        bytes = .allocate(byteCount: data.count, alignment: 1)
        bytes.copyBytes(from: data)
    }

    deinit { bytes.deallocate() }

    var view: UnsafeRawBufferPointer { UnsafeRawBufferPointer(bytes) }
}

let roomy = ArrayLimits(maxElements: 1 << 24, maxClasses: 1 << 20)

func npy(_ data: [UInt8]) throws(NumPyError) -> NPYArray {
    let held = Held(data)
    return try NPYArray(bytes: held.view, owner: held)
}

func npz(_ data: [UInt8]) throws(NumPyError) -> NPZArchive {
    let held = Held(data)
    return try NPZArchive(bytes: held.view, owner: held)
}

/// The error a throwing call gives, or nil when it does not throw.
func failure<T>(_ body: () throws -> T) -> String? {
    do {
        _ = try body()
        return nil
    } catch let error as NumPyError {
        return error.message
    } catch {
        return "unexpected error type: \(error)"
    }
}

/// Raw deflate (zip method 8) of `data` at `level`, through zlib.
func deflated(_ data: [UInt8], level: Int32 = 6) -> [UInt8] {
    var z = z_stream()
    precondition(deflateInit2_(&z, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK)
    var output = [UInt8](repeating: 0, count: Int(deflateBound(&z, UInt(data.count))) + 64)
    var input = data
    let produced = input.withUnsafeMutableBufferPointer { inBuffer in
        output.withUnsafeMutableBufferPointer { outBuffer in
            z.next_in = inBuffer.baseAddress
            z.avail_in = UInt32(inBuffer.count)
            z.next_out = outBuffer.baseAddress
            z.avail_out = UInt32(outBuffer.count)
            precondition(deflate(&z, Z_FINISH) == Z_STREAM_END)
            return outBuffer.count - Int(z.avail_out)
        }
    }
    deflateEnd(&z)
    return Array(output[..<produced])
}
